"""The real `flask` executable, run from a folder the way a learner runs it there."""
import os
import subprocess
import sys
from pathlib import Path

from helpers.paths import SERVER_DIR

FLASK = Path(sys.executable).with_name("flask")


def flask_env(database_url=None):
    """The caller's environment without FLASK_* and DATABASE_URL, then `database_url` if given.

    The folder's own .flaskenv must supply the FLASK_* settings, as it does
    for a learner; without a DATABASE_URL the app uses its SQLite default.
    """
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("FLASK_") and name != "DATABASE_URL"}
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return env


def flask(*args, database_url, cwd=SERVER_DIR):
    """Run `flask *args` in `cwd` to the end; returns the CompletedProcess."""
    return subprocess.run(
        [str(FLASK), *args], cwd=cwd, env=flask_env(database_url), capture_output=True, text=True,
    )

