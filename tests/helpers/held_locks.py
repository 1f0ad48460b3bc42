"""Hold the locks a running migration holds, from a connection of the test's own.

A migration keeps its locks until it commits: PostgreSQL an ACCESS EXCLUSIVE
lock on each table it alters, MariaDB a metadata lock on it, SQLite the
database's write lock, which turns exclusive while it writes. held_like_a_migration()
takes the same lock on `table` (the whole file on SQLite) and holds it
while the block runs, so a test can see what the schema page does meanwhile.
"""
import sqlite3
from contextlib import closing, contextmanager

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

# How much longer than the page's lock wait a request may take to answer 503:
# connecting, reading up to the locked table, a busy machine.
LOCK_WAIT_MARGIN = 3  # seconds


@contextmanager
def held_like_a_migration(database_url, table):
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        with closing(sqlite3.connect(url.database, isolation_level=None)) as connection:
            connection.execute("BEGIN EXCLUSIVE")
            try:
                yield
            finally:
                connection.rollback()
        return
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            if url.get_backend_name() == "postgresql":
                connection.exec_driver_sql(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
                yield
                connection.rollback()
            else:  # MySQL and MariaDB
                connection.exec_driver_sql(f"LOCK TABLES {table} WRITE")
                yield
                connection.exec_driver_sql("UNLOCK TABLES")
    finally:
        engine.dispose()
