"""What a live database holds, read through SQLAlchemy, and how each kind says it gave up.

Everything here reads the database itself, never the models, so it tells
the truth even when the two disagree.
"""
from alembic.runtime.migration import MigrationContext
from alembic.util import CommandError
from sqlalchemy import column, func, select, table
from sqlalchemy.exc import NoSuchTableError

# Alembic's bookkeeping table. The kit names it too (testing/database.py), and
# tests/test_architecture.py pins the two together: importing the kit's module
# here would cost every `flask` command its imports.
VERSION_TABLE = "alembic_version"

# How each database says "gave up waiting for a lock". (sqlite3's own constants
# would import the module, which a `flask` command on PostgreSQL never needs.)
SQLITE_BUSY, SQLITE_LOCKED = 5, 6  # primary result codes; extended ones add bits above 0xFF
POSTGRESQL_LOCK_NOT_AVAILABLE = "55P03"  # SQLSTATE of lock_timeout
MYSQL_LOCK_WAIT_TIMEOUT = 1205  # ER_LOCK_WAIT_TIMEOUT
# How each database says a table or column it was asked about is gone, or that a
# concurrent change undid the read (a deadlock, a table changed since the snapshot):
# the marks of a read that raced a migration.
SQLITE_GONE = ("no such table", "no such column")
POSTGRESQL_CHANGED = ("42P01", "42703", "40P01", "40001")  # undefined table/column, deadlock
MYSQL_CHANGED = (1146, 1054, 1213, 1412)  # no such table/column, deadlock, definition changed
# The words the drivers give up connecting with: psycopg, then PyMySQL.
CONNECT_TIMED_OUT = ("timeout expired", "timed out")


class BrokenVersionTable(CommandError):
    """alembic_version holds several revisions: the database's fault, not the scripts'."""

    def __init__(self, rows):
        super().__init__(
            f"the database's alembic_version table has {len(rows)} rows ({', '.join(rows)}), "
            "but it holds one: the revision the database is at. The scripts are fine; keep the "
            "right row with `flask db stamp --purge <revision>`.")


def current_revision(connection):
    """The revision stamped in the database, or None for an empty one.

    Several rows in alembic_version raise BrokenVersionTable.
    """
    rows = MigrationContext.configure(connection).get_current_heads()
    if len(rows) > 1:
        raise BrokenVersionTable(rows)
    return rows[0] if rows else None


class ChangedWhileRead(Exception):
    """What was being read changed under the reader, as a running migration changes it."""


def count_rows(connection, table_name, column_name=None, schema=None):
    """How many rows a table has, or how many non-NULL values one column holds.

    Counted by the database, so a big table is never loaded.
    """
    counted = func.count() if column_name is None else func.count(column(column_name))
    query = select(counted).select_from(table(table_name, schema=schema))
    return connection.execute(query).scalar_one()


def table_names(inspector):
    """The tables that exist, without Alembic's bookkeeping table; `inspector` is inspect(conn)."""
    return sorted(name for name in inspector.get_table_names() if name != VERSION_TABLE)


def type_name(sql_type, dialect):
    """A reflected column's type as this database spells it, e.g. VARCHAR(255)."""
    try:
        return sql_type.compile(dialect=dialect)
    except Exception:  # a type SQLAlchemy reflects but cannot render
        return type(sql_type).__name__.upper()


def gave_up_on_a_lock(error):
    """True when a database error says its wait for a lock ran out."""
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


def changed_while_read(error):
    """True when a database error says what it read changed under it, as a migration does."""
    if isinstance(error, NoSuchTableError):  # the inspector, asked about a table gone since
        return True
    orig = getattr(error, "orig", None)
    if type(orig).__module__ == "sqlite3":
        return str(orig).startswith(SQLITE_GONE)
    if getattr(orig, "sqlstate", None) in POSTGRESQL_CHANGED:
        return True
    args = getattr(orig, "args", ())
    return bool(args) and args[0] in MYSQL_CHANGED


def connect_timed_out(message):
    """True when a driver's message says the server did not answer in time."""
    return any(words in message for words in CONNECT_TIMED_OUT)
