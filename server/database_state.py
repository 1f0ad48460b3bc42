"""What the database really holds: its revision, its tables, their rows.

Everything here reads the live database through SQLAlchemy's inspector,
never the models, so it shows the truth even when the two disagree.
"""
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import func, inspect, select, table

VERSION_TABLE = "alembic_version"


def script_directory():
    """The migration scripts of the current app."""
    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config)


def head_revision():
    """The id of the newest migration script."""
    return script_directory().get_current_head()


def current_revision(connection):
    """The revision stamped in the database, or None for an empty one."""
    return MigrationContext.configure(connection).get_current_revision()


def row_count(connection, table_name):
    """Counted by the database, so a big table is never loaded."""
    return connection.execute(select(func.count()).select_from(table(table_name))).scalar_one()


def table_names(connection):
    """The tables that exist, without Alembic's bookkeeping table."""
    return sorted(name for name in inspect(connection).get_table_names() if name != VERSION_TABLE)
