"""SQLite made to behave for migrations: its own transactions, Ctrl-C, text it cannot decode.

- **Transactions.** Python's sqlite3 module opens a transaction only before
  INSERT, UPDATE and DELETE, never before CREATE, ALTER or DROP, so a
  migration that fails halfway would leave its first statements in place
  while alembic_version keeps the old revision. SQLite itself rolls DDL
  back like any other change. The recipe in SQLAlchemy's pysqlite
  documentation ("Serializable isolation / Savepoints / Transactional DDL")
  hands transactions back to it: the module is told to leave them alone
  (isolation_level = None) and every transaction SQLAlchemy begins is
  opened with an explicit BEGIN.
- **Ctrl-C** stops a long statement at once, not when it ends.
- **Text that is not UTF-8** reads with � marks instead of failing the read.
"""
import os
from contextlib import contextmanager

from sqlalchemy import event

# SQLite virtual machine instructions between two calls of let_python_run: well under 1 ms.
PROGRESS_EVERY = 10_000


def begin_transaction(connection):
    connection.exec_driver_sql("BEGIN")


@contextmanager
def sqlite_transactions(connection, begin=begin_transaction):
    """While the block runs, every transaction on `connection` is SQLite's own.

    `begin(connection)` opens each one; pass another to say BEGIN IMMEDIATE,
    as the SQLite migration lock does. Alembic must also be told that DDL is
    transactional here: configure it with transactional_ddl=True.
    """
    driver_connection = connection.connection.driver_connection
    saved_isolation = driver_connection.isolation_level
    driver_connection.isolation_level = None  # pysqlite: leave BEGIN and COMMIT to us
    event.listen(connection, "begin", begin)
    try:
        yield
    finally:
        event.remove(connection, "begin", begin)
        if connection.in_transaction():
            connection.rollback()
        driver_connection.isolation_level = saved_isolation


def let_python_run():
    """sqlite3's progress handler: Python code runs here, mid-statement.

    Python raises a pending Ctrl-C (KeyboardInterrupt) at its next function
    call, which is inside this handler; sqlite3 then aborts the statement
    with "interrupted", and the run rolls back and ends in one line.
    """
    os.getpid()  # any call will do: a pending KeyboardInterrupt is raised here
    return 0


@contextmanager
def ctrl_c_stops_statements(connection):
    """While the block runs, Ctrl-C stops a SQLite statement within a fraction of a second."""
    driver_connection = connection.connection.driver_connection
    driver_connection.set_progress_handler(let_python_run, PROGRESS_EVERY)
    try:
        yield
    finally:
        driver_connection.set_progress_handler(None, 0)


@contextmanager
def undecodable_text_shown(connection):
    """On SQLite, text that is not UTF-8 reads with � marks while the block runs.

    SQLite stores whatever bytes it is given; Python's sqlite3 module would
    fail the whole read ("Could not decode to UTF-8"), which is no reason to
    call the database unavailable. Elsewhere nothing changes.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    # dbapi_connection: the page's connection is detached from the pool,
    # and a detached one no longer knows its driver_connection.
    driver_connection = connection.connection.dbapi_connection
    saved = driver_connection.text_factory
    driver_connection.text_factory = lambda data: data.decode("utf-8", errors="replace")
    try:
        yield
    finally:
        driver_connection.text_factory = saved
