"""Grading a whole class: `pipenv run grade-class PATH...` (docs/grading.md).

    copies.py         finds the learners' copies (folders, .zip, .tar.gz, git
                      bundles) and unpacks each into a private folder
    grading.py        grades one copy there with this repository's kit
    runner.py         runs the kit, one process (group) per copy, with a time limit
    preloaded_kit.py  the process those runs are forked from, pytest imported once
    databases.py      names each copy's server databases, and drops them after
    results.py        the points, from the kit's JUnit XML; the table, CSV and JUnit
    cli.py            the command

The kit's own modules (`testing`, beside extras/ in server/) tell it which
databases to use; server/ goes on sys.path so they import as the kit
imports them, also when this runs as `python -m server.extras.class_grading`.
"""
import sys
from pathlib import Path

SERVER_DIR = str(Path(__file__).resolve().parents[2])
if SERVER_DIR not in sys.path:
    sys.path.insert(0, SERVER_DIR)
