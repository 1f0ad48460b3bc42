"""Bad states and bad input: one clear line, a non-zero exit, nothing changed."""
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from app import create_app
from database_url import DatabaseURLError
from models import db

SERVER_DIR = Path(__file__).resolve().parent.parent
UNREACHABLE = "postgresql+psycopg://learner:s3cret@127.0.0.1:1/nowhere"


def flask_cli(*args, database_url):
    """The real `flask` executable, from server/, with only DATABASE_URL set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env["DATABASE_URL"] = database_url
    return subprocess.run(
        [str(Path(sys.executable).with_name("flask")), *args],
        cwd=SERVER_DIR, env=env, capture_output=True, text=True,
    )


def error_lines(output):
    return [line for line in output.splitlines() if "Error:" in line]


@pytest.fixture
def cli_on():
    """Makes in-process CLI runners for apps on a given URL (no test database).

    Their engines are disposed afterwards, so no SQLite connection is left
    for the garbage collector to close (Python 3.13 warns about that).
    """
    apps = []

    def make(url):
        apps.append(create_app({"SQLALCHEMY_DATABASE_URI": url}))
        with apps[-1].app_context():
            return apps[-1].test_cli_runner()

    yield make
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.mark.parametrize(
    "url, expected",
    [
        ("not a url", "is not a database URL this app can use"),
        (UNREACHABLE, "cannot use the database at postgresql+psycopg://learner:***@127.0.0.1:1"),
    ],
    ids=["malformed", "unreachable"],
)
def test_real_cli_prints_one_line_for_a_bad_database_url(url, expected):
    result = flask_cli("db", "upgrade", database_url=url)
    assert result.returncode == 1
    assert [line for line in error_lines(result.stderr) if expected in line], result.stderr
    assert len(error_lines(result.stderr)) == 1, result.stderr
    assert "Traceback" not in result.stderr and "s3cret" not in result.stderr + result.stdout


def test_malformed_url_is_refused_when_the_app_is_made(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "nosuchdb://x/y")
    with pytest.raises(DatabaseURLError, match="Can't load plugin"):
        create_app()


def test_unreachable_database_for_seed_and_check(cli_on):
    for command in (["seed"], ["db", "check"], ["db", "current"]):
        result = cli_on(UNREACHABLE).invoke(args=command)
        assert result.exit_code == 1, command
        assert "cannot use the database at" in result.output
        assert "s3cret" not in result.output and "Traceback" not in result.output


def test_sqlite_folder_that_does_not_exist(cli_on, tmp_path):
    folder = tmp_path / "missing"
    result = cli_on(f"sqlite:///{folder / 'app.db'}").invoke(args=["db", "upgrade"])
    assert result.exit_code == 1
    assert f"the folder {folder} does not exist" in result.stderr
    assert not folder.exists()


def test_file_that_is_not_a_sqlite_database_is_left_alone(cli_on, tmp_path):
    notes = tmp_path / "notes.db"
    notes.write_bytes(b"Shopping list: eggs, milk, a better database URL.\n" * 100)
    before = hashlib.sha256(notes.read_bytes()).hexdigest()

    result = cli_on(f"sqlite:///{notes}").invoke(args=["db", "upgrade"])

    assert result.exit_code == 1
    assert f"{notes} is not a SQLite database file" in result.stderr
    assert hashlib.sha256(notes.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


@pytest.mark.parametrize("command", ["upgrade", "downgrade"])
def test_revision_that_does_not_exist(runner, live_db, steps, command):
    live_db.upgrade(steps[1].revision, "Upgrading to step 2")
    result = runner.invoke(args=["db", command, "nosuchrev"])
    assert result.exit_code == 1
    assert error_lines(result.stderr) == [
        line for line in result.stderr.splitlines() if "Can't locate revision identified by 'nosuchrev'" in line
    ]
    assert live_db.revision() == steps[1].revision


def stamp_unknown_revision(app, revision):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :rev"), {"rev": revision})
    engine.dispose()


def test_database_ahead_of_the_code(app, runner, live_db, steps):
    live_db.upgrade(steps[-1].revision, "Upgrading to head")
    stamp_unknown_revision(app, "c0ffee000000")
    schema = live_db.schema()

    for command in (["db", "upgrade"], ["db", "downgrade"], ["db", "current"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 1, command
        [line] = error_lines(result.stderr)
        assert "the database is at revision c0ffee000000" in line and "newer than this code" in line
    assert live_db.revision() == "c0ffee000000" and live_db.schema() == schema

    # The way out the message names works.
    assert runner.invoke(args=["db", "stamp", "--purge", steps[-1].revision]).exit_code == 0
    assert live_db.revision() == steps[-1].revision


@pytest.mark.parametrize("value", ["soon", "-1"])
def test_lock_timeout_must_be_a_number(monkeypatch, tmp_path, value):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    monkeypatch.setenv("FLASK_MIGRATION_LOCK_TIMEOUT", value)
    app = create_app()
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 1
    assert "FLASK_MIGRATION_LOCK_TIMEOUT must be a number of seconds" in result.stderr
    assert not (tmp_path / "app.db").exists(), "nothing may be created"


def test_flask_debug_keeps_the_traceback(cli_on, monkeypatch, tmp_path):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    result = cli_on(f"sqlite:///{tmp_path / 'missing' / 'app.db'}").invoke(args=["db", "upgrade"])
    assert result.exit_code == 1
    assert "unable to open database file" in str(result.exception)


def test_server_defaults_are_safe():
    """No debugger and loopback only, unless the learner asks for more."""
    settings = (SERVER_DIR / ".flaskenv").read_text()
    assert "FLASK_DEBUG" not in settings and "FLASK_RUN_HOST" not in settings
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).debug is False
