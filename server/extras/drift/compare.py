"""The database against the schema its own migration history builds: each hand change, named.

The comparison is Alembic's own (compare_metadata, what autogenerate
uses), with the shadow's reflected schema standing where the models usually
stand. Only what a hand change in `psql` or a GUI is about is reported: a
table or column dropped or added, a type, NOT NULL. Indexes, constraints and
defaults are left out: each backend reflects them a little differently.
"""
import logging
from contextlib import contextmanager
from dataclasses import dataclass

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from extras.drift.shadow import columns_of, reflected, replay, shadow_database

VERSION_TABLE = "alembic_version"  # core/database.py's, not imported: this package stays low


@dataclass
class Difference:
    """One hand change: `what` completes "employees.salary ..."; `made_by` is a Script or None."""

    table: str
    column: str | None
    what: str  # "was dropped by hand", ...
    key: tuple  # what the history's steps are searched for: the object, or one of its facts
    made_by: object = None

    @property
    def name(self):
        return self.table if self.column is None else f"{self.table}.{self.column}"

    def __str__(self):
        noun = "table " if self.column is None else ""
        line = f"{noun}{self.name} {self.what}"
        if self.made_by is not None:
            made = self.made_by
            line += f" (made by migration {made.revision}, \"{made.doc.rstrip('.')}\")"
        return line


def history_up_to(chain, revision):
    """The Scripts of `chain` (oldest first) up to `revision`; None if it is not on the chain.

    A database with no migration applied, or at a revision the scripts do not
    know, has no history to compare with.
    """
    revisions = [script.revision for script in chain]
    if revision is None or revision not in revisions:
        return None
    return chain[:revisions.index(revision) + 1]


def find_drift(connection, scripts):
    """The Differences between the database and what `scripts` (oldest first) build.

    Raises ShadowUnavailable when no shadow database can be made.
    """
    with quiet_alembic():
        return compared(connection, scripts)


@contextmanager
def quiet_alembic():
    """Without Alembic's INFO lines: "Detected added column" would read as a plan to add it."""
    logger = logging.getLogger("alembic")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def compared(connection, scripts):
    with shadow_database(connection) as (shadow, schema):
        replay(shadow, scripts)
        history_schema = reflected(shadow, schema)
    context = MigrationContext.configure(connection, opts={
        "compare_type": True,
        "include_name": lambda name, kind, parent: not (kind == "table" and name == VERSION_TABLE),
    })
    # Sorted: Alembic finds dropped and added tables through sets, in no fixed order.
    differences = sorted((d for diff in compare_metadata(context, history_schema)
                          for d in described(diff)), key=lambda d: (d.table, d.column or ""))
    if differences:
        name_the_migrations(connection, scripts, differences)
    return differences


def described(diff):
    """The Differences one of compare_metadata()'s diffs stands for (none for an index...)."""
    if isinstance(diff, list):  # a column's modifications come as a list
        return [d for one in diff for d in described(one)]
    kind = diff[0]
    if kind == "add_table":  # in the history, not in the database
        return [Difference(diff[1].name, None, "was dropped by hand", ("table", diff[1].name))]
    if kind == "remove_table":
        return [Difference(diff[1].name, None, "was added by hand: no migration made it", ())]
    if kind == "add_column":
        _, _, table, column = diff
        return [Difference(table, column.name, "was dropped by hand",
                           ("column", table, column.name))]
    if kind == "remove_column":
        _, _, table, column = diff
        return [Difference(table, column.name, "was added by hand: no migration made it", ())]
    if kind == "modify_type":
        _, _, table, column, _, in_database, in_history = diff
        return [Difference(table, column, f"was changed by hand to {in_database}; the migrations "
                           f"made it {in_history}", ("type", table, column))]
    if kind == "modify_nullable":
        _, _, table, column, _, in_database, in_history = diff
        return [Difference(table, column, f"was made {null_words(in_database)} by hand; the "
                           f"migrations made it {null_words(in_history)}",
                           ("nullable", table, column))]
    return []


def null_words(nullable):
    return "nullable" if nullable else "NOT NULL"


def name_the_migrations(connection, scripts, differences):
    """Set each Difference's made_by: the migration after which its object stood as it does.

    The history is replayed once more in a new shadow, looking after each
    step; that costs time only when there is drift to report.
    """
    steps = []
    with shadow_database(connection) as (shadow, schema):
        replay(shadow, scripts, lambda script: steps.append((script, facts(shadow, schema))))
    for difference in differences:
        if not difference.key:
            continue
        before = None
        for script, found in steps:
            now = found.get(difference.key)
            if now is not None and now != before:
                difference.made_by = script
            before = now


def facts(shadow, schema):
    """{key: value} of the shadow now: each table and column, each column's type and NOT NULL."""
    found = {}
    for table, columns in columns_of(shadow, schema).items():
        found[("table", table)] = True
        for name, column in columns.items():
            found[("column", table, name)] = True
            found[("type", table, name)] = repr(column["type"])
            found[("nullable", table, name)] = column["nullable"]
    return found
