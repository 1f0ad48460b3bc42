"""The database engines the suite runs on, and a fresh database on each.

SQLite always; every URL in TEST_DATABASE_URLS (comma-separated) as well.
Each test gets a database of its own, made for it and dropped after it, so
tests can run in any order and never see each other's tables.
"""
import os
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from database_url import masked, with_default_driver

SQLITE = "sqlite"


def listed_server_urls():
    """The server URLs named in TEST_DATABASE_URLS, drivers filled in."""
    raw = os.environ.get("TEST_DATABASE_URLS", "")
    return [with_default_driver(url.strip()) for url in raw.split(",") if url.strip()]


def engines_under_test():
    """(name, engine) pairs: SQLite first, then each listed server URL.

    Names are backend names like `sqlite` and `postgresql`, numbered when a
    backend is listed twice. The benchmarks use the same list.
    """
    found = [(SQLITE, SQLITE)]
    seen = {SQLITE: 1}
    for url in listed_server_urls():
        backend = make_url(url).get_backend_name()
        seen[backend] = seen.get(backend, 0) + 1
        found.append((backend if seen[backend] == 1 else f"{backend}{seen[backend]}", url))
    return found


def engine_params():
    """One pytest param per engine, with ids like `sqlite` and `postgresql`."""
    return [pytest.param(engine, id=name) for name, engine in engines_under_test()]


@contextmanager
def fresh_database(engine, tmp_path):
    """Yield the URL of a new, empty database on `engine`; remove it after.

    `engine` is SQLITE or a server URL. A server that cannot be reached fails
    the test: a listed engine is never skipped.
    """
    if engine == SQLITE:
        yield f"sqlite:///{tmp_path / 'lesson.db'}"
        return

    server = make_url(engine)
    name = f"lesson_{uuid.uuid4().hex[:12]}"
    quote = "`" if server.get_backend_name() in ("mysql", "mariadb") else '"'
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {quote}{name}{quote}"))
    except SQLAlchemyError as error:
        admin.dispose()
        pytest.fail(
            f"TEST_DATABASE_URLS lists {masked(engine)}, but a test database could not be "
            f"made there: {getattr(error, 'orig', error)}",
            pytrace=False,
        )
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        force = " WITH (FORCE)" if server.get_backend_name() == "postgresql" else ""
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {quote}{name}{quote}{force}"))
        admin.dispose()
