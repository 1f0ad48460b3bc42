"""A benchmark of the lesson's migrations at scale, the test suites and the CLI.

Run it from the top folder with `pipenv run bench` (docs/performance.md).
It measures and reports; it never fails because something is slow.

It drives the real app, so server/ goes on sys.path as pytest.ini puts it
there for the tests; so does tests/, for the plain helpers it shares with
them (helpers.paths, helpers.flask_process). It never imports pytest.
"""
import sys
from pathlib import Path

for folder in ("server", "tests"):
    path = str(Path(__file__).resolve().parent.parent / folder)
    if path not in sys.path:
        sys.path.insert(0, path)


class BenchError(Exception):
    """Something the bench needs is missing or broken; the message says what."""
