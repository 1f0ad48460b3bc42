"""The real `flask`, run from a folder the way a learner runs it there.

Each is a process of its own, forked from one that has imported the
libraries already (forked_flask.py), so a test pays for its command and not
for Python's start-up. FLASK is the executable itself, for what must start
it (the reloader, the bench).
"""
import os

from helpers.forked_flask import FLASK, forks
from helpers.paths import SERVER_DIR

__all__ = ["FLASK", "flask", "flask_env", "start_flask"]


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


def flask(*args, database_url, cwd=SERVER_DIR, settings=None, timeout=60, stdin=None):
    """Run `flask *args` in `cwd` to the end; returns a CompletedProcess (text output).

    `settings` are further environment variables, such as FLASK_DEBUG; `stdin`
    is a file to read, as what is typed.
    """
    return forks().run(*args, cwd=cwd, env=flask_env(database_url) | (settings or {}),
                       timeout=timeout, stdin=stdin)


def start_flask(*args, database_url, cwd=SERVER_DIR, settings=None, **options):
    """Start `flask *args` in `cwd` and return at once: a ForkedFlask, Popen's calls."""
    return forks().start(*args, cwd=cwd, env=flask_env(database_url) | (settings or {}),
                         **options)
