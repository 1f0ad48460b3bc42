"""What the safety nets say and ask on the terminal, for those below that must not import click.

extras.init_app() hands this module to them as their `terminal`: the lock
says who holds it, `flask db migrate` asks about renames and warns before
drops, the history check asks which command is running.
"""
import sys

import click
from alembic.util import CommandError


def say(line):
    click.echo(line, err=True)


def warn(line):
    click.secho(line, fg="yellow", err=True)


def can_ask():
    """Whether someone is there to answer: a terminal on stdin."""
    return sys.stdin is not None and sys.stdin.isatty()


def ask(question):
    """A yes-or-no question; click adds " [y/N] ", and an empty answer is no."""
    try:
        return click.confirm(question, default=False, prompt_suffix=" ")
    except click.Abort:  # Ctrl+C or Ctrl+D: Flask-Migrate would print a bare "Error:"
        raise CommandError("stopped at a rename question: no migration was written.") from None


def ask_value(question):
    """A value to type; Enter alone gives "" (no value)."""
    try:
        return click.prompt(f"{question} (Enter to leave it to you):", default="",
                            show_default=False, prompt_suffix=" ")
    except click.Abort:
        raise CommandError("stopped at a question: no migration was written.") from None


def running_command():
    """The name `flask` was given for the running command ("upgrade", "seed"), or None."""
    context = click.get_current_context(silent=True)
    return context.info_name if context is not None else None


def running_revision():
    """The running command's revision argument (`flask db upgrade head`), or None."""
    context = click.get_current_context(silent=True)
    return context.params.get("revision") if context is not None else None
