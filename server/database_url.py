"""Where the database is: DATABASE_URL, or a SQLite file in the instance folder."""
import os
import re

from sqlalchemy.engine import make_url

# URLs without a driver name make SQLAlchemy look for psycopg2 or mysqlclient,
# which this project does not install; point them at the drivers it does.
DEFAULT_DRIVERS = {
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
}


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


def masked(url):
    """The URL as it is safe to print: any password becomes ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can parse: show only a plain scheme
        scheme = url.partition("://")[0]
        return f"{scheme}://***" if re.fullmatch(r"[A-Za-z0-9+.-]+", scheme) else "***"
