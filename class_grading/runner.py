"""Running the kit in one copy: a process of its own, with a time limit, ended as a group.

The runs are forks of preloaded_kit.py, which has imported pytest and the
libraries once (see there why), each in a sandbox of its own (server/testing/sandbox.py)
when asked for one and the system allows it. This side hands it one
request per copy and waits, at most the time limit; then it ends the run:
a sandboxed one by asking the run's first process, which kills the kit's
process, the first of the run's PID namespace, and so every process the
copy's code started, and ends once they have all ended; any other by
killing its process group.
"""
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from class_grading.forks import ForkServer

REPO_DIR = Path(__file__).resolve().parents[1]


class GraderError(Exception):
    """The grader itself cannot run; the message says why, in one line."""


@dataclass
class Finished:
    returncode: int | None  # None: timed out, or the preloaded process died under it
    timed_out: bool
    peak_rss: int  # bytes, of the run's own process


class KitRunner:
    """Starts kit runs, one process each, side by side; use it as a context manager."""

    def __init__(self):
        try:
            self.server = ForkServer([sys.executable, "-m", "class_grading.preloaded_kit"],
                                     cwd=REPO_DIR)
        except OSError as error:
            raise GraderError(f"cannot start Python for the kit: {error}") from None
        if self.server.ready is None:
            raise GraderError(f"{sys.executable} cannot import pytest, Flask-"
                              "Migrate and SQLAlchemy: run the grader with this repository's "
                              "environment (`pipenv run grade-class`)")
        # None when every run can have a sandbox here; otherwise why not, in one line.
        self.sandbox_problem = self.server.ready["sandbox_problem"]

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def run(self, root, args, env, log, timeout, writable=None):
        """pytest `args` in `root`, with exactly `env`, output to `log`: a Finished.

        With `writable` (a folder holding `root` and `log`), the run is sandboxed
        so that it writes nowhere else, unless sandbox_problem says it cannot be.
        """
        confined = str(writable) if writable is not None and not self.sandbox_problem else None
        run = self.server.request({"root": str(root), "args": args, "env": env, "log": str(log),
                                   "sandbox": confined})
        timed_out = not run.ended.wait(timeout)
        if timed_out:
            try:
                if confined:  # its first process waits until every process of the run is gone
                    os.kill(run.pid, signal.SIGTERM)
                else:
                    os.killpg(run.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            run.ended.wait()
        return Finished(None if timed_out else run.returncode, timed_out, run.peak_rss)

    def close(self):
        """No more runs: the preloaded process ends any still going, and exits."""
        self.server.close()
