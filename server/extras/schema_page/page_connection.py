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
SCHEMA_PAGE_LOCK_WAIT seconds (FLASK_SCHEMA_PAGE_LOCK_WAIT), 2 unless set.
The connection still comes from the app's engine, with all its settings.
"""
import math
from contextlib import contextmanager

import click

DEFAULT_LOCK_WAIT = 2  # seconds
MAX_LOCK_WAIT = 60

# How each database says "gave up waiting for a lock". (sqlite3's own constants
# would import the module, which a `flask` command on PostgreSQL never needs.)
SQLITE_BUSY, SQLITE_LOCKED = 5, 6  # primary result codes; extended ones add bits above 0xFF
POSTGRESQL_LOCK_NOT_AVAILABLE = "55P03"  # SQLSTATE of lock_timeout
MYSQL_LOCK_WAIT_TIMEOUT = 1205  # ER_LOCK_WAIT_TIMEOUT


class SchemaPageSettingError(click.ClickException):
    """A page setting the app cannot use; `flask` prints it as one `Error:` line."""


def lock_wait_seconds(config):
    """SCHEMA_PAGE_LOCK_WAIT from a Flask app's config, checked to be a number of seconds."""
    value = config.get("SCHEMA_PAGE_LOCK_WAIT", DEFAULT_LOCK_WAIT)
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = 0
    if not 0 < seconds <= MAX_LOCK_WAIT:  # also refuses NaN
        raise SchemaPageSettingError(
            f"FLASK_SCHEMA_PAGE_LOCK_WAIT must be a number of seconds above 0 and at most "
            f"{MAX_LOCK_WAIT}, not {value!r}."
        )
    return seconds


@contextmanager
def page_connection(engine, lock_wait):
    """A connection of `engine`'s, closed after the block, that waits `lock_wait` s for a lock."""
    with engine.connect() as connection:
        connection.detach()
        wait_for_locks_at_most(connection, lock_wait)
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


def gave_up_on_a_lock(error):
    """True when a database error says the page's lock wait ran out."""
    orig = getattr(error, "orig", None)
    sqlite_code = getattr(orig, "sqlite_errorcode", None)
    if sqlite_code is not None:
        return (sqlite_code & 0xFF) in (SQLITE_BUSY, SQLITE_LOCKED)
    if type(orig).__module__ == "sqlite3":
        # Python 3.10's sqlite3 gives no error code; these are SQLite's own
        # words for SQLITE_BUSY and SQLITE_LOCKED.
        return str(orig) in ("database is locked", "database table is locked")
    if getattr(orig, "sqlstate", None) == POSTGRESQL_LOCK_NOT_AVAILABLE:
        return True
    args = getattr(orig, "args", ())
    return bool(args) and args[0] == MYSQL_LOCK_WAIT_TIMEOUT
