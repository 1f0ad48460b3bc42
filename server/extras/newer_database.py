"""A database stamped with a revision that no script knows: it is newer than the code.

Alembic says only "Can't locate revision identified by '...'", which reads
as if the learner had mistyped a revision. When the unknown one is the
database's own, this says what happened and the two ways out.
"""
from contextlib import contextmanager

from alembic.script.revision import ResolutionError
from alembic.util import CommandError

from extras.histories import check_version_table


@contextmanager
def explain_newer_database(migration_context, script):
    """Replace Alembic's "Can't locate revision" when the unknown revision is the database's.

    An alembic_version with several rows is named first: it is no newer code.
    """
    check_version_table(migration_context, script)
    try:
        yield
    except CommandError:
        unknown = [revision for revision in migration_context.get_current_heads()
                   if not script_has_revision(script, revision)]
        if not unknown:
            raise  # the unknown revision was the one asked for; Alembic said so clearly
        raise CommandError(
            f"the database is at revision {unknown[0]}, which no script in "
            f"{script.versions} knows: the database is newer than this code. Get the code "
            "that made that migration, or, if it was deleted on purpose, point the database "
            "at a revision that exists with `flask db stamp --purge <revision>`."
        ) from None


def script_has_revision(script, revision):
    """Whether a script has `revision`; only "no such revision" counts as no.

    Any other trouble (a cycle, a duplicate id) is the history's, and
    extras.histories names it.
    """
    try:
        return script.revision_map.get_revision(revision) is not None
    except ResolutionError:
        return False
