"""A mistake in models.py or app.py stops `flask` with one line naming the file and line.

app.py imports models.py while `flask` loads the app, before any command
runs, so no command can catch what goes wrong there: the exception reaches
Python's top level, which prints a 30-line traceback mostly of Flask's and
SQLAlchemy's code. app.py imports this package before models.py, and
installing this hook then turns such an error into one `Error:` line.
Anything else, and everything under FLASK_DEBUG=1, keeps Python's traceback.
"""
import os
import sys

from flask.helpers import get_debug_flag

from extras.one_line_errors import error_place, first_line

SERVER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def one_line_for_lesson_files(previous_hook):
    """A sys.excepthook that reports errors raised in the lesson's files in one line."""

    def excepthook(kind, error, traceback):
        place = error_place(error, SERVER_DIR) if isinstance(error, Exception) else None
        if place is None or place.startswith("migrations") or get_debug_flag():
            previous_hook(kind, error, traceback)
            return
        what = error.msg if isinstance(error, SyntaxError) else first_line(error)
        print(f"Error: {place}: {kind.__name__}: {what}. Fix it and run the command again "
              "(FLASK_DEBUG=1 shows the traceback).", file=sys.stderr)

    excepthook.previous = previous_hook
    return excepthook


def install():
    if getattr(sys.excepthook, "previous", None) is None:
        sys.excepthook = one_line_for_lesson_files(sys.excepthook)
