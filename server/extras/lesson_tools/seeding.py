"""`flask seed`: add the lesson's rows that fit the step the database is at, once.

The step is the database's revision counted along the migrations from the
first (core/history.py): the first migration is step 1, and so on. The
rows are written with that step's table and column names, never with the
classes in models.py, which are often a step ahead while you code along.

The caller holds the database's migration lock (safety_nets/locks.py) while
seed() checks and inserts in one transaction, so seeds running at once, or
a seed racing an upgrade, can never add a row twice or write into a
half-migrated schema.
"""
from alembic.util import CommandError
from sqlalchemy import column, insert, inspect, select, table

from extras.core.database import current_revision
from extras.lesson_tools.sample_rows import LAST_STEP, rows_at_step


class CannotSeed(CommandError):
    """The database is not at a step whose rows `flask seed` knows; nothing was written."""


def seed(connection, history):
    """Add the rows of the database's current step that are missing; return (step, rows added).

    `history` is the app's checked migration History; the caller holds the
    migration lock on `connection`.
    """
    with connection.begin():
        step = step_of(history, current_revision(connection))
        rows = rows_at_step(step)
        check_tables(connection, rows, step)
        return step, add_missing_rows(connection, rows)


def step_of(history, revision):
    """The lesson step `revision` ends, from its place in the history."""
    if revision is None:
        raise CannotSeed("the database has no migrations applied yet: run `flask db upgrade` "
                         "first (after `flask db migrate` if migrations/versions/ is empty).")
    step = history.step_of(revision)
    if step is None:
        raise CannotSeed(f"the database is at revision {revision}, which no script in "
                         "migrations/versions/ has: flask seed wrote nothing.")
    if step > LAST_STEP:
        raise CannotSeed(f"the database is at revision {revision}, migration {step} of the "
                         f"history; flask seed knows the lesson's {LAST_STEP} steps only and "
                         "wrote nothing.")
    return step


def check_tables(connection, rows, step):
    """Refuse, naming what is missing, when the tables are not the step's."""
    inspector = inspect(connection)
    for table_name, table_rows in rows.items():
        if not inspector.has_table(table_name):
            raise CannotSeed(f"at step {step} the database should have a table {table_name}, "
                             "but it has none: flask seed wrote nothing.")
        present = {c["name"] for c in inspector.get_columns(table_name)}
        missing = sorted(set(table_rows[0]) - present)
        if missing:
            raise CannotSeed(f"at step {step} the table {table_name} should have the column "
                             f"{', '.join(missing)}, but has not: flask seed wrote nothing.")


def add_missing_rows(connection, rows):
    """Insert each row whose name its table does not hold yet; return how many were added."""
    added = 0
    for table_name, table_rows in rows.items():
        target = table(table_name, *(column(name) for name in table_rows[0]))
        names = set(connection.execute(select(target.c.name)).scalars())
        new_rows = [row for row in table_rows if row["name"] not in names]
        if new_rows:
            connection.execute(insert(target), new_rows)
            added += len(new_rows)
    return added
