"""extras/core/history.py and urls.py: every broken history and bad URL is one true line.

Each case runs `flask db upgrade`, `current`, `history` and `flask seed` on a
copy of the lesson's files, in-process, and loads the page: exit status 1
or a 503, one `Error:` line, no traceback, and the file or table to fix
named. One case of each kind also runs through the real `flask` executable,
where the line is printed by a process of its own.
"""
import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app import create_app
from extras.core.urls import DatabaseURLError
from helpers.cli_runner import cli_runner
from helpers.flask_process import flask
from helpers.paths import SERVER_DIR
from helpers.server_copies import copy_server
from models import db
from testing.backends import SQLITE
from testing.history import TWO_HEADS_ADVICE

COMMANDS = [["db", "upgrade"], ["db", "current"], ["db", "history"], ["seed"]]
SCRIPTS = "migrations/versions"
STEP2 = f"{SCRIPTS}/51f20aa4768b_add_department.py"
STEP3 = f"{SCRIPTS}/1694ecedb24d_rename_department.py"
STEP4 = f"{SCRIPTS}/76f31678b786_rename_address.py"
FIRST = f"{SCRIPTS}/15537423c56d_initial_migration.py"


def replace(path, old, new):
    text_before = path.read_text()
    assert old in text_before, f"{path.name} should contain {old!r}"
    path.write_text(text_before.replace(old, new, 1))


def dangling(server):
    replace(server / STEP3, "down_revision = '", "down_revision = 'ffff")


def cycle(server):
    replace(server / FIRST, "down_revision = None", "down_revision = '76f31678b786'")


def duplicate(server):
    shutil.copy(server / STEP4, server / SCRIPTS / "aaaa00000001_copy.py")


def two_heads(server):
    script = (server / STEP4).read_text()
    (server / SCRIPTS / "bbbb00000002_branch.py").write_text(
        re.sub(r"^revision = .*$", "revision = 'bbbb00000002'", script, flags=re.M))


def no_versions_folder(server):
    shutil.rmtree(server / SCRIPTS)


def no_revision(server):
    script = (server / STEP2).read_text()
    (server / STEP2).write_text(re.sub(r"^revision = .*$", "", script, flags=re.M))


def syntax_error(server):
    replace(server / STEP4, "def upgrade():", "def upgrade()")


HISTORIES = {  # how to break it, and what the line must say
    "dangling down_revision": (dangling, [STEP3, "'ffff51f20aa4768b'", "no script has"]),
    "cycle": (cycle, [FIRST, STEP4, "point at each other", "down_revision = None"]),
    "duplicate id": (duplicate, [STEP4, f"{SCRIPTS}/aaaa00000001_copy.py", "same revision"]),
    # The kit's own advice (test_grading_kit.py's "two heads" cases): one straight line, no merge.
    "two heads": (two_heads, [STEP4, f"{SCRIPTS}/bbbb00000002_branch.py", TWO_HEADS_ADVICE]),
    "no versions folder": (no_versions_folder, [f"{SCRIPTS}/ is missing", "git checkout"]),
    "no revision": (no_revision, [STEP2, "has no `revision = '...'` line"]),
    "syntax error": (syntax_error, [f"{STEP4}, line", "SyntaxError"]),
}


def run_flask(server, args, database_url):
    return flask(*args, database_url=database_url, cwd=server)


def assert_one_line(result, expected):
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output, output
    [line] = [line for line in output.splitlines() if "Error:" in line]
    for words in expected:
        assert words in line, f"{words!r} not in: {line}"
    assert "newer than this code" not in line and "migration failed" not in line, line
    return line


