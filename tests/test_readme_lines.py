"""What the README quotes is what the tools print, and what it promises CI checks."""
import re

from helpers.flask_process import flask
from helpers.paths import SERVER_DIR

README = (SERVER_DIR.parent / "README.md").read_text()
CI_RUN = (SERVER_DIR.parent / ".ci" / "run").read_text()


def troubleshooting_entry(starting):
    """The bold, quoted words that open the troubleshooting entry starting with `starting`."""
    [quoted] = re.findall(r"^- \*\*`(" + re.escape(starting) + r"[^`]*)`\*\*", README, re.M)
    return quoted


def test_the_missing_driver_entry_quotes_the_real_line():
    quoted = troubleshooting_entry("is not a database URL this app can use")
    for url, module in [("postgresql+psycopg2://root@/test?host=/var/run/postgresql", "psycopg2"),
                        ("mysql+mysqldb://root@localhost/test", "MySQLdb")]:
        result = flask("db", "current", database_url=url)
        assert result.returncode == 1
        assert result.stderr.strip() == (
            f"Error: DATABASE_URL={url} {quoted.replace('psycopg2', module)}"), result.stderr


def test_ci_runs_the_readme_tests_on_the_oldest_and_newest_python_it_names():
    oldest, newest = re.search(r"Any Python from (3\.\d+) to (3\.\d+) works", README).groups()
    for version in (oldest, newest):
        assert f'readme_tests_on_sqlite "$(find_python {version})"' in CI_RUN, version
