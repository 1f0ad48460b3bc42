"""Bad states and bad input: one clear line, a non-zero exit, nothing changed."""
import hashlib

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from app import create_app
from database_url import DatabaseURLError
from helpers.flask_process import flask
from helpers.migration_copies import copy_migrations
from helpers.paths import SERVER_DIR
from models import db

UNREACHABLE = "postgresql+psycopg://learner:s3cret@127.0.0.1:1/nowhere"


def error_lines(output):
    return [line for line in output.splitlines() if "Error:" in line]


def ended_cleanly(result):
    """The command exited by itself (one `Error:` line), not by an uncaught exception."""
    return result.exception is None or isinstance(result.exception, SystemExit)


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
    result = flask("db", "upgrade", database_url=url)
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
        assert "s3cret" not in result.output and ended_cleanly(result)


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
    assert result.exit_code == 1 and ended_cleanly(result)
    [line] = error_lines(result.stderr)
    assert "Can't locate revision identified by 'nosuchrev'" in line
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


@pytest.mark.parametrize("value", ["soon", "-1", "Infinity", "1e12"])
def test_lock_timeout_must_be_a_number(monkeypatch, tmp_path, value):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    monkeypatch.setenv("FLASK_MIGRATION_LOCK_TIMEOUT", value)
    app = create_app()
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 1
    assert "FLASK_MIGRATION_LOCK_TIMEOUT must be a number of seconds" in result.stderr
    assert not (tmp_path / "app.db").exists(), "nothing may be created"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://ann:p@ss@127.0.0.1:1/db",  # an @ in the password, not escaped
        "postgresql://user:password@host:port/dbname",  # a template copied as it is
        "postgresql://ann@[::1/db",
    ],
    ids=["two-at-signs", "port-is-a-word", "broken-ipv6"],
)
def test_urls_sqlalchemy_would_misread_are_refused(monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(DatabaseURLError) as refused:
        create_app()
    assert "ss@" not in str(refused.value) and "password@" not in str(refused.value)


def test_flask_debug_off_keeps_one_line(cli_on, monkeypatch, tmp_path):
    monkeypatch.setenv("FLASK_DEBUG", "0")
    result = cli_on(f"sqlite:///{tmp_path / 'missing' / 'app.db'}").invoke(args=["db", "upgrade"])
    assert result.exit_code == 1 and ended_cleanly(result)
    assert len(error_lines(result.stderr)) == 1


def test_a_typo_in_a_migration_script_is_one_line(app, runner, live_db, steps, tmp_path):
    live_db.upgrade(steps[1].revision, "Upgrading to step 2")
    migrations = copy_migrations(tmp_path)
    step3 = next((migrations / "versions").glob(f"{steps[2].revision}_*.py"))
    step3.write_text(step3.read_text().replace("op.rename_table(", "op.rename_tabel(", 1))

    result = runner.invoke(args=["db", "upgrade", "-d", str(migrations)])

    assert result.exit_code == 1 and ended_cleanly(result)
    [line] = error_lines(result.stderr)
    assert "AttributeError" in line and "rename_tabel" in line and f"{step3.name}, line" in line
    assert live_db.revision() == steps[1].revision and "department" in live_db.schema()


def test_seed_with_two_heads_is_one_line(app, runner, live_db, steps, tmp_path):
    live_db.upgrade(steps[-1].revision, "Upgrading to head")
    migrations = copy_migrations(tmp_path)
    branch = (migrations / "versions" / "b4a7c4000001_branch.py")
    branch.write_text(
        f'revision = "b4a7c4000001"\ndown_revision = "{steps[2].revision}"\n'
        "branch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    pass\n\n\n"
        "def downgrade():\n    pass\n"
    )
    app.extensions["migrate"].migrate.directory = str(migrations)

    result = runner.invoke(args=["seed"])

    assert result.exit_code == 1 and ended_cleanly(result)
    assert "multiple heads" in result.output.lower(), result.output
    assert live_db.rows("employees", ["id"]) == []


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
