"""The databases the bench runs on: a SQLite file always, plus TEST_DATABASE_URLS.

The grading kit's plain helpers (testing.backends) pick the backends and
make (and drop) a uniquely named database on each server, so the bench
never touches a database it did not create.
"""
import sqlite3
from contextlib import ExitStack, contextmanager

from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from benchmarks import BenchError
from testing.backends import DatabaseUnavailable, fresh_database


@contextmanager
def bench_database(backend, folder):
    """The URL of a new, empty database on `backend` (SQLite: a file in `folder`), removed after."""
    folder.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        try:
            url = stack.enter_context(fresh_database(backend, folder))
        except DatabaseUnavailable as error:
            raise BenchError(str(error)) from None
        yield url


def server_version(backend, url):
    """What the database says it is, e.g. 'PostgreSQL 15.2' or 'MariaDB 10.11.6'."""
    if backend.server_url is None:
        return f"SQLite {sqlite3.sqlite_version}"
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            dialect = connection.dialect
            version = ".".join(str(part) for part in dialect.server_version_info[:3])
            name = {"postgresql": "PostgreSQL", "mysql": "MySQL"}.get(dialect.name, dialect.name)
            return f"{'MariaDB' if getattr(dialect, 'is_mariadb', False) else name} {version}"
    finally:
        engine.dispose()
