"""A test's handle on its database: move it through the migrations, look inside.

Migrations run through Flask-Migrate's own API, exactly what `flask db
upgrade` and `flask db downgrade` call; reads go through SQLAlchemy's
inspector, so they report what the database really has.
"""
from typing import NamedTuple

import flask_migrate
import pytest
from sqlalchemy import column, insert, inspect, select, table

from extras.core.database import VERSION_TABLE, current_revision
from models import db
from testing.lesson import EITHER, SCHEMA_AFTER_STEP


class LiveColumn(NamedTuple):
    """What the tests compare of a column the database really has."""

    nullable: bool
    primary_key: bool = False


def this_repository_schema(step_number):
    """{table: {column: LiveColumn}} that this repository's migrations give after a step.

    The lesson leaves `location`'s NULL open after step 4 (EITHER); this
    repository's step 4 is a pure rename, so it allows NULL like `address`.
    """
    return {
        table_name: {
            name: LiveColumn(True if col.nullable is EITHER else col.nullable, col.primary_key)
            for name, col in columns.items()
        }
        for table_name, columns in SCHEMA_AFTER_STEP[step_number].items()
    }


class LiveDatabase:
    def __init__(self, app):
        self.app = app

    def upgrade(self, revision, why, directory=None):
        """Upgrade to `revision`; a failure fails the test with `why` in front.

        `directory` runs another copy's migrations instead of the app's own.
        """
        self._move(flask_migrate.upgrade, revision, why, directory)

    def downgrade(self, revision, why, directory=None):
        self._move(flask_migrate.downgrade, revision, why, directory)

    def _move(self, command, revision, why, directory):
        with self.app.app_context():
            try:
                command(directory=directory, revision=revision)
            except (Exception, SystemExit) as error:
                detail = getattr(error, "orig", None) or error
                pytest.fail(f"{why} failed: {type(detail).__name__}: {detail}", pytrace=False)

    def revision(self):
        with self.app.app_context(), db.engine.connect() as connection:
            return current_revision(connection)

    def stamp_unknown(self, revision):
        """Write a revision no script has into alembic_version, as newer code would."""
        with self.app.app_context(), db.engine.begin() as connection:
            version = table(VERSION_TABLE, column("version_num"))
            connection.execute(version.update().values(version_num=revision))

    def schema(self):
        """{table: {column: LiveColumn}} for every table but alembic_version."""
        with self.app.app_context(), db.engine.connect() as connection:
            inspector = inspect(connection)
            schema = {}
            for name in inspector.get_table_names():
                if name == VERSION_TABLE:
                    continue
                primary = set(inspector.get_pk_constraint(name)["constrained_columns"])
                schema[name] = {
                    col["name"]: LiveColumn(bool(col["nullable"]), col["name"] in primary)
                    for col in inspector.get_columns(name)
                }
            return schema

    def insert(self, table_name, rows):
        with self.app.app_context(), db.engine.begin() as connection:
            target = table(table_name, *(column(name) for name in rows[0]))
            connection.execute(insert(target), rows)

    def rows(self, table_name, columns):
        """The rows of `table_name` as dicts of `columns`, ordered by id."""
        with self.app.app_context(), db.engine.connect() as connection:
            source = table(table_name, *(column(name) for name in columns))
            result = connection.execute(select(source).order_by(source.c.id))
            return [dict(row._mapping) for row in result]
