"""An error in one line, and the place in the learner's own files where it happened.

The grading kit words errors for learners too; these are its functions
(testing/places.py), so a message reads the same in `flask` and in the
scorecard. script_frames() finds a mistake inside a migration script.
"""
import os
import traceback

from testing.places import database_words as first_line  # noqa: F401 (the driver's own words)
from testing.places import error_place, error_text  # noqa: F401 (re-exported)


def script_frames(error):
    """The traceback frames inside migrations/versions: where a script went wrong.

    A versions/ folder counts only beside an env.py: pyenv's own
    ~/.pyenv/versions/ holds the standard library.
    """
    if isinstance(error, SyntaxError):
        return [error] if in_migration_scripts(error.filename or "") else []
    return [f for f in traceback.extract_tb(error.__traceback__)
            if in_migration_scripts(f.filename)]


def in_migration_scripts(filename):
    folder = os.path.dirname(filename)
    return (os.path.basename(folder) == "versions"
            and os.path.isfile(os.path.join(os.path.dirname(folder), "env.py")))
