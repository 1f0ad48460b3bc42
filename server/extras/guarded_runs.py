"""Makes every migration run safe: one at a time, all or nothing, plain errors.

`migrations/env.py` wraps each online run in `guarded_run()`:

- a database-level lock is held for the whole run, taken before the current
  revision is read, so several `flask db upgrade` processes started together
  run each migration once (PostgreSQL advisory lock, MariaDB GET_LOCK, and on
  SQLite a write lock from BEGIN IMMEDIATE);
- on SQLite the run is one real transaction. Python's sqlite3 module never
  begins a transaction before DDL, so by default a failed migration leaves
  its first statements applied; SQLAlchemy's documented pysqlite recipe
  hands transaction control back to SQLite. PostgreSQL rolls DDL back by
  itself. MySQL and MariaDB commit every DDL statement at once: there only
  `alembic_version` is guaranteed, never naming a migration that failed;
- errors (from the database, or a typo in a hand-edited script) become one
  line (`Error: ...`) instead of a traceback, unless FLASK_DEBUG is on, and a database stamped with a revision that no
  script knows (it is ahead of the code) is named as such.
"""
import os
import time
import traceback
import zlib
from contextlib import ExitStack, contextmanager

from alembic.util import CommandError
from flask.helpers import get_debug_flag
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from database_url import describe_database_error, first_line

# One lock per database; the name says whose it is.
LOCK_NAME = "flask-migrate:alembic_version"
PG_LOCK_KEY = zlib.crc32(LOCK_NAME.encode())
# SQLite's busy_timeout is a 32-bit count of milliseconds: about 24 days.
MAX_LOCK_TIMEOUT = (2**31 - 1) // 1000


class LockTimeout(CommandError):
    pass


def lock_timeout_seconds(config):
    """MIGRATION_LOCK_TIMEOUT from the app's config, checked to be a number."""
    value = config["MIGRATION_LOCK_TIMEOUT"]
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1
    if not 0 <= seconds <= MAX_LOCK_TIMEOUT:  # also refuses NaN and infinity
        raise CommandError(
            f"FLASK_MIGRATION_LOCK_TIMEOUT must be a number of seconds from 0 to "
            f"{MAX_LOCK_TIMEOUT}, not {value!r}."
        )
    return seconds


def lock_timeout_message(seconds):
    return (
        f"another migration is running on this database; gave up waiting for it after "
        f"{seconds:g} s. Try again when it has finished (the wait is set by "
        f"FLASK_MIGRATION_LOCK_TIMEOUT)."
    )


@contextmanager
def guarded_run(connectable, lock_timeout, changes_schema=True):
    """Yield (connection, extra context.configure() arguments) for one safe run.

    A run that only reads the schema (`flask db current`, `check`, and
    `migrate`, which compares and then writes a file) takes no lock, so a
    learner thinking over a rename question never holds up the app or
    another upgrade.
    """
    url = connectable.engine.url
    with ExitStack() as stack:
        with one_line_errors(lambda error: describe_database_error(url, error)):
            if isinstance(connectable, Connection):
                connection = connectable
            else:
                connection = stack.enter_context(connectable.connect())
            if not changes_schema:
                extra_args = {}
            else:
                stack.enter_context(migration_lock(connection, lock_timeout))
                extra_args = transaction_args(connection)
        with one_line_errors(lambda error: describe_failed_run(url, error)):
            yield connection, extra_args


def describe_failed_run(url, error):
    """What went wrong during a run, and what state it left the database in."""
    if url.get_backend_name() == "sqlite" and "not a database" in first_line(error):
        return describe_database_error(url, error)
    if url.get_backend_name() in ("mysql", "mariadb"):
        outcome = (
            "MySQL and MariaDB cannot undo DDL, so statements of the failed migration "
            "before the error may remain, but alembic_version still names the last "
            "migration that finished (see 'When a migration fails' in the README)"
        )
    else:
        outcome = "nothing was changed: the whole run was rolled back"
    return f"the migration failed: {what_failed(error)}; {outcome}."


def what_failed(error):
    """The error in one line; for a mistake in a script, also where it is."""
    if isinstance(error, SQLAlchemyError):
        return first_line(error)
    where = ""
    frames = script_frames(error)
    if frames and not isinstance(error, SyntaxError):  # its message names the place already
        where = f" ({os.path.basename(frames[-1].filename)}, line {frames[-1].lineno})"
    return f"{type(error).__name__}: {first_line(error)}{where}"