def in_process(result):
    """A CliRunner result, read as a finished process."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return subprocess.CompletedProcess([], result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def upgraded(copy_app):
    """A copy of the lesson at head, on its own SQLite file: (its app, the file)."""
    assert copy_app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    with copy_app.app_context():
        db.engine.dispose()
    return copy_app, Path(make_url(copy_app.config["SQLALCHEMY_DATABASE_URI"]).database)


@pytest.mark.parametrize("case", HISTORIES)
@pytest.mark.parametrize("backend", [SQLITE], ids=str)
def test_a_broken_history_is_one_line_everywhere(case, upgraded, lesson_copy):
    app, database = upgraded
    before = database.read_bytes()
    breaks, expected = HISTORIES[case]
    breaks(lesson_copy.server)

    runner = app.test_cli_runner()
    with app.app_context():
        for command in COMMANDS:
            assert_one_line(in_process(runner.invoke(args=command)), expected)
        db.engine.dispose()
    assert database.read_bytes() == before, "nothing may change"

    response = app.test_client().get("/")
    assert response.status_code == 503
    page = html.unescape(response.text)
    assert all(words in page for words in expected), page


def test_the_real_flask_prints_a_broken_history_in_one_line(tmp_path):
    """Printed by Flask-Migrate's own `flask db` and by this project's `flask seed` alike."""
    server = tmp_path / "server"
    copy_server(server)
    dangling(server)
    expected = HISTORIES["dangling down_revision"][1]
    for command in (["db", "upgrade"], ["seed"]):
        assert_one_line(run_flask(server, command, f"sqlite:///{tmp_path / 'app.db'}"), expected)


@pytest.mark.database_at_step(4)
def test_several_rows_in_alembic_version_blame_the_table(app, client, runner, live_db, steps,
                                                         database_url):
    engine = create_engine(database_url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO alembic_version VALUES (:rev)"),
                           {"rev": steps[1].revision})
    engine.dispose()
    expected = ["alembic_version table has 2 rows", "flask db stamp --purge"]

    for command in (["db", "upgrade"], ["db", "current"], ["db", "downgrade"], ["seed"]):
        result = runner.invoke(args=command)
        assert result.exception is None or isinstance(result.exception, SystemExit), command
        line = assert_one_line(subprocess.CompletedProcess([], result.exit_code, "",
                                                           result.output), expected)
        assert "scripts are fine" in line
    response = client.get("/")
    assert response.status_code == 503
    page = html.unescape(response.text)
    assert "alembic_version table has 2 rows" in page and "migration scripts" not in page

    # The way out the line names works.
    assert runner.invoke(args=["db", "stamp", "--purge", steps[-1].revision]).exit_code == 0
    assert live_db.revision() == steps[-1].revision


NO_DATABASE = {
    "postgresql://": "postgresql://",
    "mysql://": "mysql://",
    "mariadb without a name": "mysql+pymysql://root@localhost/?unix_socket=/run/mysqld/mysqld.sock",
    "postgresql without a name": "postgresql://root@/?host=/var/run/postgresql",
}


@pytest.mark.parametrize("url", NO_DATABASE.values(), ids=NO_DATABASE)
def test_a_url_without_a_database_is_refused(url):
    with pytest.raises(DatabaseURLError, match="names no database"):
        create_app({"SQLALCHEMY_DATABASE_URI": url})


def test_the_real_flask_refuses_such_a_url_in_one_line(tmp_path):
    """Refused while `flask` loads the app: one line from a `flask db` command and `flask run`."""
    for command in (["db", "upgrade"], ["run"]):
        assert_one_line(run_flask(SERVER_DIR, command, NO_DATABASE["postgresql://"]),
                        ["names no database"])


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_in_memory_sqlite_is_refused_where_work_would_vanish(url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    runner = cli_runner(app)
    with app.app_context():
        for command in (["db", "upgrade"], ["db", "stamp", "head"], ["db", "migrate"], ["seed"]):
            assert_one_line(in_process(runner.invoke(args=command)), ["in memory", "vanishes"])
        # Commands that only read may use one: an empty database, nothing to lose.
        for command in (["db", "current"], ["db", "history"]):
            assert runner.invoke(args=command).exit_code == 0, command
