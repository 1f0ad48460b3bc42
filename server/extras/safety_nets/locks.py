"""One migration run at a time per database, with a lock held in the database itself.

When several processes run `flask db upgrade` at once (app instances, workers,
deploy steps), each takes this lock before it reads the current revision,
so the first one migrates and the others find the work done. PostgreSQL: a
session-level advisory lock. MySQL and MariaDB: GET_LOCK, named after the
database. SQLite: the write lock that BEGIN IMMEDIATE takes, which needs
SQLite to run its own transactions (core/sqlite.py).

A run waits for the lock at most the timeout it is given (the app's
MIGRATION_LOCK_TIMEOUT, core/settings.py). After a second of waiting it
says once, through the `say` it is given, who holds the lock (on PostgreSQL
and MariaDB, which can tell: lock_holders.py), and the timeout's line says
it again.

A run killed with `kill -9` cannot release its lock. PostgreSQL would keep
running its statement and holding the lock until the statement ended, so
the migration session asks the server to check every second that its
client is still there (client_connection_check_interval, PostgreSQL 14+):
a vanished client's statement is cancelled and its lock freed.
"""
import os
import time
from contextlib import contextmanager

from alembic.util import CommandError
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from extras.core.migration_lock import POSTGRESQL_LOCK_KEY, mysql_lock_name
from extras.core.sqlite import sqlite_transactions
from extras.safety_nets.lock_holders import mysql_lock_holder, postgresql_lock_holder

# How often PostgreSQL checks, during a statement, that the migration's client is alive.
CLIENT_CHECK_INTERVAL_MS = 1000
# How long a run waits before it says who holds the lock.
SAY_WHO_AFTER = 1  # second


class LockTimeout(CommandError):
    """Another run held the lock for longer than the timeout."""


class DatabaseMoved(CommandError):
    """The SQLite file was moved away or replaced while the run waited for its lock."""


def gave_up_waiting(seconds, holder=None):
    held_by = f" ({holder})" if holder else ""
    return LockTimeout(
        f"another migration is running on this database{held_by}; gave up waiting for it "
        f"after {seconds:g} s. Try again when it has finished (the wait is set by "
        f"FLASK_MIGRATION_LOCK_TIMEOUT)."
    )


def gave_up_waiting_for_sqlite(seconds):
    """SQLite's write lock has no name: a migration holds it, and so does any other writer."""
    return LockTimeout(
        f"the database is locked by another connection that is writing to it (another "
        f"migration, or a program such as the sqlite3 shell with a transaction open); gave up "
        f"waiting for it after {seconds:g} s. Try again when it has finished or the program "
        f"has ended its transaction (the wait is set by FLASK_MIGRATION_LOCK_TIMEOUT)."
    )


@contextmanager
def migration_lock(connection, timeout, say):
    """Hold this database's migration lock while the block runs.

    `timeout` is in seconds; `say(line)` tells the terminal who holds it, once.
    """
    lock = {
        "sqlite": sqlite_write_lock,
        "postgresql": postgresql_advisory_lock,
        "mysql": mysql_named_lock,
        "mariadb": mysql_named_lock,
    }.get(connection.dialect.name, no_lock)
    with lock(connection, timeout, say):
        yield


@contextmanager
def no_lock(connection, timeout, say):
    yield


@contextmanager
def sqlite_write_lock(connection, timeout, say):
    """Every transaction on this connection starts with BEGIN IMMEDIATE.

    BEGIN IMMEDIATE takes SQLite's write lock at once, so the revision is
    read under the lock; the wait for it is bounded by busy_timeout.
    """
    # Straight to the driver: through SQLAlchemy, the PRAGMA would begin a transaction.
    driver_connection = connection.connection.driver_connection
    driver_connection.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    opened = file_identity(driver_connection)

    def begin_immediate(conn):
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except OperationalError as error:
            if "locked" in str(error.orig):
                raise gave_up_waiting_for_sqlite(timeout) from error
            raise
        if opened is not None and file_identity(driver_connection) != opened:
            # `flask lesson start` or `restore` moved it while this run waited for the lock:
            # going on would migrate the copy set aside in a backup.
            conn.exec_driver_sql("ROLLBACK")
            raise DatabaseMoved(
                "the database file was moved or replaced while this run waited for the "
                "migration lock (by `flask lesson start` or `restore`?); nothing was changed. "
                "Run the command again.")

    with sqlite_transactions(connection, begin=begin_immediate):
        yield


def file_identity(driver_connection):
    """(device, inode) of the file at the path this SQLite connection opened; None for a
    database in memory, or a path with no file now."""
    path = next((row[2] for row in driver_connection.execute("PRAGMA database_list")
                 if row[1] == "main"), "")
    try:
        found = os.stat(path) if path else None
    except OSError:
        return ("gone",)
    return None if found is None else (found.st_dev, found.st_ino)


@contextmanager
def postgresql_advisory_lock(connection, timeout, say):
    """A session-level advisory lock: it survives commits and dies with the connection."""
    if connection.dialect.server_version_info >= (14,):
        connection.exec_driver_sql(
            f"SET client_connection_check_interval = {CLIENT_CHECK_INTERVAL_MS}")
        connection.commit()  # a SET rolled back with its transaction would be undone
    key = {"key": POSTGRESQL_LOCK_KEY}
    wait_for_lock(connection, text("SELECT pg_try_advisory_lock(:key)").bindparams(**key), timeout,
                  say, holder=lambda: postgresql_lock_holder(connection, POSTGRESQL_LOCK_KEY))
    try:
        yield
    finally:
        release_lock(connection, text("SELECT pg_advisory_unlock(:key)").bindparams(**key))


@contextmanager
def mysql_named_lock(connection, timeout, say):
    name = {"name": mysql_lock_name(connection)}
    wait_for_lock(connection, text("SELECT GET_LOCK(:name, 0)").bindparams(**name), timeout,
                  say, holder=lambda: mysql_lock_holder(connection, name["name"]))
    try:
        yield
    finally:
        release_lock(connection, text("SELECT RELEASE_LOCK(:name)").bindparams(**name))


def wait_for_lock(connection, try_lock, timeout, say, holder):
    """Run `try_lock` until it takes the lock, or until `timeout` seconds have passed.

    `holder()` says who holds the lock: said once after SAY_WHO_AFTER
    seconds of waiting, and again in the timeout's line.
    """
    started = time.monotonic()
    said = None
    while True:
        taken = connection.execute(try_lock).scalar()
        connection.commit()  # end the autobegun transaction; the lock outlives it
        if taken == 1 or taken is True:
            return
        waited = time.monotonic() - started
        if said is None and waited >= min(SAY_WHO_AFTER, timeout):
            said = holder() or ""
            say(f"Waiting for the migration lock, {said or 'held by another run'}.")
        if waited >= timeout:
            raise gave_up_waiting(timeout, said)
        time.sleep(0.05)


def release_lock(connection, unlock):
    if connection.in_transaction():
        connection.rollback()  # a failed run may have left one open
    connection.execute(unlock)
    connection.commit()
