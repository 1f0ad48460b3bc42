"""One line instead of a traceback, and never a password.

Flask-Migrate prints Alembic's CommandError as one `Error:` line and exits
with 1. one_line_errors() turns a database error, or a mistake inside a
migration script, into such a line; any other exception passes as it is,
and with FLASK_DEBUG on nothing is turned, so the traceback is there for
whoever asked for it.

Everything the project prints about a database goes through here: the
`flask` commands, migrations/env.py and the schema page name a database
with masked_url() and pass a driver's message through hide_password().
"""
import os
import re
import traceback
from contextlib import contextmanager
from urllib.parse import quote, quote_plus

from alembic.util import CommandError
from flask.helpers import get_debug_flag
from sqlalchemy.engine import make_url
from sqlalchemy.exc import CompileError, SQLAlchemyError

from extras.connect_timeout import DEFAULT_CONNECT_TIMEOUT, timed_out

# Drivers also accept a password as a query parameter (`?password=...`).
PASSWORD_QUERY_KEYS = ("password", "passwd")
MYSQL_BACKENDS = ("mysql", "mariadb")


def masked_url(url):
    """The URL as it is safe to print: any password becomes ***."""
    try:
        parsed = make_url(url)
        hidden = {key: "***" for key in PASSWORD_QUERY_KEYS if key in parsed.query}
        shown = parsed.update_query_dict(hidden).render_as_string(hide_password=True)
        return shown.replace("%2A%2A%2A", "***")  # the query string's own escaping
    except Exception:  # not a URL SQLAlchemy can parse: show only a plain scheme
        scheme, separator, _ = str(url).partition("://")
        plain = separator and re.fullmatch(r"[A-Za-z0-9+.-]+", scheme)
        return f"{scheme}://***" if plain else "***"


def hide_password(text, url):
    """`text` with every password that `url` holds replaced by *** (a driver may echo it)."""
    try:
        parsed = make_url(url)
    except Exception:  # nothing in it can be told apart as a password
        return text
    secrets = [parsed.password]
    for key in PASSWORD_QUERY_KEYS:
        value = parsed.query.get(key)
        secrets += value if isinstance(value, tuple) else [value]
    for secret in filter(None, secrets):
        for spelling in {str(secret), quote(str(secret), safe=""), quote_plus(str(secret))}:
            text = text.replace(spelling, "***")
    return text


def first_line(error):
    """The driver's own words, without SQLAlchemy's SQL dump and links."""
    message = str(getattr(error, "orig", None) or error).strip()
    return message.splitlines()[0].strip() if message else type(error).__name__


def describe_database_error(url, error):
    """One line saying why the database at `url` could not be used."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = os.path.abspath(parsed.database)
        folder = os.path.dirname(path)
        if not os.path.isdir(folder):
            return (f"the folder {folder} does not exist, so SQLite cannot create {path} "
                    "there. Create the folder, or fix DATABASE_URL.")
        if "not a database" in first_line(error):
            return (f"{path} is not a SQLite database file. It was left as it is; point "
                    "DATABASE_URL at another file.")
    if timed_out(first_line(error)):
        return (f"the database server at {server_address(parsed)} did not answer in time "
                f"(FLASK_DATABASE_CONNECT_TIMEOUT, {DEFAULT_CONNECT_TIMEOUT} s unless set): check "
                f"the address in DATABASE_URL={masked_url(url)} and that the server is up.")
    return f"cannot use the database at {masked_url(url)}: {hide_password(first_line(error), url)}"


def server_address(url):
    """host:port of a parsed URL, or its socket."""
    socket = url.query.get("host") or url.query.get("unix_socket")
    if not url.host and socket:
        return socket
    return f"{url.host or 'localhost'}{f':{url.port}' if url.port else ''}"


def describe_failed_run(url, error, sent_by_failed_migration, changes_database=True):
    """What went wrong during a migration run, and what state it left the database in.

    `sent_by_failed_migration` counts the statements the failing migration
    had sent before the error; on MySQL and MariaDB they stay. A command
    that does not change the database (current, check, migrate) ran no
    migration, and its line says so.
    """
    backend = make_url(url).get_backend_name()
    if backend == "sqlite" and "not a database" in first_line(error):
        return describe_database_error(url, error)
    what = hide_password(what_failed(error), url)
    if backend == "sqlite" and what == "interrupted":  # guarded_runs.ctrl_c_stops_statements
        what = "stopped by Ctrl-C (interrupted)"
    if not changes_database:
        return f"{what}. This command runs no migration: the database was not changed."
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


def error_place(error, folder):
    """ "models.py, line 12": the innermost place of `error` in this project's own files.

    Files are named relative to `folder`, the server folder; extras/ and
    testing/ are not the learner's, so they are never named.
    """
    places = [(frame.filename, frame.lineno) for frame in traceback.extract_tb(error.__traceback__)]
    if isinstance(error, SyntaxError) and error.filename:
        places.append((error.filename, error.lineno))  # the file that could not be compiled
    for filename, line in reversed(places):
        relative = os.path.relpath(os.path.abspath(filename), os.path.abspath(folder))
        if not relative.startswith(("..", "extras", "testing")):
            return f"{relative}, line {line}"
    return None


def script_frames(error):
    """The traceback frames inside migrations/versions: where a script went wrong.

    A versions/ folder counts only beside an env.py: pyenv's own
    ~/.pyenv/versions/ holds the standard library.
    """
    if isinstance(error, SyntaxError):
        return [error] if in_migration_scripts(error.filename or "") else []
    return [f for f in traceback.extract_tb(error.__traceback__)
            if in_migration_scripts(f.filename)]


def in_migration_scripts(filename):
    folder = os.path.dirname(filename)
    return (os.path.basename(folder) == "versions"
            and os.path.isfile(os.path.join(os.path.dirname(folder), "env.py")))


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
