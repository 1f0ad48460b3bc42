"""One KitRunner per test process: the grader's own preloaded process, shared by every test.

grade-class forks each copy's kit run from a process that has imported
pytest and the libraries once (class_grading/runner.py); the tests grade
their copies the same way, so that a copy costs its checks rather than
Python's start-up. Each pytest-xdist worker is a process of its own and
gets its own runner; it is closed when the process exits.
"""
import atexit
import threading

from class_grading.runner import KitRunner

_lock = threading.Lock()
_runner = None


def shared_runner():
    global _runner
    with _lock:
        if _runner is None:
            _runner = KitRunner()
            atexit.register(_runner.close)
        return _runner
