"""One migration run at a time per database, with a lock held in the database itself.

When several processes run `flask db upgrade` at once (app instances, workers,
deploy steps), each takes this lock before it reads the current revision,
so the first one migrates and the others find the work done. PostgreSQL: a
session-level advisory lock. MySQL and MariaDB: GET_LOCK, named after the
database. SQLite: the write lock that BEGIN IMMEDIATE takes, which needs
SQLite to run its own transactions (sqlite_transactions.py).

A run waits for the lock at most MIGRATION_LOCK_TIMEOUT seconds (the app
reads FLASK_MIGRATION_LOCK_TIMEOUT into it), 60 when the app does not say.
After a second of waiting it says once who holds the lock (on PostgreSQL
and MariaDB, which can tell), and the timeout's line says it again.

A run killed with `kill -9` cannot release its lock. PostgreSQL would keep
running its statement and holding the lock until the statement ended, so
the migration session asks the server to check every second that its
client is still there (client_connection_check_interval, PostgreSQL 14+):
a vanished client's statement is cancelled and its lock freed.
"""
import time
import zlib
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import click
from alembic.util import CommandError
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from extras.sqlite_transactions import sqlite_transactions

DEFAULT_LOCK_TIMEOUT = 60  # seconds
# SQLite's busy_timeout is a 32-bit count of milliseconds: about 24 days.
MAX_LOCK_TIMEOUT = (2**31 - 1) // 1000
# One lock per database; the name says whose it is.
LOCK_NAME = "flask-migrate:alembic_version"
POSTGRESQL_LOCK_KEY = zlib.crc32(LOCK_NAME.encode())
# How often PostgreSQL checks, during a statement, that the migration's client is alive.
CLIENT_CHECK_INTERVAL_MS = 1000
# How long a run waits before it says who holds the lock.
SAY_WHO_AFTER = 1  # second


class LockTimeout(CommandError):
    """Another run held the lock for longer than the timeout."""


