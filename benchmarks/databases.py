"""The databases the bench runs on: a SQLite file always, plus TEST_DATABASE_URLS.

The grading suite's own helpers pick the engines and make (and drop) a
uniquely named database on each server, so the bench never touches a
database it did not create.
"""
import sqlite3
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from benchmarks import BenchError
from testing.engines import SQLITE, fresh_database


@contextmanager
def bench_database(engine, folder):
    """The URL of a new, empty database on `engine` (SQLite: a file in `folder`), removed after."""
    folder.mkdir(parents=True, exist_ok=True)
    with suite_failures_as_bench_errors(), fresh_database(engine, folder) as url:
        yield url


@contextmanager
def suite_failures_as_bench_errors():
    """The suite's helpers report trouble with pytest.fail; the bench says it in one line."""
    try:
        yield
    except pytest.fail.Exception as failure:
        raise BenchError(str(failure)) from None


def server_version(url):
    """What the engine says it is, e.g. 'PostgreSQL 15.2' or 'MariaDB 10.11.6'."""
    if url.startswith(SQLITE):
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
