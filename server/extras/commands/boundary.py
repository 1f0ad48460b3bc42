"""The one error boundary of `flask`: every failure beyond the lesson ends in one `Error:` line.

- Our own commands raise CommandError (or a subclass) with the line to
  print; one_line() turns it into click's error, as Flask-Migrate does for
  its `flask db` commands.
- While `flask` loads the app, before any command runs, nothing can catch:
  a mistake in models.py or app.py, or a setting the app cannot use, would
  reach Python's top level, which prints a 30-line traceback mostly of
  Flask's and SQLAlchemy's code. install() adds a sys.excepthook that turns
  them into one line naming the file and line, or the setting. Anything
  else, everything under FLASK_DEBUG=1, and whatever is typed at `flask
  shell`'s prompt keep Python's traceback. app.py installs it before it
  imports models.py.
"""
import functools
import os
import sys

import click
from alembic.util import CommandError
from flask.helpers import get_debug_flag

from extras.core.messages import error_place, error_text

# The lesson's own files are the ones beside extras/: models.py, app.py, migrations/.
LESSON_FILES = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def one_line(command):
    """Decorate a click command: a CommandError from below is its one `Error:` line."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except CommandError as error:
            raise click.ClickException(str(error)) from None

    return run


def one_line_on_loading(previous_hook, lesson_files=LESSON_FILES):
    """A sys.excepthook for what goes wrong while `flask` loads the app.

    Places are named relative to `lesson_files`, the folder of models.py.
    """

    def excepthook(kind, error, traceback):
        if hasattr(sys, "ps1"):  # `flask shell`'s prompt: Python's traceback, as at any prompt
            previous_hook(kind, error, traceback)
            return
        if isinstance(error, CommandError):  # a setting or DATABASE_URL the app cannot use
            print(f"Error: {error}", file=sys.stderr)
            return
        place = error_place(error, lesson_files) if isinstance(error, Exception) else None
        if place is None or place.startswith(("migrations", "extras")) or get_debug_flag():
            previous_hook(kind, error, traceback)
            return
        print(f"Error: {place}: {error_text(error)}. Fix it and run the command again "
              "(FLASK_DEBUG=1 shows the traceback).", file=sys.stderr)

    excepthook.previous = previous_hook
    return excepthook


def install():
    """Install the hook once, however often the app module is imported."""
    if getattr(sys.excepthook, "previous", None) is None:
        sys.excepthook = one_line_on_loading(sys.excepthook)
