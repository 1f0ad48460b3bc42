"""What the database really holds: its revision, its tables, their rows.

Everything here reads the live database through SQLAlchemy's inspector,
never the models, so it shows the truth even when the two disagree. This is
the one module that reads the live database; the page at `/` and the
`flask` commands ask it.
"""
from dataclasses import dataclass, field

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import column, func, inspect, select, table
from sqlalchemy.exc import CompileError

VERSION_TABLE = "alembic_version"


@dataclass
class Revision:
    id: str
    message: str | None
    applied: bool = False


@dataclass
class ColumnInfo:
    name: str
    type: str
    nullable: bool
    primary_key: bool


@dataclass
class TableInfo:
    name: str
    rows: int
    columns: list[ColumnInfo]
    first_rows: list[tuple] = field(default_factory=list)


@dataclass
class DatabaseState:
    """Where the database stands, next to what the code knows."""

    revision: Revision | None  # None: an empty database
    head: str | None
    history: list[Revision]  # from base to head
    tables: list[TableInfo]
    drift: list[str]  # how the models differ from the database, in words

    @property
    def revision_is_known(self):
        return self.revision is None or any(r.id == self.revision.id for r in self.history)


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


def read_state(connection, first_rows=0):
    """Everything the schema page shows, read in one go from `connection`.

    `first_rows` is how many rows of each table to fetch (0: none).
    """
    script = script_directory()
    inspector = inspect(connection)
    current = current_revision(connection)
    history = revision_history(script, current)
    known = {revision.id: revision for revision in history}
    if current is None:
        revision = None
    elif current in known:
        revision = known[current]
    else:
        revision = Revision(current, None)
    return DatabaseState(
        revision=revision,
        head=script.get_current_head(),
        history=history,
        tables=[
            read_table(connection, inspector, name, first_rows) for name in table_names(connection)
        ],
        drift=drift(connection),
    )


def revision_history(script, current):
    """Every migration from base to head, marked applied up to `current`.

    A revision the scripts do not know leaves every migration unapplied:
    nothing can be said about where such a database stands.
    """
    scripts = list(reversed(list(script.walk_revisions("base", "heads"))))
    applied = set()
    if current in {s.revision for s in scripts}:
        applied = {s.revision for s in script.walk_revisions("base", current)}
    return [Revision(s.revision, s.doc, s.revision in applied) for s in scripts]


def read_table(connection, inspector, name, first_rows):
    """A table's columns, its row count and (if asked) its first rows."""
    primary_key = inspector.get_pk_constraint(name)["constrained_columns"]
    columns = [
        ColumnInfo(
            name=col["name"],
            type=type_name(col["type"], connection.dialect),
            nullable=bool(col["nullable"]),
            primary_key=col["name"] in primary_key,
        )
        for col in inspector.get_columns(name)
    ]
    rows = []
    if first_rows:
        # Names from the inspector; table() and column() quote them as needed.
        source = table(name, *(column(col.name) for col in columns))
        order = [source.c[key] for key in primary_key]
        query = select(source).order_by(*order).limit(first_rows)
        rows = [tuple(row) for row in connection.execute(query)]
    return TableInfo(name, row_count(connection, name), columns, rows)


def type_name(sql_type, dialect):
    """The column's type as this database spells it, e.g. VARCHAR(255)."""
    try:
        return sql_type.compile(dialect=dialect)
    except CompileError:  # a type SQLAlchemy reflects but cannot render
        return str(sql_type.__class__.__name__)


def drift(connection):
    """What `flask db migrate` would write now, as sentences; [] when none.

    Alembic's own autogenerate compares the models with the database, with
    the options Flask-Migrate gives it, exactly as `flask db check` does.
    """
    from alembic.autogenerate import compare_metadata  # only the page needs it

    migrate = current_app.extensions["migrate"]
    context = MigrationContext.configure(
        connection, opts={**migrate.configure_args, "target_metadata": migrate.db.metadata}
    )
    differences = []
    for difference in compare_metadata(context, migrate.db.metadata):
        # Changes to one column come grouped in a list.
        group = difference if isinstance(difference, list) else [difference]
        differences.extend(describe_difference(change) for change in group)
    return differences


# How autogenerate's names read in a sentence.
OBJECT_WORDS = {"fk": "foreign key", "table_comment": "table comment"}


def describe_difference(change):
    """One autogenerate difference, e.g. ('add_table', Table), in plain words."""
    action, _, kind = change[0].partition("_")
    what = OBJECT_WORDS.get(kind, kind)
    if action == "modify":  # ("modify_type", schema, table, column, existing, old, new)
        _, _, table_name, column_name, _, in_database, in_models = change
        return (
            f"modify {what} of `{table_name}.{column_name}`: the database has "
            f"{spell(kind, in_database)}, the models say {spell(kind, in_models)}"
        )
    if kind == "column":  # ("add_column", schema, table, Column)
        subject = f"column `{change[2]}.{change[3].name}`"
    else:  # a Table, Index or constraint
        target = change[1]
        owner = getattr(getattr(target, "table", None), "name", None)
        subject = f"{what} `{target.name or '(unnamed)'}`" + (f" on `{owner}`" if owner else "")
    where = "models" if action == "add" else "database"
    other = "database" if action == "add" else "models"
    return f"{action} {subject}: in the {where} but not in the {other}"


def spell(kind, value):
    """A compared value as a learner would read it."""
    if kind == "nullable":
        return "NULL" if value else "NOT NULL"
    return "nothing" if value is None else str(value)
