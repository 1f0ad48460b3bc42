"""The schema page's connection: its own for each request, and quick to give up on a lock.

Two things go wrong with a pooled connection that lives on between reloads:

- on SQLite it keeps reading the file it opened, even after
  `rm instance/app.db && flask db upgrade` made a new one, so the page
  would go on showing a deleted database;
- a migration holds locks (PostgreSQL's ACCESS EXCLUSIVE on the tables it
  alters, MariaDB's metadata locks, SQLite's write lock) for as long as it
  runs, and the page's reads would wait behind them for all that time.

So every request takes its connection out of the pool for good (SQLAlchemy's
Connection.detach(): it is closed, not returned, when the request ends) and
tells the database to wait for a lock at most the page's lock wait:
SCHEMA_PAGE_LOCK_WAIT seconds (FLASK_SCHEMA_PAGE_LOCK_WAIT, core/settings.py),
2 unless set. The connection still comes from the app's engine, with all
its settings.

On PostgreSQL each transaction on it is REPEATABLE READ and read-only: it
sees one moment of the database, so the revision and the tables read in it
agree (consistent_read.py says how the other databases get there).
"""
import math
from contextlib import contextmanager


@contextmanager
def page_connection(engine, lock_wait):
    """A connection of `engine`'s, closed after the block, that waits `lock_wait` s for a lock."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ",
                                         postgresql_readonly=True)
        connection.detach()
        wait_for_locks_at_most(connection, lock_wait)
        connection.commit()  # PostgreSQL undoes a SET with its transaction
        yield connection


def wait_for_locks_at_most(connection, seconds):
    """Set this connection's lock wait; it dies with the connection, which is never pooled."""
    backend = connection.dialect.name
    if backend == "sqlite":
        statement = f"PRAGMA busy_timeout = {math.ceil(seconds * 1000)}"
    elif backend == "postgresql":
        statement = f"SET lock_timeout = '{math.ceil(seconds * 1000)}ms'"
    elif backend in ("mysql", "mariadb"):
        # Whole seconds only: metadata locks (ALTER, LOCK TABLES), and InnoDB's row locks.
        whole = math.ceil(seconds)
        statement = f"SET SESSION lock_wait_timeout = {whole}, innodb_lock_wait_timeout = {whole}"
    else:
        return
    connection.exec_driver_sql(statement)
