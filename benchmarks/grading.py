"""Timing the grading of one copy: the kit alone (server/testing/), on SQLite, from the top folder.

What an instructor waits for per learner: `pipenv run grade`, timed as it
is typed when pipenv is on PATH, and as the kit's launcher alone, without
pipenv's own start-up. A kit that fails is reported as FAILED, with its time.
"""
import shutil
import sys

from benchmarks.suite import best_of

KIT_RUN = ("python server/testing/grade.py -q",
           [sys.executable, "server/testing/grade.py", "-q"])


def time_grading(repeat, say):
    """One JSON-ready row per command: best wall time, tests run, passed or not."""
    commands = [KIT_RUN]
    pipenv = shutil.which("pipenv")
    if pipenv:
        # -q: pytest's report too, so that the checks run are counted as for the launcher
        commands.append(("pipenv run grade -q", [pipenv, "run", "grade", "-q"]))
    else:
        say("pipenv is not on PATH: `pipenv run grade` is not timed")
    return [
        {"command": label, **best_of(command, "", repeat, say, f"grading on SQLite ({label})")}
        for label, command in commands
    ]
