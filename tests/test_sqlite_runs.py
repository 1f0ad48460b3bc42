"""extras/guarded_runs.py on SQLite: Ctrl-C stops a long statement, reading creates no file."""
import signal
import subprocess
import time

import pytest

from helpers.flask_process import flask, start_flask
from helpers.migration_copies import copy_with_extra_migration

LONG_STATEMENT = '''\
    import pathlib
    pathlib.Path(r"{started}").touch()
    op.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
               "WHERE i < 3000000000) SELECT count(*) FROM n")
'''


def test_ctrl_c_stops_a_long_statement_at_once(steps, tmp_path):
    """SQLite only: PostgreSQL and MariaDB servers cancel a statement on Ctrl-C themselves."""
    database = tmp_path / "app.db"
    url = f"sqlite:///{database}"
    assert flask("db", "upgrade", database_url=url).returncode == 0
    before = database.read_bytes()
    started = tmp_path / "started"
    migrations = copy_with_extra_migration(tmp_path, down_revision=steps[-1].revision,
                                           upgrade=LONG_STATEMENT.format(started=started))
    # Python's own SIGINT handler, as in a terminal, whatever the test runner's is.
    process = start_flask("db", "upgrade", "-d", migrations, database_url=url, merged=True)
    deadline = time.monotonic() + 30
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started.exists(), "the long migration never started"
    time.sleep(0.5)  # inside the statement now
    process.send_signal(signal.SIGINT)
    interrupted_at = time.monotonic()
    try:
        output = process.communicate(timeout=30)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("Ctrl-C did not stop the statement", pytrace=False)

    assert time.monotonic() - interrupted_at < 2, output
    assert process.returncode == 1, output
    [line] = [line for line in output.splitlines() if "Error:" in line]
    assert "stopped by Ctrl-C" in line and "nothing was changed" in line, line
    assert "Traceback" not in output
    assert database.read_bytes() == before, "the run must leave the database as it was"


@pytest.mark.parametrize("command, exit_code",
                         [("current", 0), ("history", 0), ("heads", 0), ("check", 1)])
def test_commands_that_only_read_create_no_database_file(tmp_path, command, exit_code):
    database = tmp_path / "app.db"
    result = flask("db", command, database_url=f"sqlite:///{database}")
    assert result.returncode == exit_code, result.stderr
    assert "Traceback" not in result.stderr
    assert not database.exists(), f"`flask db {command}` created {database.name}"
