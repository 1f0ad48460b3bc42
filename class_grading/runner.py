"""Running the kit in one copy: a process of its own, with a time limit, ended as a group.

The runs are forks of preloaded_kit.py, which has imported pytest and the
libraries once (see there why), each in a sandbox of its own (sandbox.py)
when asked for one and the system allows it. This side hands it one
request per copy and waits, at most the time limit; then it ends the run:
a sandboxed one by asking the run's first process, which kills the kit's
process, the first of the run's PID namespace, and so every process the
copy's code started, and ends once they have all ended; any other by
killing its process group.
"""
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[1]


class GraderError(Exception):
    """The grader itself cannot run; the message says why, in one line."""


@dataclass
class Finished:
    returncode: int | None  # None: timed out, or the preloaded process died under it
    timed_out: bool
    peak_rss: int  # bytes, of the run's own process


class _Run:
    def __init__(self):
        self.started = threading.Event()
        self.ended = threading.Event()
        self.pid = None
        self.returncode = None
        self.peak_rss = 0


class KitRunner:
    """Starts kit runs, one process each, side by side; use it as a context manager."""

    def __init__(self):
        try:
            self.process = subprocess.Popen([sys.executable, "-m", "class_grading.preloaded_kit"],
                                            cwd=REPO_DIR, stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE)
        except OSError as error:
            raise GraderError(f"cannot start Python for the kit: {error}") from None
        ready = self.process.stdout.readline()
        if not ready:
            self.process.wait()
            raise GraderError(f"{sys.executable} cannot import pytest, pytest-alembic, Flask-"
                              "Migrate and SQLAlchemy: run the grader with this repository's "
                              "environment (`pipenv run grade-class`)")
        # None when every run can have a sandbox here; otherwise why not, in one line.
        self.sandbox_problem = json.loads(ready)["sandbox_problem"]
        self.runs = {}
        self.gone = False  # the preloaded process has exited: no run can start or end
        self.ids = itertools.count()
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def run(self, root, args, env, log, timeout, writable=None):
        """pytest `args` in `root`, with exactly `env`, output to `log`: a Finished.

        With `writable` (a folder holding `root` and `log`), the run is sandboxed
        so that it writes nowhere else, unless sandbox_problem says it cannot be.
        """
        run = _Run()
        confined = str(writable) if writable is not None and not self.sandbox_problem else None
        with self.lock:
            number = next(self.ids)
            self.runs[number] = run
            request = {"id": number, "root": str(root), "args": args, "env": env, "log": str(log),
                       "sandbox": confined}
            try:
                self.process.stdin.write(json.dumps(request).encode() + b"\n")
                self.process.stdin.flush()
            except (BrokenPipeError, ValueError):
                self.gone = True
            if self.gone:
                run.started.set()
                run.ended.set()
        run.started.wait()
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
        try:
            self.process.stdin.close()
        except OSError:
            pass
        self.process.wait()
        self.reader.join()

    def _read(self):
        for line in self.process.stdout:
            message = json.loads(line)
            run = self.runs[message["id"]]
            if "pid" in message:
                run.pid = message["pid"]
                run.started.set()
            else:
                run.returncode, run.peak_rss = message["returncode"], message["peak_rss"]
                run.ended.set()
        with self.lock:  # the preloaded process is gone: nothing more will start or end
            self.gone = True
            for run in self.runs.values():
                run.started.set()
                run.ended.set()