def lock_timeout_seconds(config):
    """MIGRATION_LOCK_TIMEOUT from a Flask app's config, checked to be a number of seconds."""
    value = config.get("MIGRATION_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT)
    seconds = seconds_within(value, 0, MAX_LOCK_TIMEOUT)
    if seconds is None:
        raise CommandError(
            f"FLASK_MIGRATION_LOCK_TIMEOUT must be a number of seconds from 0 to "
            f"{MAX_LOCK_TIMEOUT}, not {value!r}."
        )
    return seconds


def seconds_within(value, lowest, highest):
    """`value` as a float from `lowest` to `highest`, or None (so are NaN and infinity)."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if lowest <= seconds <= highest else None


def gave_up_waiting(seconds, holder=None):
    held_by = f" ({holder})" if holder else ""
    return LockTimeout(
        f"another migration is running on this database{held_by}; gave up waiting for it "
        f"after {seconds:g} s. Try again when it has finished (the wait is set by "
        f"FLASK_MIGRATION_LOCK_TIMEOUT)."
    )


@contextmanager
def migration_lock(connection, timeout):
    """Hold this database's migration lock while the block runs."""
    lock = {
        "sqlite": sqlite_write_lock,
        "postgresql": postgresql_advisory_lock,
        "mysql": mysql_named_lock,
        "mariadb": mysql_named_lock,
    }.get(connection.dialect.name, no_lock)
    with lock(connection, timeout):
        yield


@contextmanager
def no_lock(connection, timeout):
    yield


@contextmanager
def sqlite_write_lock(connection, timeout):
    """Every transaction on this connection starts with BEGIN IMMEDIATE.

    BEGIN IMMEDIATE takes SQLite's write lock at once, so the revision is
    read under the lock; the wait for it is bounded by busy_timeout.
    """
    # Straight to the driver: through SQLAlchemy, the PRAGMA would begin a transaction.
    connection.connection.driver_connection.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")

    def begin_immediate(conn):
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except OperationalError as error:
            if "locked" in str(error.orig):
                raise gave_up_waiting(timeout) from error
            raise

    with sqlite_transactions(connection, begin=begin_immediate):
        yield


@contextmanager
def postgresql_advisory_lock(connection, timeout):
    """A session-level advisory lock: it survives commits and dies with the connection."""
    if connection.dialect.server_version_info >= (14,):
        connection.exec_driver_sql(
            f"SET client_connection_check_interval = {CLIENT_CHECK_INTERVAL_MS}")
        connection.commit()  # a SET rolled back with its transaction would be undone
    key = {"key": POSTGRESQL_LOCK_KEY}
    wait_for_lock(connection, text("SELECT pg_try_advisory_lock(:key)").bindparams(**key), timeout,
                  holder=lambda: postgresql_lock_holder(connection))
    try:
        yield
    finally:
        release_lock(connection, text("SELECT pg_advisory_unlock(:key)").bindparams(**key))


def postgresql_lock_holder(connection):
    """Who holds the advisory lock: the server process, since when, and its statement."""
    row = first_row(connection, text(
        "SELECT a.pid, a.backend_start, a.state, a.query FROM pg_locks l "
        "JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 "
        "AND l.objid = CAST(:key AS oid) AND l.objsubid = 1 "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    ).bindparams(key=POSTGRESQL_LOCK_KEY))
    if row is None:
        return None
    return describe_holder(f"PostgreSQL process {row.pid}", row.backend_start,
                           row.query if row.state == "active" else None)


@contextmanager
def mysql_named_lock(connection, timeout):
    """GET_LOCK names are server-wide, so the name includes the database's."""
    database = connection.exec_driver_sql("SELECT DATABASE()").scalar()
    name = {"name": f"{LOCK_NAME}:{database}"[:64]}
    wait_for_lock(connection, text("SELECT GET_LOCK(:name, 0)").bindparams(**name), timeout,
                  holder=lambda: mysql_lock_holder(connection, name["name"]))
    try:
        yield
    finally:
        release_lock(connection, text("SELECT RELEASE_LOCK(:name)").bindparams(**name))


def mysql_lock_holder(connection, name):
    """Who holds the named lock: its connection id, since when, and its statement."""
    row = first_row(connection, text(
        "SELECT p.ID AS id, p.TIME AS seconds, p.INFO AS query "
        "FROM information_schema.PROCESSLIST p WHERE p.ID = IS_USED_LOCK(:name)"
    ).bindparams(name=name))
    if row is None:
        return None
    # PROCESSLIST only knows how long the connection has been in its current state.
    since = datetime.now(timezone.utc) - timedelta(seconds=row.seconds or 0)
    return describe_holder(f"MariaDB connection {row.id}", since, row.query)


def first_row(connection, query):
    """The first row of `query`, or None, without leaving a transaction open."""
    row = connection.execute(query).first()
    connection.commit()
    return row


def describe_holder(who, since, query):
    """`who` held it since `since` (a datetime), running `query` (None: between statements)."""
    since = since.astimezone().strftime("%H:%M:%S") if since else "?"
    doing = f", running: {' '.join(query.split())[:200]}" if query else ", between statements"
    return f"held by {who} since {since}{doing}"


def wait_for_lock(connection, try_lock, timeout, holder=lambda: None):
    """Run `try_lock` until it takes the lock, or until `timeout` seconds have passed.

    `holder()` says who holds the lock: printed once after SAY_WHO_AFTER
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
            click.echo(f"Waiting for the migration lock, {said or 'held by another run'}.",
                       err=True)
        if waited >= timeout:
            raise gave_up_waiting(timeout, said)
        time.sleep(0.05)


def release_lock(connection, unlock):
    if connection.in_transaction():
        connection.rollback()  # a failed run may have left one open
    connection.execute(unlock)
    connection.commit()
