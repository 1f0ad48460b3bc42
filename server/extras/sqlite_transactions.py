"""All or nothing on SQLite: the database, not Python's sqlite3 module, runs the transactions.

Python's sqlite3 module opens a transaction only before INSERT, UPDATE and
DELETE, never before CREATE, ALTER or DROP, so a migration that fails
halfway leaves its first statements in place while alembic_version keeps
the old revision. SQLite itself rolls DDL back like any other change. The
recipe in SQLAlchemy's pysqlite documentation ("Serializable isolation /
Savepoints / Transactional DDL") hands transactions back to it: the module
is told to leave them alone (isolation_level = None) and every transaction
SQLAlchemy begins is opened with an explicit BEGIN. PostgreSQL needs none
of this; MySQL and MariaDB cannot undo DDL at all.
"""
from contextlib import contextmanager

from sqlalchemy import event


def begin_transaction(connection):
    connection.exec_driver_sql("BEGIN")


@contextmanager
def sqlite_transactions(connection, begin=begin_transaction):
    """While the block runs, every transaction on `connection` is SQLite's own.

    `begin(connection)` opens each one; pass another to say BEGIN IMMEDIATE,
    as the SQLite migration lock does (locks.py). Alembic must also be told
    that DDL is transactional here: configure it with transactional_ddl=True.
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
