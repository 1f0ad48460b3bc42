"""A broken migration history, or a broken alembic_version, in one line that names the fix.

Alembic meets a broken history deep inside whatever it was doing: a
down_revision naming nothing ends in a KeyError traceback, a pasted script
in a cycle or in "the database is newer than this code". check_history()
reads the whole history first, on every `flask db` command, `flask seed`
and the page, and says what is wrong with which file. check_version_table()
does the same for the database's alembic_version.
"""
import os
import re
import warnings

from alembic.script.revision import CycleDetected
from alembic.util import CommandError

from extras.one_line_errors import error_place

# Commands that must work with two heads: they are how one finds and joins them.
SEVERAL_HEADS_ALLOWED = ("heads", "branches", "merge")


class BrokenHistory(CommandError):
    """The scripts in versions/ do not make one line of migrations."""


class BrokenVersionTable(CommandError):
    """alembic_version holds several revisions: the database's fault, not the scripts'."""


def check_history(script, several_heads_allowed=False):
    """Raise BrokenHistory unless the scripts of `script` (a ScriptDirectory) form one line."""
    folder = os.path.dirname(script.dir)
    versions = script.versions
    name = os.path.relpath(versions, folder)
    if not os.path.isdir(versions):
        raise BrokenHistory(
            f"{name}/ is missing, so no migration can be found: restore it (`git checkout -- "
            f"{name}`), or create it empty before the first `flask db migrate`.")

    def files(variable, value):
        return scripts_setting(versions, variable, value, folder) or ["a migration script"]

    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        try:
            heads = script.revision_map.heads
            failure = None
        except Exception as error:  # a script that does not load, a loop, a broken link
            failure = error
    said = [str(warning.message) for warning in warned]
    for message in said:  # a pasted script keeps its original's id: the duplicate comes first
        duplicate = re.match(r"Revision (\S+) is present more than once", message)
        if duplicate:
            raise BrokenHistory(
                f"{' and '.join(files('revision', duplicate.group(1)))} have the same revision = "
                f"'{duplicate.group(1)}': one was copied from the other. Give the copy an id of "
                "its own, and point the down_revision that follows it at that id.")
    for message in said:
        dangling = re.match(r"Revision (\S+) referenced from .* is not present", message)
        if dangling:
            raise BrokenHistory(
                f"{' and '.join(files('down_revision', dangling.group(1)))} says down_revision = "
                f"'{dangling.group(1)}', but no script has that revision: set it to the revision "
                "of the migration before it.")
    if isinstance(failure, CycleDetected):
        looped = sorted({f for revision in failure.revisions for f in files("revision", revision)})
        raise BrokenHistory(
            f"{' and '.join(looped)} point at each other through down_revision, so the history "
            "has no beginning: the first migration says down_revision = None, and each other "
            "one names the migration before it.")
    if failure is not None:
        raise BrokenHistory(script_failure(failure, folder, name)) from failure
    if len(heads) > 1 and not several_heads_allowed:
        tips = " and ".join(sorted(os.path.relpath(script.get_revision(head).path, folder)
                                   for head in heads))
        raise BrokenHistory(
            f"the history splits in two: {tips} are both newest (two heads). Point the later "
            "one's down_revision at the other's revision, or join them with "
            "`flask db merge heads`.")


def script_failure(error, folder, versions_name):
    """One line for a script Alembic could not load; `versions_name` is versions/ as shown."""
    missing_id = re.match(r"Could not determine revision id from filename (\S+?)\.? ", str(error))
    if missing_id:
        return (f"{versions_name}/{missing_id.group(1)} has no `revision = '...'` line: every "
                "script needs one, the id that starts its file name.")
    place = error_place(error, folder)
    where = f"{place}: " if place else "the migration scripts cannot be read: "
    what = f"{type(error).__name__}: {first_line_of(error)}"
    return f"{where}{what}. Fix the script; nothing was run."


def first_line_of(error):
    if isinstance(error, SyntaxError):
        return error.msg
    lines = str(error).strip().splitlines()
    return lines[0].rstrip(".") if lines else ""


def scripts_setting(versions, variable, value, folder):
    """The scripts in `versions` whose text sets `variable` to `value`, relative to `folder`."""
    pattern = re.compile(rf"^{variable}\s*(?::[^=]*)?=\s*['\"]{re.escape(value)}['\"]", re.M)
    found = []
    for entry in sorted(os.listdir(versions)):
        path = os.path.join(versions, entry)
        if entry.endswith(".py") and os.path.isfile(path):
            with open(path, errors="replace") as file:
                if pattern.search(file.read()):
                    found.append(os.path.relpath(path, folder))
    return found


def check_version_table(migration_context, script):
    """Raise CommandError when alembic_version holds several rows in a one-line history.

    `flask db stamp --purge <revision>` is the way out, so it is let through.
    """
    if migration_context.opts.get("purge"):
        return
    rows = migration_context.get_current_heads()
    if len(rows) > 1 and len(script.get_heads()) <= 1:
        raise BrokenVersionTable(several_rows(rows))


def several_rows(rows):
    return (f"the database's alembic_version table has {len(rows)} rows ({', '.join(rows)}), "
            "but it holds one: the revision the database is at. The scripts are fine; keep the "
            "right row with `flask db stamp --purge <revision>`.")
