"""Who answers the rename questions of `flask db migrate`: `-x renames`, the learner, or nobody."""
from alembic.util import CommandError


def choose_answerer(x_arguments, terminal):
    """Return ask(question) -> bool from `-x renames` or the terminal; None if nobody can answer.

    Without a terminal (CI, a script) nothing is assumed: every pair stays
    as Alembic wrote it, with its warnings.
    """
    choice = x_arguments.get("renames")
    if choice is not None:
        if choice not in ("yes", "no"):
            raise CommandError(f"-x renames must be yes or no, not {choice!r}.")
        return lambda question: choice == "yes"
    return terminal.ask if terminal.can_ask() else None


def unanswered_lines(unanswered):
    """What to do about each (old, new) pair nobody could answer."""
    return [f"{old} -> {new} may be a rename. To write one, delete the new script and run "
            "`flask db migrate -x renames=yes` (or edit it as in the README)."
            for old, new in unanswered]
