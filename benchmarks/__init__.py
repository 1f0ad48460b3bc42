"""A benchmark of the lesson's migrations at scale, the grading suite and the CLI.

Run it from the top folder with `pipenv run bench` (README, "Performance").
It measures and reports; it never fails because something is slow.

The lesson's modules import each other by plain name (`from models import
db`), which pytest.ini arranges for the tests with `pythonpath = server`;
the same folder goes on sys.path here, so the bench drives the real app.
"""
import sys
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
SERVER_DIR = REPO_DIR / "server"

if str(SERVER_DIR) not in sys.path:
    sys.path.insert(0, str(SERVER_DIR))


class BenchError(Exception):
    """Something the bench needs is missing or broken; the message says what."""
