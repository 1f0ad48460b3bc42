"""What every online migration run is wrapped in: one at a time, all or nothing, one line.

guarded_connection() wraps each run:

- a run that changes the database (upgrade, downgrade, stamp) first takes
  the database's migration lock (locks.py), before the current revision is
  read; on SQLite that also makes the run one real transaction
  (core/sqlite.py), so a failure leaves nothing behind, as on
  PostgreSQL. MySQL and MariaDB commit every DDL statement at once: there
  only alembic_version is guaranteed, never naming a migration that failed;
- a run that only reads (current, check, and migrate, which compares and
  then writes a file) takes no lock, so a learner thinking over a rename
  question never holds up another upgrade;
- an error from the database, or a mistake inside a migration script, ends
  the command with one `Error:` line (failures.py) that says what
  state the database was left in;
- on SQLite, Ctrl-C stops a long statement at once, not when it ends, and
  a run that only reads never creates a database file that is not there:
  it reads an empty database in memory instead.
"""
import logging
from contextlib import ExitStack, contextmanager

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection

from extras.core.database import VERSION_TABLE
from extras.core.sqlite import ctrl_c_stops_statements
from extras.core.urls import sqlite_file
from extras.safety_nets.failures import (
    describe_database_error,
    describe_failed_run,
    one_line_errors,
)
from extras.safety_nets.locks import migration_lock

logger = logging.getLogger("alembic.env")


def command_changes_database(environment):
    """True for upgrade, downgrade and stamp: the commands given a revision to go to.

    `environment` is Alembic's `context` in env.py. current, check and
    migrate are given none; they only read the database.
    """
    try:
        environment.get_revision_argument()
    except KeyError:  # no revision was given to this command
        return False
    except Exception:  # one was given but does not resolve: the run will say so
        pass
    return True


@contextmanager
def guarded_connection(connectable, lock_timeout, changes_database, say):
    """Yield (connection, extra context.configure() arguments) for one guarded run.

    `connectable` is an Engine, or a Connection someone opened for us
    (pytest-alembic hands one in); `lock_timeout` is in seconds; `say(line)`
    tells the terminal who holds the lock while the run waits for it.
    """
    url = connectable.engine.url
    # Clean-up that fails after the run went well (the server went away at the end) is a
    # database error like any other: one line too.
    with one_line_errors(lambda error: describe_database_error(url, error)), \
            CleanUps() as stack:
        if not changes_database and missing_sqlite_file(url):
            logger.info("No database at %s yet: reading it as empty (`flask db upgrade` "
                        "creates it).", url.database)
            connectable = create_engine("sqlite://")
            stack.callback(connectable.dispose)
        with one_line_errors(lambda error: describe_database_error(url, error)):
            if isinstance(connectable, Connection):
                connection = connectable
            else:
                connection = stack.enter_context(connectable.connect())
                # Closed for good when the run ends, not given back to the app's pool: it
                # holds the run's settings (busy_timeout, PostgreSQL's client check), and a
                # pooled connection outlives the run until the app is gone.
                stack.callback(forget, connection)
            if connection.dialect.name == "sqlite":
                stack.enter_context(ctrl_c_stops_statements(connection))
            extra_args = {}
            if changes_database:
                stack.enter_context(migration_lock(connection, lock_timeout, say))
                if connection.dialect.name == "sqlite":  # the lock made DDL transactional
                    extra_args = {"transactional_ddl": True}
        sent = stack.enter_context(counting_statements(connection))
        with one_line_errors(lambda error: describe_failed_run(
                url, error, sent.by_this_migration, changes_database)):
            yield connection, extra_args


class CleanUps(ExitStack):
    """An ExitStack whose clean-up never hides the error that ended the run.

    When the connection is lost mid-run (a server restart), releasing the lock
    and ending the transaction fail on it too; the line must still name what
    ended the run, and every clean-up step is still tried.
    """

    def __exit__(self, kind, error, traceback):
        if error is None:
            return super().__exit__(kind, error, traceback)
        try:
            return super().__exit__(kind, error, traceback)
        except Exception as clean_up_error:
            if clean_up_error is error:
                raise
            raise error from error.__cause__


def forget(connection):
    """Take the run's connection out of the pool: closing it then closes it for good.

    A connection the run lost (a server restart) is already out of it.
    """
    if not connection.invalidated and not connection.closed:
        connection.detach()


def missing_sqlite_file(url):
    """True when `url` names a SQLite file that does not exist (yet)."""
    path = sqlite_file(url)
    return path is not None and not path.exists()


class StatementCount:
    """Statements sent since the last one about alembic_version: those of the running migration.

    Alembic reads alembic_version before the first migration and writes it
    at the end of each, so the count starts again with every migration.
    """

    def __init__(self):
        self.by_this_migration = 0

    def before_cursor_execute(self, connection, cursor, statement, *args):
        if VERSION_TABLE in statement:
            self.by_this_migration = 0
        else:
            self.by_this_migration += 1


@contextmanager
def counting_statements(connection):
    count = StatementCount()
    event.listen(connection, "before_cursor_execute", count.before_cursor_execute)
    try:
        yield count
    finally:
        event.remove(connection, "before_cursor_execute", count.before_cursor_execute)
