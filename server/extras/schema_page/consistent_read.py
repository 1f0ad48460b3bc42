"""The revision and the tables read as one moment of the database, even while a migration runs.

- **PostgreSQL** changes the schema in transactions, and the page reads in
  one transaction that sees one moment (page_connection.py). Almost: the
  list of tables comes through catalog functions that see the newest
  commit, so the read counts only if the revision, read again after it,
  is the same.
- **SQLite** changes it in transactions too (the migration lock makes it
  so), but a reader's transaction would hold off a migration's commit. So
  the page reads statement by statement, and keeps the read only if SQLite's
  data_version, which moves with every commit by another connection, did
  not move meanwhile.
- **MySQL and MariaDB** commit each DDL statement at once, so a read during
  a migration could see it half done. There a read counts only if the
  migration lock (core/migration_lock.py) was free before it and after it,
  the revision did not change meanwhile, and alembic_version was last
  stamped in an earlier second than the read began (a whole upgrade and
  downgrade may fit in one slow read; that catches them). Just after a
  migration, the page waits for the next second.
- **Anywhere**, a table listed at the start can be gone when it is read (a
  rename that committed in between, or a lock a migration holds); such a
  read starts again in a new transaction.

Reads are tried again for at most RETRY_SECONDS (or the page's lock wait,
if shorter); after that the page says a migration is running (a 503 with
Retry-After, page.py).
"""
import time

from sqlalchemy.exc import SQLAlchemyError

from extras.core.database import (
    VERSION_TABLE,
    ChangedWhileRead,
    changed_while_read,
    current_revision,
    gave_up_on_a_lock,
)
from extras.core.migration_lock import migration_lock_held

# How long to wait before trying again, and for how long to try.
PAUSE = 0.05  # seconds
RETRY_SECONDS = 1.5  # over a second: see MySQL and MariaDB above


def read_consistently(connection, read, seconds):
    """read(connection) in one moment of the database; tried again for a moment, at most
    `seconds`.

    Raises ChangedWhileRead, or the database's lock error, when no try succeeded.
    """
    deadline = time.monotonic() + min(seconds, RETRY_SECONDS)
    while True:
        try:
            return read_once(connection, read)
        except (SQLAlchemyError, ChangedWhileRead) as error:
            if connection.in_transaction():
                connection.rollback()
            retry = (isinstance(error, ChangedWhileRead) or gave_up_on_a_lock(error)
                     or changed_while_read(error))
            if not retry or time.monotonic() + PAUSE >= deadline:
                raise
        time.sleep(PAUSE)


def read_once(connection, read):
    backend = connection.dialect.name
    if backend == "sqlite":
        # Changes whenever another connection commits. A read transaction would hold SQLite's
        # shared lock throughout, and twenty of them in turn keep a migration from committing.
        before = sqlite_data_version(connection)
        state = read(connection)
        if sqlite_data_version(connection) != before:
            raise ChangedWhileRead("a migration committed while the page read the database")
        return state
    ddl_commits_at_once = backend in ("mysql", "mariadb")
    if ddl_commits_at_once:
        started, last_stamped = mysql_clock(connection)
        if migration_lock_held(connection):
            raise ChangedWhileRead("a migration holds the migration lock")
    state = read(connection)
    connection.rollback()  # the end of this moment; what follows reads the next one
    # PostgreSQL's snapshot covers the rows, alembic_version's too, but some catalog
    # functions look at the newest commit: a migration that committed meanwhile shows
    # in the list of tables. Every migration run moves the revision, so read it again.
    if current_revision(connection) != state.revision_id:
        raise ChangedWhileRead("a migration ran while the page read the database")
    if ddl_commits_at_once:
        _, stamped = mysql_clock(connection)
        # A whole upgrade and downgrade may fit in a slow read and leave the revision as it
        # was; but each stamps alembic_version, whose UPDATE_TIME counts whole seconds.
        if (migration_lock_held(connection) or stamped != last_stamped
                or (stamped is not None and stamped >= started)):
            raise ChangedWhileRead("a migration ran while the page read the database")
    connection.rollback()
    return state


def mysql_clock(connection):
    """(the server's time, in whole seconds; when alembic_version last changed, or None)."""
    return connection.exec_driver_sql(
        "SELECT CAST(NOW() AS DATETIME), (SELECT UPDATE_TIME FROM information_schema.TABLES "
        f"WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{VERSION_TABLE}')").first()


def sqlite_data_version(connection):
    return connection.exec_driver_sql("PRAGMA data_version").scalar()
