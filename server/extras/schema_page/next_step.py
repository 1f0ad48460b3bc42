"""What to run next, from where the database stands: one command and why, for the page and JSON.

Every state the page can show has its own answer, and each is what the
command itself would accept: `migrate` refuses while the database is
behind, so behind head the answer is `upgrade`, never `migrate`.
"""
from dataclasses import dataclass

MIGRATE = 'flask db migrate -m "..."'
FIRST_MIGRATE = 'flask db migrate -m "Initial migration."'
UPGRADE = "flask db upgrade"


@dataclass
class NextStep:
    command: str | None  # None: nothing to run, or nothing a command can fix
    why: str  # one or two sentences, in plain words


def next_step(state):
    """The NextStep for a DatabaseState."""
    total = len(state.history)
    creates = "" if state.database_exists else " (it creates the database)"
    if not state.revision_is_known:
        return NextStep(None, (
            f"The database is at revision {state.revision_id}, which no script in "
            "migrations/versions/ knows, so Alembic cannot upgrade or downgrade from there. "
            "Bring back the script that made it, or, on a practice database, start again."))
    if total == 0:
        if state.differences:
            return NextStep(FIRST_MIGRATE, (
                "migrations/versions/ is empty: `flask db migrate` writes the first migration "
                "from models.py. Read it, then `flask db upgrade` applies it."))
        return NextStep(None, "There is no migration yet, and models.py has nothing to migrate.")
    if state.revision is None and state.tables:
        return NextStep(None, (
            "The database has tables but no revision: they were made without a migration, and "
            "`flask db upgrade` would fail to create them again. On a practice database, start "
            "again from an empty one."))
    if state.revision_id != state.head:
        pending = sum(not revision.applied for revision in state.history)
        if pending == total:
            return NextStep(UPGRADE, (
                f"No migration is applied yet: `flask db upgrade` applies "
                f"{'it' if total == 1 else f'all {total}'}{creates}."))
        return NextStep(UPGRADE, (
            f"{pending} of the {total} migrations {'is' if pending == 1 else 'are'} not applied "
            f"yet: `flask db upgrade` applies {'it' if pending == 1 else 'them'}."))
    if state.differences:
        return NextStep(MIGRATE, (
            "The database is at the newest migration, and models.py has changed since: write a "
            "migration for the change (`flask db migrate -m \"...\"`), read it, then "
            "`flask db upgrade`. Or change models.py back."))
    return NextStep(None, "Nothing to do: the database is at the newest migration and matches "
                          "models.py.")
