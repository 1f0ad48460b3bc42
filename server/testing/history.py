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

from testing.lesson import STEP_COUNT


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
        except Exception as raised:  # a script that does not load, or a broken link
            error = raised
    problems = [unreadable(migrations_dir, str(w.message)) for w in warned]
    problems = [problem for problem in problems if problem]
    if error is not None:
        return History(problems=problems or [cannot_load(migrations_dir, error)])
    if problems:
        return History(problems=problems)
    if len(bases) > 1:
        files = " and ".join(name(script.get_revision(base)) for base in bases)
        return History(problems=[
            f"{files} all have down_revision = None, so each starts the history over. "
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
                f'{name(script.get_revision(r))} ("{script.get_revision(r).doc}")' for r in following)
            history.problems.append(
                f"The history branches after migration {len(history.migrations)} "
                f"({name(revision)}): {branches} both have down_revision = "
                f"'{revision.revision}'. The lesson is one straight line: point the later one's "
                "down_revision at the other, or delete the one you do not want."
            )
            break
        revision = script.get_revision(following[0]) if following else None
    return history


def files_saying(migrations_dir, variable, value):
    """The scripts in versions/ whose text sets `variable` to `value`."""
    pattern = re.compile(rf"^{variable}\s*(?::[^=]*)?=\s*['\"]{re.escape(value)}['\"]", re.M)
    return sorted(
        path.relative_to(migrations_dir.parent).as_posix()
        for path in (migrations_dir / "versions").glob("*.py")
        if pattern.search(path.read_text(errors="replace"))
    )


def unreadable(migrations_dir, warning):
    """Alembic's warning about a broken history, in words that name the files."""
    duplicated = re.match(r"Revision (\S+) is present more than once", warning)
    if duplicated:
        revision = duplicated.group(1)
        files = files_saying(migrations_dir, "revision", revision)
        return (
            f"{' and '.join(files)} both say revision = '{revision}': one of them was "
            "copied, and a copy keeps the id of its original. Give the copy an id of its "
            "own, and point the down_revision that follows it at that id."
        )
    dangling = re.match(r"Revision (\S+) referenced from .* is not present", warning)
    if dangling:
        missing = dangling.group(1)
        files = files_saying(migrations_dir, "down_revision", missing) or ["a migration"]
        return (
            f"{' and '.join(files)} says down_revision = '{missing}', but no migration has "
            "that revision id: set it to the revision of the migration before it."
        )
    return None


def cannot_load(migrations_dir, error):
    """One line for a script Alembic could not import, naming it and the line."""
    versions = migrations_dir / "versions"
    if isinstance(error, SyntaxError):
        places = [(error.filename, error.lineno)]
        detail = f"SyntaxError: {error.msg}"
    else:
        places = []
        traceback = error.__traceback__
        while traceback is not None:
            places.append((traceback.tb_frame.f_code.co_filename, traceback.tb_lineno))
            traceback = traceback.tb_next
        detail = f"{type(error).__name__}: {error}"
    in_versions = [(file, line) for file, line in places if file and Path(file).parent == versions]
    if not in_versions:
        return f"The migrations cannot be read: {detail}"
    file, line = in_versions[-1]
    return f"{Path(file).relative_to(migrations_dir.parent).as_posix()}, line {line}: {detail}"
