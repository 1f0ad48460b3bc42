"""What `flask db migrate` and `flask db check` do about drift, before anything is written.

Each difference gets a line; then `check` fails, and `migrate` refuses to
write a migration that would put the hand change into the history, unless
`-x drift=undo` says to write it anyway. Where no shadow database can be
made, one line says so and the command goes on as it would without this.
"""
from alembic.util import CommandError

from extras.drift.compare import find_drift, history_up_to
from extras.drift.shadow import ShadowUnavailable

FIX = ("On a practice database, delete it and run `flask db upgrade` to build it again from "
       "the migrations; on one whose data matters, undo the change by hand "
       "(docs/safety-nets.md, \"Drift\")")


def check_drift(connection, history, revision, command, x_arguments, terminal):
    """Stop `command` ("migrate" or "check") with one line if the database drifted.

    `revision` is the one the database is at, `history` core/history.py's
    History. A database with no migration applied, or at a revision the
    scripts do not know, has no history to compare with: nothing is said.
    """
    choice = x_arguments.get("drift")
    if choice not in (None, "undo"):
        raise CommandError(f"-x drift must be undo, not {choice!r}.")
    scripts = history_up_to(history.chain, revision)
    if scripts is None:
        return
    try:
        differences = find_drift(connection, scripts)
    except ShadowUnavailable as error:
        terminal.say(f"Drift not checked: no shadow database could be made ({error}).")
        return
    if not differences:
        return
    for difference in differences:
        terminal.warn(f"DRIFT: {difference}.")
    if command == "migrate" and choice == "undo":
        terminal.warn("-x drift=undo: the new migration undoes these hand changes on this "
                      "database only; every database built from the migrations fails on it.")
        return
    if command == "migrate":
        raise CommandError(
            "the database was changed by hand (drift, listed above), so no migration was "
            "written: it would put the hand change into the history, and every database built "
            f"from the migrations would fail on it. {FIX}; then run `flask db migrate` again. "
            "To write it anyway: `flask db migrate -x drift=undo`.")
    raise CommandError(f"the database was changed by hand (drift, listed above). {FIX}.")
