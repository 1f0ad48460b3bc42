"""Database URLs: which ones this app can use, which are SQLite files, and how to print them.

Everything the project prints about a database names it with masked_url()
and passes a driver's message through hide_password(): never a password.
"""
import os
from pathlib import Path
from urllib.parse import quote, quote_plus

from alembic.util import CommandError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

# The kit gives a driverless URL (postgresql://, mysql://) the drivers the
# lesson installs, psycopg 3 and PyMySQL; the app does the same, with the kit's table.
from testing.backends import (  # noqa: F401 (extras reads with_driver from here)
    PASSWORD_QUERY_KEYS,
    password_in_host,
    shown_url,
    with_driver,
)
from testing.places import database_words

SERVER_BACKENDS = ("postgresql", "mysql", "mariadb")
MYSQL_BACKENDS = ("mysql", "mariadb")


class DatabaseURLError(CommandError):
    """A database URL the app cannot use; the message says why, without the password."""


def backend_of(url):
    """"sqlite", "postgresql", "mysql", ... for a URL (a string or a parsed URL)."""
    return make_url(url).get_backend_name()


def in_memory_sqlite(url):
    """True for a SQLite database that lives in memory and is gone when the command ends."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return False
    database = parsed.database or ""
    return (database in ("", ":memory:") or database.startswith("file::memory:")
            or parsed.query.get("mode") == "memory")


def sqlite_file(url):
    """The SQLite file a URL names, as a Path; None for a server or an in-memory database.

    A `file:` URI filename is left alone (None): SQLite itself reads it.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or in_memory_sqlite(parsed):
        return None
    if parsed.database.startswith("file:"):
        return None
    return Path(parsed.database)


def check_usable(url):
    """Raise DatabaseURLError, in one line, unless an engine can be made from `url`.

    Checked before Flask-SQLAlchemy makes the engine, at the same points where
    making it would fail: the URL's syntax, its dialect, its driver module.
    """
    try:
        parsed = make_url(url)
        if password_in_host(parsed):
            # The driver's error would name the host, which holds the rest of the password.
            raise DatabaseURLError(
                f"DATABASE_URL={masked_url(url)} has an @ inside its password: write it as "
                "%40 in the URL.")
        dialect = parsed.get_dialect()
        dialect.import_dbapi()
    except (ArgumentError, ImportError, ValueError, TypeError) as error:  # e.g. an unknown driver
        raise DatabaseURLError(
            f"DATABASE_URL={masked_url(url)} is not a database URL this app can use: "
            f"{hide_password(database_words(error), url)}") from None
    too_long = name_too_long(sqlite_file(parsed))
    if too_long:
        # SQLite would only say "unable to open database file", and Python's own
        # stat() stops with "File name too long" deep inside a command.
        raise DatabaseURLError(
            f"DATABASE_URL names a SQLite file with a name of {too_long} bytes, longer than "
            f"this system allows ({longest_name()}): use a shorter name.")
    if parsed.get_backend_name() in SERVER_BACKENDS and not names_database(parsed):
        # libpq would pick a database named after the user, PyMySQL none at all.
        raise DatabaseURLError(
            f"DATABASE_URL={masked_url(url)} names no database: add its name after the "
            f"server, as in {parsed.drivername.split('+')[0]}://user@localhost/lesson.")


def longest_name():
    """The longest file or folder name this system allows, in bytes (255 on most)."""
    try:
        return os.pathconf("/", "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        return 255


def name_too_long(path):
    """The length of the longest name in `path`, when one is longer than the system allows."""
    if path is None:
        return None
    longest = max((len(os.fsencode(part)) for part in path.parts), default=0)
    return longest if longest > longest_name() else None


def names_database(parsed):
    return bool(parsed.database) or bool(parsed.query.get("dbname"))


def masked_url(url):
    """The URL as it is safe to print: any password, wherever it is written, becomes ***."""
    return shown_url(url)


def hide_password(text, url):
    """`text` with every password that `url` holds replaced by *** (a driver may echo it)."""
    try:
        parsed = make_url(url)
    except Exception:  # nothing in it can be told apart as a password
        return text
    secrets = [parsed.password]
    if password_in_host(parsed):  # the password as it was meant runs to the last @
        text = text.replace(parsed.host, f"***@{parsed.host.rpartition('@')[2]}")
        secrets.insert(0, f"{parsed.password or ''}@{parsed.host.rpartition('@')[0]}")
    for key in PASSWORD_QUERY_KEYS:
        value = parsed.query.get(key)
        secrets += value if isinstance(value, tuple) else [value]
    for secret in filter(None, secrets):
        for spelling in {str(secret), quote(str(secret), safe=""), quote_plus(str(secret))}:
            text = text.replace(spelling, "***")
    return text


def server_address(url):
    """host:port of a URL, or the socket it names."""
    parsed = make_url(url)
    socket = parsed.query.get("host") or parsed.query.get("unix_socket")
    if not parsed.host and socket:
        return socket
    return f"{parsed.host or 'localhost'}{f':{parsed.port}' if parsed.port else ''}"
