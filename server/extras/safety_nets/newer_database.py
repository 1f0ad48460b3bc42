"""A database stamped with a revision that no script knows: it is newer than the code.

Alembic says only "Can't locate revision identified by '...'", which reads
as if the learner had mistyped a revision. When the unknown one is the
database's own, this says what happened and the two ways out. An
alembic_version with several rows is named first: that is no newer code.
"""
from contextlib import contextmanager

from alembic.util import CommandError

from extras.core.database import BrokenVersionTable


@contextmanager
def explain_newer_database(migration_context, history, versions):
    """Replace Alembic's "Can't locate revision" when the unknown revision is the database's.

    `history` is the checked History of the scripts in the folder `versions`.
    """
    check_version_table(migration_context, history)
    try:
        yield
    except CommandError:
        unknown = [revision for revision in migration_context.get_current_heads()
                   if revision not in history]
        if not unknown:
            raise  # the unknown revision was the one asked for; Alembic said so clearly
        raise CommandError(
            f"the database is at revision {unknown[0]}, which no script in {versions} knows: "
            "the database is newer than this code. Get the code that made that migration, or, "
            "if it was deleted on purpose, point the database at a revision that exists with "
            "`flask db stamp --purge <revision>`."
        ) from None


def check_version_table(migration_context, history):
    """Raise BrokenVersionTable when alembic_version holds several rows in a one-line history.

    `flask db stamp --purge <revision>` is the way out, so it is let through.
    """
    if migration_context.opts.get("purge"):
        return
    rows = migration_context.get_current_heads()
    if len(rows) > 1 and len(history.heads) <= 1:
        raise BrokenVersionTable(rows)
