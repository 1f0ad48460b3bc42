"""The databases to grade on: SQLite always, plus every server in TEST_DATABASE_URLS.

Servers in ADVISORY_DATABASE_URLS are graded too, but cost no points: the
learner and the instructor see what a copy would need there ("MySQL and
MariaDB need a length") without the copy losing its grade.

Plain Python, without pytest, so that the project's own tests and its
benchmark can make their databases the same way. Every caller gets a
database of its own, made for it and dropped after it, so nothing it does
is seen by anyone else.
"""
import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote_plus

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from .places import database_words

# A URL without a driver name makes SQLAlchemy look for psycopg2 or
# mysqlclient; the lesson's Pipfile installs psycopg 3 and PyMySQL.
DRIVERS = {
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
}


class DatabaseUnavailable(Exception):
    """A listed server on which no database could be made; the message says why."""


@dataclass(frozen=True)
class Backend:
    """One kind of database to run on: SQLite, or one server listed in TEST_DATABASE_URLS."""

    name: str  # "sqlite", "postgresql", "mysql"; numbered when a kind is listed twice
    server_url: str | None = None  # None for SQLite, where each database is a file
    advisory: bool = False  # graded and reported, but its failures cost no points

    @property
    def is_mysql(self):
        """MySQL and MariaDB: they need string lengths and cannot undo DDL."""
        return self.server_url is not None and make_url(self.server_url).get_backend_name() in (
            "mysql", "mariadb")

    def __str__(self):
        return self.name


SQLITE = Backend("sqlite")

# The class grader (class_grading/) gives each copy's run a prefix of its
# own, so that it can drop that copy's databases itself when it had to end the run.
DATABASE_PREFIX_VARIABLE = "GRADING_DATABASE_PREFIX"
DEFAULT_DATABASE_PREFIX = "lesson_"


def database_prefix():
    """What every database this run makes is named with: `lesson_` unless told otherwise."""
    return os.environ.get(DATABASE_PREFIX_VARIABLE) or DEFAULT_DATABASE_PREFIX


def with_driver(url):
    """Give a driverless URL (postgresql://, mysql://) the driver the lesson installs."""
    scheme, separator, rest = url.partition("://")
    if separator and scheme in DRIVERS:
        return f"{DRIVERS[scheme]}://{rest}"
    return url


# Drivers also accept a password as a query parameter (`?password=...`).
PASSWORD_QUERY_KEYS = ("password", "passwd")


def password_in_host(parsed):
    """True when an @ inside the password was not written as %40.

    SQLAlchemy (like a browser) ends the password at the first @, so the
    rest of the password becomes the start of the host: `root:se/cr@et@host`
    has the host `et@host`.
    """
    return "@" in (parsed.host or "")


def shown_url(url):
    """The URL as it is safe to print: its password, all of it, becomes ***.

    Parsed and written back by SQLAlchemy; a URL it cannot parse shows only
    a plain scheme.
    """
    try:
        parsed = make_url(url)
    except Exception:
        scheme, separator, _ = str(url).partition("://")
        plain = separator and scheme.replace("+", "").replace(".", "").replace("-", "").isalnum()
        return f"{scheme}://***" if plain else "***"
    if password_in_host(parsed):
        parsed = parsed.set(password="***", host=parsed.host.rpartition("@")[2])
    hidden = {key: "***" for key in PASSWORD_QUERY_KEYS if key in parsed.query}
    shown = parsed.update_query_dict(hidden).render_as_string(hide_password=True)
    # The query as it was written: ?host=/var/run/postgresql, not ?host=%2Fvar%2Frun%2Fpostgresql.
    address, separator, query = shown.partition("?")
    return address + separator + unquote_plus(query)


SERVER_LISTS = {"TEST_DATABASE_URLS": False, "ADVISORY_DATABASE_URLS": True}


def backends_under_test():
    """SQLite first, then each server URL in TEST_DATABASE_URLS, then ADVISORY_DATABASE_URLS
    (each comma-separated)."""
    found = [SQLITE]
    seen = {}
    for variable, advisory in SERVER_LISTS.items():
        for raw in os.environ.get(variable, "").split(","):
            if not raw.strip():
                continue
            url = with_driver(raw.strip())
            kind = make_url(url).get_backend_name()
            seen[kind] = seen.get(kind, 0) + 1
            found.append(Backend(kind if seen[kind] == 1 else f"{kind}{seen[kind]}", url,
                                 advisory))
    return found


@contextmanager
def fresh_database(backend, folder):
    """Yield the URL of a new, empty database on `backend`; drop it afterwards.

    SQLite: a file in `folder`. A server: `CREATE DATABASE lesson_<random>` (or
    GRADING_DATABASE_PREFIX in place of `lesson_`).
    Raises DatabaseUnavailable when the server cannot make one: a listed
    server that is down must fail the run, never be skipped.
    """
    if backend.server_url is None:
        yield f"sqlite:///{Path(folder) / f'lesson_{uuid.uuid4().hex[:8]}.db'}"
        return
    server = make_url(backend.server_url)
    listed_in = "ADVISORY_DATABASE_URLS" if backend.advisory else "TEST_DATABASE_URLS"
    if password_in_host(server):  # the driver's error would print the host: part of the password
        raise DatabaseUnavailable(f"{listed_in} lists {shown_url(server)}, whose password holds "
                                  "an @: write it as %40 in the URL.")
    name = f"{database_prefix()}{uuid.uuid4().hex[:12]}"
    admin = admin_engine(backend)
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {quoted(backend, name)}"))
    except SQLAlchemyError as error:
        admin.dispose()
        raise DatabaseUnavailable(f"{listed_in} lists {shown_url(server)}, but no database "
                                  f"could be made there: {database_words(error)}") from None
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            drop_database(connection, backend, name)
        admin.dispose()


def admin_engine(backend):
    """An engine on `backend`'s server URL for CREATE and DROP DATABASE (outside transactions)."""
    return create_engine(make_url(backend.server_url), isolation_level="AUTOCOMMIT",
                         poolclass=NullPool)


def quoted(backend, name):
    quote = "`" if backend.is_mysql else '"'
    return f"{quote}{name}{quote}"


def drop_database(connection, backend, name):
    force = "" if backend.is_mysql else " WITH (FORCE)"  # PostgreSQL: end stray sessions
    connection.execute(text(f"DROP DATABASE IF EXISTS {quoted(backend, name)}{force}"))
