"""Where the database is (DATABASE_URL, or a SQLite file in the instance
folder), and how to talk about it without printing its password."""
import os
import re

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

# URLs without a driver name make SQLAlchemy look for psycopg2 or mysqlclient,
# which this project does not install; point them at the drivers it does.
DEFAULT_DRIVERS = {
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
}


class DatabaseURLError(click.ClickException):
    """A database URL the app cannot use; `flask` prints it as one `Error:` line."""


def resolve_database_url(instance_path):
    """Return the URL the app should use.

    An empty DATABASE_URL counts as unset, because shells and .env files
    often leave the variable defined but blank.
    """
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return with_default_driver(url)
    # The default file lives in server/instance/, which git ignores.
    os.makedirs(instance_path, exist_ok=True)
    return "sqlite:///" + os.path.join(instance_path, "app.db")


def with_default_driver(url):
    """Give a driverless URL (postgresql://, mysql://) this project's driver."""
    scheme, separator, rest = url.partition("://")
    if separator and scheme in DEFAULT_DRIVERS:
        return f"{DEFAULT_DRIVERS[scheme]}://{rest}"
    return url


# Drivers also accept a password as a query parameter (`?password=...`).
PASSWORD_QUERY_KEYS = ("password", "passwd")


def check_database_url(url):
    """Refuse, in one line, a URL that SQLAlchemy cannot read or would misread."""
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


def unusable_url(url, error):
    """The one-line error for a URL that SQLAlchemy or its driver rejected."""
    return DatabaseURLError(
        f"DATABASE_URL={masked(url)} is not a database URL this app can use: "
        f"{first_line(error)}"
    )


def masked(url):
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


def first_line(error):
    """The driver's own words, without SQLAlchemy's SQL dump and links."""
    message = str(getattr(error, "orig", None) or error).strip()
    return message.splitlines()[0].strip() if message else type(error).__name__


def describe_database_error(url, error):
    """One line saying why the database at `url` could not be used."""
    url = make_url(url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = os.path.abspath(url.database)
        folder = os.path.dirname(path)
        if not os.path.isdir(folder):
            return (f"the folder {folder} does not exist, so SQLite cannot create {path} "
                    "there. Create the folder, or fix DATABASE_URL.")
        if "not a database" in first_line(error):
            return (f"{path} is not a SQLite database file. It was left as it is; point "
                    "DATABASE_URL at another file.")
    return f"cannot use the database at {masked(url)}: {first_line(error)}"