def script_frames(error):
    """The traceback frames inside migrations/versions: where a script went wrong."""
    in_versions = f"{os.sep}versions{os.sep}"
    if isinstance(error, SyntaxError):
        return [error] if in_versions in (error.filename or "") else []
    return [f for f in traceback.extract_tb(error.__traceback__) if in_versions in f.filename]


@contextmanager
def database_ahead_of_code(migration_context, script):
    """Replace Alembic's "Can't locate revision" when the unknown one is the database's."""
    try:
        yield
    except CommandError:
        unknown = [rev for rev in migration_context.get_current_heads() if not knows(script, rev)]
        if not unknown:
            raise  # the unknown revision was the one asked for; Alembic said so clearly
        raise CommandError(
            f"the database is at revision {unknown[0]}, which no script in "
            f"{script.versions} knows: the database is newer than this code. Get the code "
            "that made that migration, or, if it was deleted on purpose, point the database "
            "at a revision that exists with `flask db stamp --purge <revision>`."
        ) from None


def knows(script, revision):
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def transaction_args(connection):
    """SQLite can roll DDL back once pysqlite stops managing transactions."""
    return {"transactional_ddl": True} if connection.dialect.name == "sqlite" else {}


@contextmanager
def migration_lock(connection, timeout):
    """Hold this database's migration lock while the block runs."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        lock = sqlite_write_lock
    elif dialect == "postgresql":
        lock = postgresql_advisory_lock
    elif dialect in ("mysql", "mariadb"):
        lock = mysql_named_lock
    else:
        lock = no_lock
    with lock(connection, timeout):
        yield


@contextmanager
def no_lock(connection, timeout):
    yield


@contextmanager
def sqlite_write_lock(connection, timeout):
    """Every transaction on this connection starts with BEGIN IMMEDIATE.

    BEGIN IMMEDIATE takes SQLite's write lock at once, so the revision is
    read under the lock; waiting for it is bounded by busy_timeout.
    """
    driver_connection = connection.connection.driver_connection
    saved_isolation = driver_connection.isolation_level
    driver_connection.isolation_level = None  # pysqlite: leave BEGIN/COMMIT to us
    driver_connection.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")

    def begin_immediate(conn):
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except SQLAlchemyError as error:
            if "locked" in str(error.orig):
                raise LockTimeout(lock_timeout_message(timeout)) from error
            raise

    event.listen(connection, "begin", begin_immediate)
    try:
        yield
    finally:
        event.remove(connection, "begin", begin_immediate)
        if connection.in_transaction():
            connection.rollback()
        driver_connection.isolation_level = saved_isolation


@contextmanager
def postgresql_advisory_lock(connection, timeout):
    """A session-level advisory lock: it survives commits and dies with the connection."""
    poll(connection, text("SELECT pg_try_advisory_lock(:key)").bindparams(key=PG_LOCK_KEY), timeout)
    try:
        yield
    finally:
        release(connection, text("SELECT pg_advisory_unlock(:key)").bindparams(key=PG_LOCK_KEY))


@contextmanager
def mysql_named_lock(connection, timeout):
    """GET_LOCK names are server-wide, so the name includes the database's."""
    database = connection.exec_driver_sql("SELECT DATABASE()").scalar()
    name = f"{LOCK_NAME}:{database}"[:64]
    poll(connection, text("SELECT GET_LOCK(:name, 0)").bindparams(name=name), timeout)
    try:
        yield
    finally:
        release(connection, text("SELECT RELEASE_LOCK(:name)").bindparams(name=name))


def poll(connection, try_lock, timeout):
    """Try to take the lock until it is free or `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        taken = connection.execute(try_lock).scalar()
        connection.commit()  # end the autobegun transaction; the lock outlives it
        if taken == 1 or taken is True:
            return
        if time.monotonic() >= deadline:
            raise LockTimeout(lock_timeout_message(timeout))
        time.sleep(0.05)


def release(connection, unlock):
    if connection.in_transaction():
        connection.rollback()  # a failed run may have left one open
    connection.execute(unlock)
    connection.commit()


@contextmanager
def one_line_errors(describe):
    """Turn a database error into Alembic's one-line `Error: ...`.

    Flask-Migrate prints a CommandError as one line and exits 1; with
    FLASK_DEBUG set the original traceback is kept for whoever asked.
    """
    try:
        yield
    except CommandError:
        raise  # already one line
    except Exception as error:
        # Only a database error, or a mistake inside a migration script: other
        # exceptions (a tool's own signals, such as pytest-alembic's) pass on.
        ours = isinstance(error, SQLAlchemyError) or script_frames(error)
        if get_debug_flag() or not ours:
            raise
        raise CommandError(describe(error)) from error
