"""The schema a migration history builds, replayed in a shadow database that is always dropped.

- SQLite: a new database in memory, gone with its engine.
- PostgreSQL: a schema of its own in the same database, made in a
  transaction that is rolled back, so it vanishes even if the run dies.
- MySQL and MariaDB: a database of its own, dropped afterwards.

The scripts' own upgrade() functions run there through Alembic's `op`, as
`flask db upgrade` runs them, but without env.py: nothing is stamped, locked
or checked.
"""
import uuid
from contextlib import contextmanager

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, inspect
from sqlalchemy.exc import SQLAlchemyError

MYSQL_BACKENDS = ("mysql", "mariadb")


class ShadowUnavailable(Exception):
    """The shadow database could not be made; its message is one line."""


@contextmanager
def shadow_database(connection):
    """Yield (shadow connection, schema to reflect or None), next to `connection`'s database.

    Raises ShadowUnavailable when it cannot be made (no right to create
    one, for example). Whatever was made is dropped when the block ends.
    """
    backend = connection.dialect.name
    name = f"shadow_{uuid.uuid4().hex[:16]}"
    try:
        if backend == "sqlite":
            maker = in_memory()
        elif backend == "postgresql":
            maker = rolled_back_schema(connection, name)
        elif backend in MYSQL_BACKENDS:
            maker = dropped_database(connection, name)
        else:
            raise ShadowUnavailable(f"no shadow database on {backend}")
        with maker as made:
            yield made
    except SQLAlchemyError as error:
        first = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise ShadowUnavailable(first) from error


@contextmanager
def in_memory():
    engine = create_engine("sqlite://")
    try:
        with engine.begin() as shadow:
            yield shadow, None
    finally:
        engine.dispose()


@contextmanager
def rolled_back_schema(connection, name):
    with connection.engine.connect() as shadow:
        shadow.detach()  # closed afterwards, never handed to anyone else
        transaction = shadow.begin()
        try:
            shadow.exec_driver_sql(f'CREATE SCHEMA "{name}"')
            shadow.exec_driver_sql(f'SET LOCAL search_path TO "{name}"')
            yield shadow, name
        finally:
            transaction.rollback()  # the schema and all in it go with it


@contextmanager
def dropped_database(connection, name):
    with connection.engine.connect() as shadow:
        shadow.detach()  # it leaves with another default database: never pooled again
        shadow.exec_driver_sql(f"CREATE DATABASE `{name}`")
        try:
            shadow.exec_driver_sql(f"USE `{name}`")
            yield shadow, name
        finally:
            shadow.rollback()
            shadow.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")


def replay(shadow, scripts, after_each=None):
    """Run each Alembic Script's upgrade() on `shadow`, oldest first; after_each(script) after.

    A script that fails there (one that reads rows the real database has, for
    example) raises ShadowUnavailable.
    """
    context = MigrationContext.configure(shadow)
    with Operations.context(context):
        for script in scripts:
            try:
                script.module.upgrade()
            except Exception as error:  # a script that needs the real data, say: no shadow
                first = (str(error).strip().splitlines() or [""])[0]
                raise ShadowUnavailable(
                    f"migration {script.revision} failed in it: {type(error).__name__}: "
                    f"{first}") from error
            if after_each is not None:
                after_each(script)


def reflected(shadow, schema):
    """The shadow's tables as a MetaData without a schema, to compare with the real database."""
    found = MetaData()
    found.reflect(shadow, schema=schema)
    if schema is None:
        return found
    plain = MetaData()
    for table in found.tables.values():
        table.to_metadata(plain, schema=None)
    return plain


def columns_of(shadow, schema):
    """{table: {column: reflected column}} of the shadow as it stands."""
    inspector = inspect(shadow)
    return {table: {column["name"]: column for column in inspector.get_columns(table, schema)}
            for table in inspector.get_table_names(schema)}
