"""Reading a learner's migration history: which script is which step.

The scripts are read as text (Python's `ast`), never imported: a
migration is the learner's code, and it runs only in the child process
(learner_process.py). Each script's `revision`, `down_revision` and
docstring are read the way Alembic reads them. The steps are found by
walking the chain from the first migration, so a copy with its own
revision ids is read like any other. A history that is not one straight
line (a pasted revision id, a down_revision that names nothing, two heads)
is described in plain words that name the file to fix. Plain Python,
without pytest: the project's tests and benchmark read histories with it too.
"""
import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from .lesson import STEP_COUNT
from .safe_text import safe

# Alembic's own rule for which files in versions/ are migrations.
SCRIPT_NAME = re.compile(r"(?!\.\#|__init__)(.*\.py)$")
NOT_TEXT = object()

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
        return f'{safe(self.revision, newlines=False)} "{self.message}"'


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


@dataclass
class Script:
    file: str  # relative to the server folder, made safe to show
    revision: object  # a str, or None / NOT_TEXT when there is no readable one
    down: tuple  # the revisions it follows
    doc: str


def read_script(path, server_dir):
    """The Script in `path`, or a problem in one line when it cannot be read as a migration."""
    file = safe(path.relative_to(server_dir).as_posix(), newlines=False)
    try:
        tree = ast.parse(path.read_bytes(), filename=file)
    except SyntaxError as error:
        return f"{file}, line {error.lineno}: SyntaxError: {safe(error.msg, newlines=False)}"
    except (OSError, ValueError) as error:
        return f"The migrations cannot be read: {file}: {safe(error, newlines=False)}"
    values = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
            try:
                values[target.id] = ast.literal_eval(value)
            except ValueError:
                values[target.id] = NOT_TEXT
    revision, down = values.get("revision"), values.get("down_revision")
    if not isinstance(revision, str) or not revision:
        return (f"{file} has no `revision = '...'` the kit can read as text: every migration "
                "names its own revision id in quotes")
    if isinstance(down, str):
        down = (down,)
    elif down is None:
        down = ()
    elif not (isinstance(down, (tuple, list)) and all(isinstance(d, str) for d in down)):
        return (f"{file} has a down_revision the kit cannot read as text: it is None, or the "
                "revision id of the migration before it in quotes")
    doc = (ast.get_docstring(tree, clean=False) or "").strip()
    return Script(file, revision, tuple(down), re.split("\n\n", doc)[0])


def read_history(migrations_dir):
    """The History of the migrations in `migrations_dir` (a folder with versions/ in it)."""
    migrations_dir = Path(migrations_dir).resolve()
    server_dir = migrations_dir.parent
    versions = migrations_dir / "versions"
    paths = sorted(p for p in versions.iterdir() if SCRIPT_NAME.match(p.name) and p.is_file()) \
        if versions.is_dir() else []
    scripts, problems = {}, []
    for path in paths:
        read = read_script(path, server_dir)
        if isinstance(read, str):
            problems.append(read)
        elif read.revision in scripts:
            problems = duplicated_ids(migrations_dir) or [read.file + " repeats a revision id"]
            break
        else:
            scripts[read.revision] = read
    if problems:
        return History(problems=problems)
    dangling = [(script, down) for script in scripts.values() for down in script.down
                if down not in scripts]
    if dangling:
        return History(problems=[unreadable(migrations_dir, down) for _, down in dangling[:1]])
    following = {revision: [] for revision in scripts}
    for script in scripts.values():
        for down in script.down:
            following[down].append(script.revision)
    bases = [script for script in scripts.values() if not script.down]
    reachable, stack = set(), [base.revision for base in bases]
    while stack:
        revision = stack.pop()
        if revision not in reachable:
            reachable.add(revision)
            stack += following[revision]
    if len(reachable) < len(scripts):
        return History(problems=[loop(migrations_dir, sorted(set(scripts) - reachable))])
    if len(bases) > 1:
        files = " and ".join(base.file for base in bases)
        return History(problems=[
            f"{files} have down_revision = None, so each starts the history over. "
            "Only the first migration has no down_revision: point the others at the "
            "migration before them."
        ])

    history = History()
    script = bases[0] if bases else None
    while script is not None:
        history.migrations.append(Migration(len(history.migrations) + 1, script.revision,
                                            safe(script.doc, newlines=False), script.file))
        after = sorted(following[script.revision])
        if len(after) > 1:
            branches = " and ".join(f'{scripts[r].file} ("{safe(scripts[r].doc, newlines=False)}")'
                                    for r in after)
            merges = sorted(s.file for s in scripts.values() if len(s.down) > 1)
            merged = (f"{' and '.join(merges)} join{'s' if len(merges) == 1 else ''} them "
                      "again (`flask db merge`): delete "
                      f"{'it' if len(merges) == 1 else 'them'} as well. " if merges else "")
            history.problems.append(
                f"The history branches after migration {len(history.migrations)} "
                f"({script.file}): {branches} have the same down_revision = "
                f"'{safe(script.revision, newlines=False)}'. {merged}{TWO_HEADS_ADVICE}"
            )
            break
        script = scripts[after[0]] if after else None
    return history


REVISION = re.compile(r"^revision\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.M)


def files_saying(migrations_dir, variable, value):
    """The scripts in versions/ whose text sets `variable` to `value`."""
    pattern = re.compile(rf"^{variable}\s*(?::[^=]*)?=\s*['\"]{re.escape(value)}['\"]", re.M)
    return sorted(
        safe(path.relative_to(migrations_dir.parent).as_posix(), newlines=False)
        for path in (migrations_dir / "versions").glob("*.py")
        if path.is_file() and pattern.search(path.read_text(errors="replace"))
    )


def duplicated_ids(migrations_dir):
    """One problem for each revision id that more than one script claims."""
    claims = {}
    for path in sorted(p for p in (migrations_dir / "versions").glob("*.py") if p.is_file()):
        found = REVISION.search(path.read_text(errors="replace"))
        if found:
            claims.setdefault(safe(found.group(1), newlines=False), []).append(
                safe(path.relative_to(migrations_dir.parent).as_posix(), newlines=False))
    return [
        f"{' and '.join(files)} have the same revision = '{revision}': one of them was copied, "
        "and a copy keeps the id of its original. Give the copy an id of its own, and point the "
        "down_revision that follows it at that id."
        for revision, files in claims.items() if len(files) > 1
    ]


def unreadable(migrations_dir, missing):
    """A down_revision that names no migration, in words that name the file."""
    files = files_saying(migrations_dir, "down_revision", missing) or ["a migration"]
    return (
        f"{' and '.join(files)} says down_revision = '{safe(missing, newlines=False)}', but no "
        "migration has that revision id: set it to the revision of the migration before it."
    )


def loop(migrations_dir, revisions):
    files = sorted({file for revision in revisions
                    for file in files_saying(migrations_dir, "revision", revision)})
    return (f"{' and '.join(files) or 'the migrations'} point at each other through "
            "down_revision, so the history has no beginning: the first migration says "
            "down_revision = None, and each other one names the migration before it.")
