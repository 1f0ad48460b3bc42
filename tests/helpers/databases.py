"""Each test's database: empty, or already at a step of the lesson, made quickly and its own.

Making a PostgreSQL database copies a template on disk (about a quarter of
a second here), and migrating one to a step costs more than that on the
servers; neither is what most tests are about. So, per pytest worker:

- an **empty** PostgreSQL database comes from a pool: a test's database is
  emptied after it (its sessions ended, its schema dropped and made anew)
  and handed to a later test. MariaDB makes and drops a database in a
  millisecond, and SQLite is a new file: both are made afresh.
- a database **at step N** is a copy of one migrated once per session: the
  file copied (SQLite), `CREATE DATABASE ... TEMPLATE` (PostgreSQL), or
  its tables copied with their rows (MariaDB).

Every name starts with lesson_<worker>_, so no two workers ever share a
database, and the session drops everything it made.
"""
import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from testing.backends import (
    DatabaseUnavailable,
    admin_engine,
    drop_database,
    quoted,
    shown_url,
)
from testing.places import database_words

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


class DatabaseSupply:
    """The databases of one test session; `close()` drops them all."""

    def __init__(self, folder, revisions):
        self.folder = Path(folder)  # for SQLite templates
        self.revisions = revisions  # the lesson's revision ids, step 1 first
        self.made = {}  # backend name -> (backend, [database names])
        self.pool = {}  # backend name -> [empty PostgreSQL databases, free]
        self.templates = {}  # (backend name, step) -> URL

    @contextmanager
    def empty(self, backend, folder):
        """Yield the URL of an empty database of the test's own on `backend`."""
        if backend.server_url is None:
            yield f"sqlite:///{Path(folder) / f'lesson_{uuid.uuid4().hex[:8]}.db'}"
            return
        pooled = not backend.is_mysql
        free = self.pool.setdefault(backend.name, [])
        name = free.pop() if pooled and free else self.create(backend)
        try:
            yield self.url(backend, name)
        finally:
            if pooled:
                self.empty_out(backend, name)
                free.append(name)
            else:
                self.drop(backend, name)

    @contextmanager
    def at_step(self, backend, step, folder):
        """Yield the URL of a database of the test's own, migrated to lesson step `step`."""
        template = self.template(backend, step)
        if backend.server_url is None:
            copy = Path(folder) / f"lesson_step{step}_{uuid.uuid4().hex[:8]}.db"
            shutil.copy(make_url(template).database, copy)
            yield f"sqlite:///{copy}"
            return
        name = self.create(backend, like=make_url(template).database)
        try:
            yield self.url(backend, name)
        finally:
            self.drop(backend, name)

    def template(self, backend, step):
        key = (backend.name, step)
        if key not in self.templates:
            if backend.server_url is None:
                url = f"sqlite:///{self.folder / f'template_step{step}.db'}"
            else:
                url = self.url(backend, self.create(backend))
            migrate(url, self.revisions[step - 1])
            self.templates[key] = url
        return self.templates[key]

    def url(self, backend, name):
        return make_url(backend.server_url).set(database=name).render_as_string(
            hide_password=False)

    def create(self, backend, like=None):
        """CREATE DATABASE lesson_<worker>_<random>, a copy of `like` if given; its name."""
        name = f"lesson_{WORKER}_{uuid.uuid4().hex[:12]}"
        admin = admin_engine(backend)
        try:
            with admin.connect() as connection:
                if like is not None and not backend.is_mysql:
                    connection.execute(text(f"CREATE DATABASE {quoted(backend, name)} "
                                            f"TEMPLATE {quoted(backend, like)}"))
                else:
                    connection.execute(text(f"CREATE DATABASE {quoted(backend, name)}"))
                if like is not None and backend.is_mysql:
                    copy_tables(connection, like, name)
        except SQLAlchemyError as error:
            raise DatabaseUnavailable(f"TEST_DATABASE_URLS lists {shown_url(backend.server_url)}, "
                                      "but no database "
                                      f"could be made there: {database_words(error)}") from None
        finally:
            admin.dispose()
        self.made.setdefault(backend.name, (backend, []))[1].append(name)
        return name

    def empty_out(self, backend, name):
        """End the database's other sessions and drop everything in it (PostgreSQL)."""
        engine = create_engine(self.url(backend, name), isolation_level="AUTOCOMMIT",
                               poolclass=NullPool)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                        "WHERE datname = current_database() "
                                        "AND pid <> pg_backend_pid()"))
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        finally:
            engine.dispose()

    def drop(self, backend, name):
        admin = admin_engine(backend)
        try:
            with admin.connect() as connection:
                drop_database(connection, backend, name)
        finally:
            admin.dispose()
        self.made[backend.name][1].remove(name)

    def close(self):
        for backend, names in self.made.values():
            for name in list(names):
                self.drop(backend, name)


def migrate(url, revision):
    """Upgrade a new database at `url` to `revision` with this repository's app."""
    from app import create_app  # the tests' own import path: server/ is on it
    from models import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        flask_migrate.upgrade(revision=revision)
        db.engine.dispose()


def copy_tables(connection, source, target):
    """MariaDB's dump, within the server: each table of `source` made again in `target`."""
    tables = inspect(connection).get_table_names(schema=source)
    for table_name in tables:
        connection.execute(text(f"CREATE TABLE `{target}`.`{table_name}` "
                                f"LIKE `{source}`.`{table_name}`"))
        connection.execute(text(f"INSERT INTO `{target}`.`{table_name}` "
                                f"SELECT * FROM `{source}`.`{table_name}`"))
