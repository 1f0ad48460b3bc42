"""The terminal side of `flask db migrate`: who answers the rename questions, and the warnings."""
import click
from alembic.util import CommandError


def choose_answerer(x_arguments, terminal_attached):
    """Return ask(question) -> bool from `-x renames` or the terminal; None if nobody can answer."""
    choice = x_arguments.get("renames")
    if choice is not None:
        if choice not in ("yes", "no"):
            raise CommandError(f"-x renames must be yes or no, not {choice!r}.")
        return lambda question: choice == "yes"
    return ask_in_terminal if terminal_attached else None


def ask_in_terminal(question):
    """click adds " [y/N] "; an empty answer is no."""
    try:
        return click.confirm(question, default=False, prompt_suffix=" ")
    except click.Abort:  # Ctrl+C or Ctrl+D: Flask-Migrate would print a bare "Error:"
        raise CommandError("stopped at a rename question: no migration was written.") from None


def print_warnings(warnings, unanswered):
    """Printed just before Alembic's "Generating ... done", the last lines of `migrate`."""
    for warning in warnings:
        click.secho(f"WARNING: the new migration {warning}.", fg="yellow", err=True)
    if warnings:
        click.secho("Read it before `flask db upgrade`: a comment marks each of these.",
                    fg="yellow", err=True)
    for old, new in unanswered:
        click.echo(f"{old} -> {new} may be a rename. To write one, delete the new script and run "
                   "`flask db migrate -x renames=yes` (or edit it as in the README).", err=True)
