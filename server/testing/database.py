"""One fresh database under grading: move it through the migrations and look inside.

Migrations run in a child process (learner_process.py) through Alembic's
own `command.upgrade` and `command.downgrade` with Flask-Migrate's config,
exactly what `flask db upgrade` and `flask db downgrade` call, minus
Flask-Migrate's habit of turning the reason into `SystemExit: 1`. Reads
and the lesson's rows go through the kit's own engine and SQLAlchemy's
inspector, so a snapshot is what the database really holds, whatever the
copy's code says.
"""
import warnings
from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, column, create_engine, insert, inspect, select, table
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlalchemy.types import Integer, String

from .lesson import INTEGER, TEXT
from .places import database_words
from .safe_text import safe

VERSION_TABLE = "alembic_version"


class MigrationFailed(Exception):
    def __init__(self, reason, notes):
        super().__init__(reason)
        self.reason = reason
        self.notes = notes


@dataclass(frozen=True)
class FoundColumn:
    type_name: str  # as this database spells it, e.g. VARCHAR(255)
    family: str  # INTEGER, TEXT, or the type's name for anything else
    nullable: bool
    primary_key: bool


@dataclass(frozen=True)
class Snapshot:
    """Everything a test may ask about the database at one moment."""

    revision: str | None
    tables: dict  # {table: {column: FoundColumn}}, without alembic_version
    rows: dict  # {table: [row as a dict]}, ordered by primary key


class GradedDatabase:
    """One fresh database: the copy's code changes it in a child, the kit reads it itself."""

    def __init__(self, url, learner, child):
        self.url = url
        self.child = child  # runs the copy's code (learner_process.Child)
        self.engine = create_engine(url, poolclass=NullPool)
        if self.engine.dialect.name == "sqlite":
            learner.hand_over(self.engine.url.database)

    def migrate(self, direction, revision):
        """Upgrade or downgrade to `revision`; return the warnings raised, as notes.

        Raises MigrationFailed with the reason in one line.
        """
        said = self.child.ask({"kind": "migrate", "url": self.url, "direction": direction,
                               "revision": revision})
        if said["failure"] is not None:
            raise MigrationFailed(said["failure"], said["notes"])
        return said["notes"]

    def create_models(self):
        """models.py's tables made here by `db.create_all()`: (why not or None, notes)."""
        said = self.child.ask({"kind": "create_all", "url": self.url})
        return said["failure"], said["notes"]

    def reflect(self):
        """The tables in this database, read by the kit, as a MetaData."""
        metadata = MetaData()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            metadata.reflect(self.engine)
        return metadata

    def snapshot(self):
        # Reflection warns about types it cannot read; the type's name shows in the checks.
        with self.engine.connect() as connection, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            inspector = inspect(connection)
            tables, rows = {}, {}
            for name in sorted(inspector.get_table_names()):
                if name == VERSION_TABLE:
                    continue
                key = inspector.get_pk_constraint(name)["constrained_columns"]
                columns = {
                    found["name"]: FoundColumn(
                        type_name=type_name(found["type"], connection.dialect),
                        family=family(found["type"], connection.dialect),
                        nullable=bool(found["nullable"]),
                        primary_key=found["name"] in key,
                    )
                    for found in inspector.get_columns(name)
                }
                tables[name] = columns
                source = table(name, *(column(c) for c in columns))
                order = [source.c[c] for c in (key or columns)]
                rows[name] = [dict(row._mapping) for row in
                              connection.execute(select(source).order_by(*order))]
            try:
                revision = MigrationContext.configure(connection).get_current_revision()
            except Exception as error:  # e.g. two rows in alembic_version
                revision = f"(unreadable: {safe(error, newlines=False)})"
        return Snapshot(revision, tables, rows)

    def add_rows(self, table_name, rows):
        """Insert the lesson's rows as the learner does in `flask shell`; None, or why not."""
        inspector = inspect(self.engine)
        if not inspector.has_table(table_name):
            return f"there is no table `{table_name}` to add them to"
        missing = sorted(set(rows[0]) - {c["name"] for c in inspector.get_columns(table_name)})
        if missing:
            return f"`{table_name}` has no column `{missing[0]}`"
        target = table(table_name, *(column(name) for name in rows[0]))
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(target), rows)
        except SQLAlchemyError as error:
            return safe(database_words(error), newlines=False)
        return None

    def close(self):
        """Close every connection of the kit's, so that the database can be dropped (the
        child closes its own after each job)."""
        self.engine.dispose()


def type_name(sql_type, dialect):
    try:
        return sql_type.compile(dialect=dialect)
    except Exception:  # a type SQLAlchemy reflects but cannot render
        return type(sql_type).__name__.upper()


def family(sql_type, dialect):
    if isinstance(sql_type, Integer):
        return INTEGER
    if isinstance(sql_type, String):
        return TEXT
    return type_name(sql_type, dialect)
