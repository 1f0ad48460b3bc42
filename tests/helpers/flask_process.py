"""The real `flask` executable, run from server/ the way a learner runs it."""
import os
import subprocess
import sys
from pathlib import Path

SERVER_DIR = Path(__file__).resolve().parent.parent
FLASK = Path(sys.executable).with_name("flask")


def flask_env(database_url):
    """The test's environment for `flask`, pointed at `database_url`.

    FLASK_* variables are left out on purpose: .flaskenv must supply them.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env["DATABASE_URL"] = database_url
    return env


def flask(*args, database_url):
    """Run `flask *args` to the end; returns the CompletedProcess."""
    return subprocess.run(
        [str(FLASK), *args], cwd=SERVER_DIR, env=flask_env(database_url),
        capture_output=True, text=True,
    )
