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
        make_url(url)
    except (ArgumentError, ValueError, TypeError) as error:
        raise unusable_url(url, error) from None
    try:
        yield
    except (ArgumentError, ImportError, ValueError) as error:  # e.g. an unknown driver
        raise unusable_url(url, error) from None


def unusable_url(url, error):
    return DatabaseURLError(
        f"DATABASE_URL={masked_url(url)} is not a database URL this app can use: "
        f"{first_line(error)}"
    )
