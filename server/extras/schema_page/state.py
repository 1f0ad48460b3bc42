"""Where the database stands, for the page: its revision, its tables, their rows.

Everything here reads the live database through SQLAlchemy's inspector
(core/database.py), never the models, so the page shows the truth even
when the two disagree.
"""
from dataclasses import dataclass, field

from sqlalchemy import column, inspect, select, table

from extras.core.database import (
    VERSION_TABLE,
    ChangedWhileRead,
    count_rows,
    current_revision,
    table_names,
    type_name,
)
from extras.core.sqlite import undecodable_text_shown
from extras.schema_page.differences import TableNotFound, model_differences


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
    tables: list[TableInfo]  # the tables asked for: all of them, or one page
    differences: list[str]  # what `flask db migrate` would write now, in words
    table_count: int = 0  # how many tables the database has, shown or not
    first_table: int = 0  # where tables[0] stands among them, counted from 0
    database_exists: bool = True  # False: its SQLite file is not there (yet)

    @property
    def revision_id(self):
        return None if self.revision is None else self.revision.id

    @property
    def revision_is_known(self):
        return self.revision is None or any(r.id == self.revision.id for r in self.history)


def read_state(connection, history, metadata, autogenerate_options, first_rows=0,
               first_table=0, table_limit=None):
    """Everything the schema page shows, read in one go from `connection`.

    `history` is the app's checked migration History (core/history.py);
    `metadata` (the models' tables) and `autogenerate_options` (Flask-Migrate's
    configure_args) are what `flask db migrate` would compare the database
    with. `first_rows` is how many rows of each table to fetch (0: none).
    Only the tables from index `first_table`, at most `table_limit` of them
    (None: all), are read in detail, so a database with thousands of tables
    stays quick.
    """
    current = current_revision(connection)
    migrations = revision_history(history, current)
    known = {revision.id: revision for revision in migrations}
    if current is None:
        revision = None
    elif current in known:
        revision = known[current]
    else:
        revision = Revision(current, None)
    # One inspector, so that its cache lists the tables once: 0.3 s with 10,000 on MariaDB.
    inspector = inspect(connection)
    names = listed_tables(connection, inspector)
    last = None if table_limit is None else first_table + table_limit
    try:
        differences = model_differences(connection, metadata, autogenerate_options, names)
    except TableNotFound as error:
        raise ChangedWhileRead(f"table {error} went away while it was compared") from None
    return DatabaseState(
        revision=revision,
        head=history.head,
        history=migrations,
        tables=read_tables(connection, inspector, names[first_table:last], first_rows),
        differences=differences,
        table_count=len(names),
        first_table=first_table,
    )


def listed_tables(connection, inspector):
    """The tables, as table_names() lists them, but on PostgreSQL from pg_class itself.

    The inspector's query there also asks pg_table_is_visible(), which sees
    the newest commit, not the transaction's snapshot: a table a migration
    dropped a moment ago would be missing beside a revision that still has
    it. The inspector's later calls then miss it too, and the read is tried
    again (consistent_read.py).
    """
    if connection.dialect.name != "postgresql":
        return table_names(inspector)
    rows = connection.exec_driver_sql(
        "SELECT c.relname FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')")
    return sorted(name for (name,) in rows if name != VERSION_TABLE)


def revision_history(history, current):
    """Every migration from base to head, marked applied up to `current`.

    A revision the scripts do not know leaves every migration unapplied:
    nothing can be said about where such a database stands.
    """
    applied = history.step_of(current) or 0
    return [Revision(script.revision, script.doc, number <= applied)
            for number, script in enumerate(history.chain, start=1)]


def read_tables(connection, inspector, names, first_rows):
    """Each named table's columns, its row count and (if asked) its first rows.

    The inspector's get_multi_* calls reflect them all at once where the
    database allows (one query on PostgreSQL instead of one per table).
    """
    if not names:
        return []
    all_columns = inspector.get_multi_columns(filter_names=names)
    primary_keys = inspector.get_multi_pk_constraint(filter_names=names)
    if any((None, name) not in all_columns or (None, name) not in primary_keys
           for name in names):  # listed a moment ago, gone now: only MariaDB lets this be seen
        raise ChangedWhileRead("a table went away while the page read it")
    return [
        read_table(connection, name, all_columns[(None, name)],
                   primary_keys[(None, name)]["constrained_columns"], first_rows)
        for name in names
    ]


def read_table(connection, name, reflected_columns, primary_key, first_rows):
    columns = [
        ColumnInfo(
            name=col["name"],
            type=type_name(col["type"], connection.dialect),
            nullable=bool(col["nullable"]),
            primary_key=col["name"] in primary_key,
        )
        for col in reflected_columns
    ]
    rows = []
    if first_rows:
        # Names from the inspector; table() and column() quote them as needed.
        source = table(name, *(column(col.name) for col in columns))
        order = [source.c[key] for key in primary_key]
        query = select(source).order_by(*order).limit(first_rows)
        with undecodable_text_shown(connection):
            rows = [tuple(row) for row in connection.execute(query)]
    return TableInfo(name, count_rows(connection, name), columns, rows)


