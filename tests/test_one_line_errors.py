"""extras/one_line_errors.py: one clear line, a non-zero exit, nothing changed, no password.

Bad input and bad states on the way into a migration run, and mistakes
inside a migration, including those only MySQL and MariaDB refuse.
"""
import hashlib

import pytest

from app import create_app
from extras.core.urls import hide_password, masked_url
from helpers.migration_copies import EXTRA_REVISION, copy_migrations, copy_with_extra_migration
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


def test_printed_urls_hide_the_password():
    assert masked_url("postgresql://ann@db/app?password=s3cret&sslmode=require") == (
        "postgresql://ann@db/app?password=***&sslmode=require"
    )
    assert masked_url("postgresql+psycopg://ann:s3cret@db/app") == "postgresql+psycopg://ann:***@db/app"
    assert "s3cret" not in masked_url("not a url with s3cret")


def test_a_driver_that_echoes_the_password_is_scrubbed():
    url = "postgresql://ann:p%40ss w0rd@db/app?passwd=other"
    echoed = "login failed for ann with p@ss w0rd (p%40ss+w0rd, p%40ss%20w0rd), other"
    assert hide_password(echoed, url) == "login failed for ann with *** (***, ***), ***"
    assert hide_password("no password here", "sqlite:///app.db") == "no password here"
    assert hide_password("left as it is", "not a url") == "left as it is"


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
@pytest.mark.database_at_step(2)
def test_revision_that_does_not_exist(runner, live_db, steps, command):
    result = runner.invoke(args=["db", command, "nosuchrev"])
    assert result.exit_code == 1 and ended_cleanly(result)
    [line] = error_lines(result.stderr)
    assert "Can't locate revision identified by 'nosuchrev'" in line
    assert live_db.revision() == steps[1].revision


def test_flask_debug_off_keeps_one_line(cli_on, monkeypatch, tmp_path):
    monkeypatch.setenv("FLASK_DEBUG", "0")
    result = cli_on(f"sqlite:///{tmp_path / 'missing' / 'app.db'}").invoke(args=["db", "upgrade"])
    assert result.exit_code == 1 and ended_cleanly(result)
    assert len(error_lines(result.stderr)) == 1


def test_flask_debug_keeps_the_traceback(cli_on, monkeypatch, tmp_path):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    result = cli_on(f"sqlite:///{tmp_path / 'missing' / 'app.db'}").invoke(args=["db", "upgrade"])
    assert result.exit_code == 1
    assert "unable to open database file" in str(result.exception)


@pytest.mark.database_at_step(2)
def test_a_typo_in_a_migration_script_is_one_line(runner, live_db, steps, tmp_path):
    migrations = copy_migrations(tmp_path)
    step3 = migrations.parent / steps[2].file
    step3.write_text(step3.read_text().replace("op.rename_table(", "op.rename_tabel(", 1))

    result = runner.invoke(args=["db", "upgrade", "-d", str(migrations)])

    assert result.exit_code == 1 and ended_cleanly(result)
    [line] = error_lines(result.stderr)
    assert "AttributeError" in line and "rename_tabel" in line and f"{step3.name}, line" in line
    assert live_db.revision() == steps[1].revision and "department" in live_db.schema()


@pytest.mark.database_at_step(4)
def test_failed_upgrade_prints_one_line_saying_what_is_left(backend, runner, live_db, steps,
                                                             tmp_path):
    migrations = copy_with_extra_migration(tmp_path, down_revision=steps[-1].revision)

    result = runner.invoke(args=["db", "upgrade", "--directory", str(migrations)])

    assert result.exit_code == 1
    [line] = error_lines(result.stderr)
    assert "the migration failed:" in line and "employees" in line
    assert isinstance(result.exception, SystemExit), "an uncaught exception, not one Error: line"
    if backend.is_mysql:  # its first statements were sent, and MySQL cannot take DDL back
        assert "statements of the failed migration before the error may remain" in line
    else:
        assert "nothing was changed: the whole run was rolled back" in line


def upgrade_with_extra_migration(runner, live_db, steps, tmp_path, upgrade):
    """Upgrade a database at head into one more migration running `upgrade`; return the result."""
    live_db.upgrade(steps[-1].revision, "Upgrading to head")
    migrations = copy_with_extra_migration(tmp_path, down_revision=steps[-1].revision,
                                           upgrade=upgrade)
    return runner.invoke(args=["db", "upgrade", "--directory", str(migrations)])


def test_a_string_without_a_length_says_so_on_mysql(backend, runner, live_db, steps, tmp_path):
    """db.String without a length: fine on SQLite and PostgreSQL, refused by MySQL and MariaDB."""
    result = upgrade_with_extra_migration(runner, live_db, steps, tmp_path, upgrade=(
        '    op.create_table("notes", sa.Column("id", sa.Integer(), primary_key=True),\n'
        '                    sa.Column("text", sa.String()))\n'))

    if not backend.is_mysql:
        assert result.exit_code == 0, result.output
        assert live_db.revision() == EXTRA_REVISION and "notes" in live_db.schema()
        return
    assert result.exit_code == 1 and ended_cleanly(result)
    [line] = error_lines(result.stderr)
    assert ("MySQL and MariaDB need a length: write String(255) in models.py and in the "
            "migration") in line
    assert f"{EXTRA_REVISION}_extra.py, line" in line
    assert "nothing was sent for that migration" in line and "may remain" not in line
    assert live_db.revision() == steps[-1].revision and "notes" not in live_db.schema()


