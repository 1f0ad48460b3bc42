"""A failed run in one line: what went wrong, and what state it left the database in.

Flask-Migrate prints Alembic's CommandError as one `Error:` line and exits
with 1. one_line_errors() turns a database error, or a mistake inside a
migration script, into such a line; any other exception passes as it is,
and with FLASK_DEBUG on nothing is turned, so the traceback is there for
whoever asked for it. The words never hold a password (core/urls.py).
"""
import os
from contextlib import contextmanager
from pathlib import Path

from alembic.util import CommandError
from flask.helpers import get_debug_flag
from sqlalchemy.exc import CompileError, DBAPIError, SQLAlchemyError

from extras.core.database import connect_timed_out
from extras.core.messages import first_line, script_frames
from extras.core.settings import DEFAULTS
from extras.core.urls import (
    MYSQL_BACKENDS,
    backend_of,
    hide_password,
    masked_url,
    server_address,
    sqlite_file,
)


def describe_database_error(url, error):
    """One line saying why the database at `url` could not be used."""
    path = sqlite_file(url)
    if path is not None:
        path = Path(os.path.abspath(path))
        if not path.parent.is_dir():
            return (f"the folder {path.parent} does not exist, so SQLite cannot create {path} "
                    "there. Create the folder, or fix DATABASE_URL.")
        if "not a database" in first_line(error):
            return (f"{path} is not a SQLite database file. It was left as it is; point "
                    "DATABASE_URL at another file.")
    if connect_timed_out(first_line(error)):
        return (f"the database server at {server_address(url)} did not answer in time "
                f"(FLASK_DATABASE_CONNECT_TIMEOUT, {DEFAULTS['DATABASE_CONNECT_TIMEOUT']:g} s "
                f"unless set): check the address in DATABASE_URL={masked_url(url)} and that the "
                "server is up.")
    return f"cannot use the database at {masked_url(url)}: {hide_password(first_line(error), url)}"


def describe_failed_run(url, error, sent_by_failed_migration, changes_database=True):
    """What went wrong during a migration run, and what state it left the database in.

    `sent_by_failed_migration` counts the statements the failing migration
    had sent before the error; on MySQL and MariaDB they stay. A command
    that does not change the database (current, check, migrate) ran no
    migration, and its line says so.
    """
    backend = backend_of(url)
    error = error_cleaned_up_after(error)
    if backend == "sqlite" and "not a database" in first_line(error):
        return describe_database_error(url, error)
    what = hide_password(what_failed(error), url)
    if backend == "sqlite" and what == "interrupted":  # core/sqlite.py, Ctrl-C
        what = "stopped by Ctrl-C (interrupted)"
    if not changes_database:
        return f"{what}. This command runs no migration: the database was not changed."
    if needs_values(error):
        what = f"{what}. {NOT_NULL_FIX}"
    if backend not in MYSQL_BACKENDS:
        return f"the migration failed: {what}; nothing was changed: the whole run was rolled back."
    hint = mysql_hint(error)
    if hint:
        what = f"{what}. {hint}"
    if not sent_by_failed_migration:
        outcome = ("nothing was sent for that migration, and alembic_version still names the "
                   "last migration that finished")
    else:
        outcome = ("MySQL and MariaDB cannot undo DDL, so statements of the failed migration "
                   "before the error may remain, but alembic_version still names the last "
                   "migration that finished (see docs/safety-nets.md)")
    return f"the migration failed: {what}; {outcome}."


# The fix for a NOT NULL column added to, or set on, a table whose rows have no value for it.
NOT_NULL_FIX = ("A NOT NULL column needs a value in the rows the table has: delete this migration, "
                "run `flask db migrate` again and answer its question (or give "
                "-x TABLE.COLUMN=VALUE)")
POSTGRESQL_NOT_NULL_VIOLATION = "23502"


def needs_values(error):
    """True when a migration failed on NOT NULL over rows without a value (SQLite, PostgreSQL).

    MySQL and MariaDB do not fail there: they fill in an implicit '' or 0.
    """
    orig = getattr(error, "orig", None)
    if getattr(orig, "sqlstate", None) == POSTGRESQL_NOT_NULL_VIOLATION:
        return True
    message = first_line(error)
    return type(orig).__module__ == "sqlite3" and (
        "Cannot add a NOT NULL column" in message or "NOT NULL constraint failed" in message)


def error_cleaned_up_after(error):
    """The database error that ended the run, when another came while cleaning up after it.

    Alembic's batch copy drops its _alembic_tmp_ table when the copy fails; when
    SQLite has rolled the whole transaction back (a full disk), that drop fails
    too, with "no such table: _alembic_tmp_...", and hid "database or disk is full".
    """
    # Only the database's own errors: SQLAlchemy may raise one of its errors (a CompileError)
    # while handling another of its own, and the outer one is the one that says where.
    while isinstance(error, DBAPIError) and isinstance(handled_when_raised(error), DBAPIError):
        error = handled_when_raised(error)
    return error


def handled_when_raised(error):
    """The error that was being handled when `error` was raised, past the driver's own error
    (SQLAlchemy raises its error from the driver's)."""
    context = error.__context__
    if context is not None and context is getattr(error, "orig", None):
        context = context.__context__
    return context


def mysql_hint(error):
    """What to write instead, for the mistakes that only MySQL and MariaDB refuse."""
    message = str(error)
    if isinstance(error, CompileError) and "VARCHAR requires a length" in message:
        return ("MySQL and MariaDB need a length: write String(255) in models.py and in the "
                "migration")
    if isinstance(error, CommandError) and "require the existing type" in message:
        return ("MySQL and MariaDB rename a column with CHANGE COLUMN, which restates the whole "
                "column: add existing_type=sa.String(255) and existing_nullable (True or False, "
                "as the column is) to op.alter_column")
    return None


def what_failed(error):
    """The error in one line; for a mistake in a script, also where it is."""
    if isinstance(error, SQLAlchemyError) and not isinstance(error, CompileError):
        return first_line(error)  # the database's own words say what
    where = ""
    frames = script_frames(error)
    if frames and not isinstance(error, SyntaxError):  # its message names the place already
        where = f" ({os.path.basename(frames[-1].filename)}, line {frames[-1].lineno})"
    return f"{type(error).__name__}: {first_line(error).rstrip('.')}{where}"


@contextmanager
def one_line_errors(describe):
    """Turn a database error, or a mistake inside a migration script, into a one-line CommandError.

    `describe(error)` writes the line. Alembic's own CommandErrors are one
    line already; so are a tool's own signals (pytest-alembic's, say),
    which pass on untouched.
    """
    try:
        yield
    except Exception as error:
        raised_in_script = bool(script_frames(error))
        if isinstance(error, CommandError) and not raised_in_script:
            raise
        ours = isinstance(error, SQLAlchemyError) or raised_in_script
        if get_debug_flag() or not ours:
            raise
        raise CommandError(describe(error)) from error
