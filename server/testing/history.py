"""Reading a learner's migration history: which script is which step.

The steps are found by walking the chain from the first migration, so a
copy with its own revision ids is read like any other. A history that is
not one straight line (a pasted revision id, a down_revision that names
nothing, two heads) is described in plain words that name the file to fix.
Plain Python, without pytest: the project's tests and benchmark read
histories with it too.
"""
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.script.revision import CycleDetected

from .lesson import STEP_COUNT
from .places import error_place, error_text

# What to do about two heads, said alike by the kit and by the app's `flask db` commands
# (extras/core/history.py). The lesson is one line of four migrations: `flask db merge heads`
# would add a fifth, a merge, which the kit counts against the history.
TWO_HEADS_ADVICE = ("The lesson is one straight line: point the later one's down_revision at "
                    "the other's revision, or delete the one you do not want. Do not join them "
                    "with `flask db merge heads`: a merge is one more migration, which the "
                    "lesson does not have.")


class HistoryError(Exception):
    """The history is not the lesson's four steps in a line; the message says why."""


@dataclass(frozen=True)
class Migration:
    number: int  # its place in the chain: 1 for the first migration
    revision: str
    message: str
    file: str  # relative to the server folder, e.g. migrations/versions/15537423c56d_initial.py

    def __str__(self):
        return f'{self.revision} "{self.message}"'


@dataclass
class History:
    migrations: list = field(default_factory=list)  # from the first, as far as the line is straight
    problems: list = field(default_factory=list)  # why it is not one straight line

    def step(self, number):
        """The learner's migration for lesson step `number`, or None if there is none."""
        return self.migrations[number - 1] if number <= len(self.migrations) else None

    @property
    def extra(self):
        """Migrations after the lesson's last step."""
        return self.migrations[STEP_COUNT:]

    def lesson_steps(self):
        """The four migrations, or HistoryError if the history is anything else."""
        if self.problems:
            raise HistoryError(" ".join(self.problems))
        if len(self.migrations) != STEP_COUNT:
            found = "; ".join(str(m) for m in self.migrations) or "none"
            raise HistoryError(
                f"expected the lesson's {STEP_COUNT} migrations, found "
                f"{len(self.migrations)}: {found}."
            )
        return list(self.migrations)


def written_words(written):
    """How many of the lesson's migrations are written, as a sentence reads it."""
    if written == 0:
        return f"none of the lesson's {STEP_COUNT} migrations is written yet"
    verb = "is" if written == 1 else "are"
    return f"{written} of the lesson's {STEP_COUNT} migrations {verb} written"


def read_history(migrations_dir):
    """The History of the migrations in `migrations_dir` (a folder with versions/ in it)."""
    migrations_dir = Path(migrations_dir).resolve()
    script = ScriptDirectory(str(migrations_dir))
    server_dir = migrations_dir.parent

    def name(revision):
        return Path(revision.path).relative_to(server_dir).as_posix()

    def described(revision, number):
        return Migration(number, revision.revision, revision.doc or "", name(revision))

    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        try:
            bases = script.get_bases()
            error = None
        except Exception as raised:  # a script that does not load, a loop, a broken link
            error = raised
    if error is not None or warned:
        # A pasted script keeps its original's id, which Alembic reports as whatever
        # it meets first (a loop, a missing revision): the duplicate is the mistake.
        problems = duplicated_ids(migrations_dir) or [
            unreadable(migrations_dir, str(w.message)) for w in warned]
        problems = [problem for problem in problems if problem]
        if not problems and isinstance(error, CycleDetected):
            problems = [loop(migrations_dir, error.revisions)]
        if not problems and error is not None:
            problems = [cannot_load(migrations_dir, error)]
        if problems:
            return History(problems=problems)
    if len(bases) > 1:
        files = " and ".join(name(script.get_revision(base)) for base in bases)
        return History(problems=[
            f"{files} have down_revision = None, so each starts the history over. "
            "Only the first migration has no down_revision: point the others at the "
            "migration before them."
        ])

    history = History()
    revision = script.get_revision(bases[0]) if bases else None
    while revision is not None:
        history.migrations.append(described(revision, len(history.migrations) + 1))
        following = sorted(revision.nextrev)
        if len(following) > 1:
            branches = " and ".join(
                f'{name(script.get_revision(r))} ("{script.get_revision(r).doc}")'
                for r in following)
            merges = sorted(name(r) for r in script.walk_revisions() if r.is_merge_point)
            merged = (f"{' and '.join(merges)} join{'s' if len(merges) == 1 else ''} them "
                      "again (`flask db merge`): delete "
                      f"{'it' if len(merges) == 1 else 'them'} as well. " if merges else "")
            history.problems.append(
                f"The history branches after migration {len(history.migrations)} "
                f"({name(revision)}): {branches} have the same down_revision = "
                f"'{revision.revision}'. {merged}{TWO_HEADS_ADVICE}"
            )
            break
        revision = script.get_revision(following[0]) if following else None
    return history


REVISION = re.compile(r"^revision\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.M)


def files_saying(migrations_dir, variable, value):
    """The scripts in versions/ whose text sets `variable` to `value`."""
    pattern = re.compile(rf"^{variable}\s*(?::[^=]*)?=\s*['\"]{re.escape(value)}['\"]", re.M)
    return sorted(
        path.relative_to(migrations_dir.parent).as_posix()
        for path in (migrations_dir / "versions").glob("*.py")
        if pattern.search(path.read_text(errors="replace"))
    )


def duplicated_ids(migrations_dir):
    """One problem for each revision id that more than one script claims."""
    claims = {}
    for path in sorted((migrations_dir / "versions").glob("*.py")):
        found = REVISION.search(path.read_text(errors="replace"))
        if found:
            claims.setdefault(found.group(1), []).append(
                path.relative_to(migrations_dir.parent).as_posix())
    return [
        f"{' and '.join(files)} have the same revision = '{revision}': one of them was copied, "
        "and a copy keeps the id of its original. Give the copy an id of its own, and point the "
        "down_revision that follows it at that id."
        for revision, files in claims.items() if len(files) > 1
    ]


def unreadable(migrations_dir, warning):
    """Alembic's warning about a broken link, in words that name the file."""
    dangling = re.match(r"Revision (\S+) referenced from .* is not present", warning)
    if not dangling:
        return None
    missing = dangling.group(1)
    files = files_saying(migrations_dir, "down_revision", missing) or ["a migration"]
    return (
        f"{' and '.join(files)} says down_revision = '{missing}', but no migration has "
        "that revision id: set it to the revision of the migration before it."
    )


def loop(migrations_dir, revisions):
    files = sorted({file for revision in revisions
                    for file in files_saying(migrations_dir, "revision", revision)})
    return (f"{' and '.join(files) or 'the migrations'} point at each other through "
            "down_revision, so the history has no beginning: the first migration says "
            "down_revision = None, and each other one names the migration before it.")


def cannot_load(migrations_dir, error):
    """One line for a script Alembic could not import, naming it and the line."""
    place = error_place(error, migrations_dir.parent)
    if place is None:
        return f"The migrations cannot be read: {error_text(error)}"
    return f"{place}: {error_text(error)}"