def test_a_column_rename_without_existing_type_says_so_on_mysql(backend, runner, live_db, steps,
                                                                tmp_path):
    """MySQL and MariaDB rename with CHANGE COLUMN, which must restate the column's type."""
    result = upgrade_with_extra_migration(runner, live_db, steps, tmp_path, upgrade=(
        '    op.alter_column("departments", "location", new_column_name="place")\n'))

    if not backend.is_mysql:
        assert result.exit_code == 0, result.output
        assert "place" in live_db.schema()["departments"]
        return
    assert result.exit_code == 1 and ended_cleanly(result)
    [line] = error_lines(result.stderr)
    assert "add existing_type=sa.String(255) and existing_nullable" in line
    assert "to op.alter_column" in line and f"{EXTRA_REVISION}_extra.py, line" in line
    assert "nothing was sent for that migration" in line and "may remain" not in line
    assert live_db.revision() == steps[-1].revision
    assert "location" in live_db.schema()["departments"]


@pytest.mark.database_at_step(2)
def test_flask_migrates_error_has_one_label(runner, tmp_path):
    """`Error: ...` as Flask-Migrate writes it, not `ERROR [flask_migrate] Error: ...`."""
    migrations = copy_migrations(tmp_path)
    result = runner.invoke(args=["db", "migrate", "-d", str(migrations)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "Error: Target database is not up to date."
    assert "[flask_migrate]" not in result.stderr


@pytest.mark.parametrize("args, line", [
    (["show", ""], "Error: `flask db show ''` names no revision: give one, such as head, or "
                   "leave it out."),
    (["upgrade", ""], "Error: `flask db upgrade ''` names no revision: give one, such as head, "
                      "or leave it out."),
    (["upgrade", "head+999"], "Error: there is no revision 'head+999': it goes past the first "
                              "or the last migration (`flask db history` lists them)."),
    (["downgrade", "head-999"], "Error: there is no revision 'head-999': it goes past the "
                                "first or the last migration (`flask db history` lists them)."),
    (["upgrade", "--sql", ":head"], "Error: `flask db upgrade --sql :head` needs a revision on "
                                     "both sides of the colon, as in 51f20aa4768b:head."),
], ids=["show-empty", "upgrade-empty", "upgrade-head+999", "downgrade-head-999", "sql-from-none"])
@pytest.mark.database_at_step(2)
def test_a_revision_alembic_cannot_resolve_is_one_true_line(runner, live_db, steps, args, line):
    result = runner.invoke(args=["db", *args])
    assert result.exit_code == 1 and ended_cleanly(result), result.exception
    assert result.stderr.splitlines() == [line]
    assert live_db.revision() == steps[1].revision


def test_a_message_with_quotes_and_backslashes_makes_a_script_that_loads(runner, tmp_path):
    """The template escapes the message: stock Alembic writes a script no command can load."""
    import ast

    migrations = copy_migrations(tmp_path)
    for script in (migrations / "versions").glob("*.py"):
        script.unlink()
    message = 'say """hi""" to C:\\New\\x0 and \\N{DASH}'

    result = runner.invoke(args=["db", "migrate", "-d", str(migrations), "-m", message])

    assert result.exit_code == 0, result.output
    [script] = (migrations / "versions").glob("*.py")
    docstring = ast.get_docstring(ast.parse(script.read_text()))
    assert docstring.splitlines()[0] == message
    history = runner.invoke(args=["db", "history", "-d", str(migrations)])
    assert history.exit_code == 0 and "Error" not in history.output, history.output


@pytest.mark.database_at_step(2)
def test_sql_is_wrapped_in_a_transaction_where_the_docs_say(runner, backend, steps, capfd):
    """docs/safety-nets.md: `--sql` keeps BEGIN;/COMMIT; on PostgreSQL, and only there."""
    from helpers.paths import SERVER_DIR

    docs = (SERVER_DIR.parent / "docs" / "safety-nets.md").read_text()
    assert "`--sql` on PostgreSQL prints the statements between `BEGIN;` and `COMMIT;`" in docs
    capfd.readouterr()
    result = runner.invoke(args=["db", "upgrade", "--sql", f"{steps[1].revision}:head"])
    assert result.exit_code == 0, result.output
    statements = [line for line in (result.output + capfd.readouterr().out).splitlines()
                  if line.endswith(";")]
    wrapped = statements[0] == "BEGIN;" and statements[-1] == "COMMIT;"
    assert wrapped == (backend.name.rstrip("0123456789") == "postgresql"), statements


def test_flask_shell_shows_pythons_traceback_not_the_loading_advice(tmp_path):
    """The one-line hook is for loading the app; at the prompt, an error is Python's as usual
    (no "run the command again", no "<console>" named as a file of the lesson)."""
    from helpers.flask_process import flask

    typed = tmp_path / "typed.py"
    typed.write_text("1/0\nprint('still here')\n")
    result = flask("shell", database_url=f"sqlite:///{tmp_path / 'app.db'}", stdin=typed)
    assert result.returncode == 0, result.stderr
    assert "Traceback (most recent call last):" in result.stderr
    assert "ZeroDivisionError: division by zero" in result.stderr
    assert "run the command again" not in result.stderr and "Error: <console>" not in (
        result.stderr)
    assert "still here" in result.stdout + result.stderr
