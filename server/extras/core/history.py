"""The migration history, read once per command: its steps in order, and what is wrong with it.

Alembic meets a broken history deep inside whatever it was doing: a
down_revision naming nothing ends in a KeyError traceback, a pasted script
in a cycle or in "the database is newer than this code". read_history()
reads every script first and names the file to fix in one line. The
safety nets read the history whenever the app's Alembic config is made
(every `flask db` command, `flask seed`, each page load) and keep it on
that config, so `flask seed`, the page and env.py all walk the same one.
"""
import os
import re
import warnings
from pathlib import Path

from alembic.script.revision import CycleDetected
from alembic.util import CommandError

from testing.history import TWO_HEADS_ADVICE
from testing.places import error_place, error_text

# Commands that must work with two heads: they are how one finds and joins them.
SEVERAL_HEADS_ALLOWED = ("heads", "branches", "merge")
# Where the history read for a command is kept: in its Alembic Config's attributes.
KEPT_AS = "extras.history"


class BrokenHistory(CommandError):
    """The scripts in versions/ do not make one line of migrations."""


class History:
    """The checked scripts of an Alembic ScriptDirectory, and the line from base to its head."""

    def __init__(self, files=None, chain=(), heads=(), problem=None):
        self.files = files or {}  # {revision id: its script, relative to the server folder}
        self.chain = list(chain)  # the Scripts from the first migration to the one head
        self.heads = list(heads)
        self.problem = problem  # why no command can use it, in one line; None if it is sound
        self.split = None  # the two-heads line, when there are several
        if len(self.heads) > 1:
            tips = " and ".join(sorted(self.files[head] for head in self.heads))
            self.split = (f"the history splits in two: {tips} are both newest (two heads). "
                          f"{TWO_HEADS_ADVICE}")

    def __contains__(self, revision):
        return revision in self.files

    @property
    def head(self):
        return self.chain[-1].revision if self.chain else None

    def step_of(self, revision):
        """`revision`'s place on the line from the first migration (1 for it), or None."""
        for number, script in enumerate(self.chain, start=1):
            if script.revision == revision:
                return number
        return None

    def check(self, several_heads_allowed=False):
        """Raise BrokenHistory unless the scripts form one line (or may split, if allowed)."""
        if self.problem is not None:
            raise BrokenHistory(self.problem)
        if self.split is not None and not several_heads_allowed:
            raise BrokenHistory(self.split)


def read_history(script):
    """The History of `script`, an Alembic ScriptDirectory; never raises for a broken one."""
    migrations = Path(script.dir)
    folder = migrations.parent  # the server folder: files are named relative to it
    name = os.path.relpath(script.versions, folder)
    if not os.path.isdir(script.versions):
        return History(problem=(
            f"{name}/ is missing, so no migration can be found: restore it (`git checkout -- "
            f"{name}`), or create it empty before the first `flask db migrate`."))

    def scripts_saying(variable, value):
        """The scripts whose text sets `variable` to `value`, named from the server folder."""
        # The kit's own file scanner; imported only when a history is broken.
        from testing.history import files_saying

        return files_saying(migrations, variable, value) or ["a migration script"]

    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        try:
            revision_map = script.revision_map
            heads = list(revision_map.heads)
            failure = None
        except Exception as error:  # a script that does not load, a loop, a broken link
            failure = error
    problem = None
    for message in [str(warning.message) for warning in warned]:
        # A pasted script keeps its original's id: the duplicate comes first.
        duplicate = re.match(r"Revision (\S+) is present more than once", message)
        dangling = re.match(r"Revision (\S+) referenced from .* is not present", message)
        if duplicate:
            both = " and ".join(scripts_saying("revision", duplicate.group(1)))
            problem = (
                f"{both} have the same revision = '{duplicate.group(1)}': one was copied from the "
                "other. Give the copy an id of its own, and point the down_revision that follows "
                "it at that id.")
            break
        if dangling and problem is None:
            pointing = " and ".join(scripts_saying("down_revision", dangling.group(1)))
            problem = (
                f"{pointing} says down_revision = '{dangling.group(1)}', but no script has that "
                "revision: set it to the revision of the migration before it.")
    if problem is None and isinstance(failure, CycleDetected):
        looped = sorted({name for revision in failure.revisions
                         for name in scripts_saying("revision", revision)})
        problem = (
            f"{' and '.join(looped)} point at each other through down_revision, so the history "
            "has no beginning: the first migration says down_revision = None, and each other "
            "one names the migration before it.")
    if problem is None and failure is not None:
        problem = script_failure(failure, folder, name)
    if problem is not None:
        return History(problem=problem)
    files = {s.revision: os.path.relpath(s.path, folder) for s in script.walk_revisions()}
    chain = list(script.iterate_revisions(heads[0], "base"))[::-1] if len(heads) == 1 else []
    return History(files, chain, heads)


def keep_history(config, history):
    """Keep `history` on an Alembic Config, for everything else the command does."""
    config.attributes[KEPT_AS] = history


def kept_history(config):
    """The History the safety nets read when `config` was made (core/history.py's docstring)."""
    return config.attributes[KEPT_AS]


def script_failure(error, folder, versions_name):
    """One line for a script Alembic could not load; `versions_name` is versions/ as shown."""
    missing_id = re.match(r"Could not determine revision id from filename (\S+?)\.? ", str(error))
    if missing_id:
        return (f"{versions_name}/{missing_id.group(1)} has no `revision = '...'` line: every "
                "script needs one, the id that starts its file name.")
    place = error_place(error, folder)
    where = f"{place}: " if place else "the migration scripts cannot be read: "
    return f"{where}{error_text(error).rstrip('.')}. Fix the script; nothing was run."
