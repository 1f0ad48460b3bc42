"""Which database the app uses: DATABASE_URL, or a SQLite file in the instance folder.

A URL the app cannot use stops `flask` with one `Error:` line that says
why and never shows the password.
"""
import os
from contextlib import contextmanager

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from extras.one_line_errors import first_line, masked_url

# A URL without a driver name makes SQLAlchemy look for psycopg2 or
# mysqlclient, which this project does not install; point it at the drivers it does.
PROJECT_DRIVERS = {
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
}


SERVER_BACKENDS = ("postgresql", "mysql", "mariadb")
# Commands whose work is lost with an in-memory database. Those that only
# read (current, history, heads, show, check) and the page may use one.
# `migrate` would compare the models with an empty database that then vanishes.
LOST_IN_MEMORY = ("upgrade", "downgrade", "stamp", "migrate", "seed", "start")


class DatabaseURLError(click.ClickException):
    """A database URL the app cannot use; `flask` prints it as one `Error:` line."""


def database_url_from_environment(instance_path):
    """DATABASE_URL with this project's driver, or a SQLite file in `instance_path`.

    An empty DATABASE_URL counts as unset, because shells and .env files
    often leave the variable defined but blank.
    """
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return with_project_driver(url)
    # The default file lives in server/instance/, which git ignores.
    os.makedirs(instance_path, exist_ok=True)
    return "sqlite:///" + os.path.join(instance_path, "app.db")


def with_project_driver(url):
    """postgresql://... becomes postgresql+psycopg://..., mysql://... mysql+pymysql://..."""
    scheme, separator, rest = url.partition("://")
    if not separator or scheme not in PROJECT_DRIVERS:
        return url
    return f"{PROJECT_DRIVERS[scheme]}://{rest}"


@contextmanager
def refuse_unusable_url(url):
    """Check `url`, then run the block that makes the engine: either failure is one line."""
    userinfo = str(url).partition("://")[2].split("/", 1)[0]
    if userinfo.count("@") > 1:
        # `user:p@ss@host` would be read as host `ss@host`, and the driver's
        # error would then print part of the password.
        raise DatabaseURLError(
            "DATABASE_URL has more than one @ before the host: write an @ inside the "
            "password as %40."
        )
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError, TypeError) as error:
        raise unusable_url(url, error) from None
    if parsed.get_backend_name() in SERVER_BACKENDS and not names_database(parsed):
        # libpq would pick a database named after the user, PyMySQL none at all.
        raise DatabaseURLError(
            f"DATABASE_URL={masked_url(url)} names no database: add its name after the "
            f"server, as in {parsed.drivername.split('+')[0]}://user@localhost/lesson."
        )
    try:
        yield
    except (ArgumentError, ImportError, ValueError) as error:  # e.g. an unknown driver
        raise unusable_url(url, error) from None


def names_database(parsed):
    return bool(parsed.database) or bool(parsed.query.get("dbname"))


def in_memory_sqlite(url):
    """True for a SQLite database that lives in memory and is gone when the command ends."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return False
    database = parsed.database or ""
    return (database in ("", ":memory:") or database.startswith("file::memory:")
            or parsed.query.get("mode") == "memory")


def refuse_lost_work(url, command):
    """Refuse `command` (its name, as `flask` was given it) when its work would vanish with it."""
    if command in LOST_IN_MEMORY and in_memory_sqlite(url):
        raise DatabaseURLError(
            f"DATABASE_URL={masked_url(url)} is a SQLite database in memory, which vanishes "
            f"when `{command}` ends, and its work with it: give a file, as in "
            "sqlite:///instance/app.db."
        )


def unusable_url(url, error):
    return DatabaseURLError(
        f"DATABASE_URL={masked_url(url)} is not a database URL this app can use: "
        f"{first_line(error)}"
    )
