"""Processes forked on request from one that has imported the libraries once: both ends.

Starting Python and importing pytest, Flask, SQLAlchemy and Alembic takes
about a second. A fork server imports what its runs need once, then forks a
run for each request, so a run costs its own work. The grader's kit runs
start this way (preloaded_kit.py), and so do the tests' `flask` processes
(tests/helpers/flask_fork_server.py).

The protocol is one JSON object per line. The server says its ready message
first; then for each request ({"id", ...} on its stdin) it answers
{"id", "pid"} when the run has started and {"id", "returncode",
"peak_rss"} when it has ended (a negative returncode: killed by that
signal). When its stdin closes, it kills what still runs and exits.
"""
import itertools
import json
import os
import select
import signal
import subprocess
import sys
import threading

RSS_UNIT = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux


# The server's side: run in the fork server's own process.

def serve(start):
    """Fork a run with `start(request)` (it returns the pid) for each request, until stdin ends."""
    runs = {}  # pid -> request id
    pending = b""
    while True:
        readable, _, _ = select.select([0], [], [], 0.02)
        if readable:
            chunk = os.read(0, 65536)
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                request = json.loads(line)
                sys.stdout.flush()  # nothing buffered may be written twice by a fork
                pid = start(request)
                runs[pid] = request["id"]
                reply({"id": request["id"], "pid": pid})
        reap(runs, os.WNOHANG)
    for pid in runs:  # nobody is left to wait for these
        end_group(pid)
    reap(runs, 0)


def reap(runs, options):
    """Report every run that has ended; with options=0, wait for all of them."""
    while runs:
        try:
            pid, status, usage = os.wait4(-1, options)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if pid not in runs:
            continue
        end_group(pid)  # anything the run left running in its process group
        reply({"id": runs.pop(pid), "returncode": os.waitstatus_to_exitcode(status),
               "peak_rss": usage.ru_maxrss * RSS_UNIT})


def end_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def reply(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


# The client's side.

class Fork:
    """One run, as the client sees it: its pid once started, its end."""

    def __init__(self):
        self.started = threading.Event()
        self.ended = threading.Event()
        self.pid = None
        self.returncode = None  # None if the fork server died under it
        self.peak_rss = 0


class ForkServer:
    """A fork server started with `command`; `ready` is its first message, or None if it said
    nothing (it could not start: its libraries are missing)."""

    def __init__(self, command, **popen_options):
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        **popen_options)
        line = self.process.stdout.readline()
        self.ready = json.loads(line) if line else None
        self.forks = {}
        self.gone = False  # the server has exited: no run can start or end
        self.ids = itertools.count()
        self.lock = threading.Lock()
        if self.ready is None:
            self.process.wait()
            self.process.stdout.close()
            return
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def request(self, request):
        """Send `request` (its "id" is added); return its Fork once it has started."""
        fork = Fork()
        with self.lock:
            number = next(self.ids)
            self.forks[number] = fork
            try:
                self.process.stdin.write(json.dumps({**request, "id": number}).encode() + b"\n")
                self.process.stdin.flush()
            except (BrokenPipeError, ValueError):
                self.gone = True
            if self.gone:
                fork.started.set()
                fork.ended.set()
        fork.started.wait()
        return fork

    def close(self):
        """No more runs: the server ends any still going, and exits."""
        try:
            self.process.stdin.close()
        except OSError:
            pass
        self.process.wait()
        if self.ready is not None:
            self.reader.join()
            self.process.stdout.close()

    def _read(self):
        for line in self.process.stdout:
            message = json.loads(line)
            fork = self.forks[message["id"]]
            if "pid" in message:
                fork.pid = message["pid"]
                fork.started.set()
            else:
                fork.returncode, fork.peak_rss = message["returncode"], message["peak_rss"]
                fork.ended.set()
        with self.lock:  # the server is gone: nothing more will start or end
            self.gone = True
            for fork in self.forks.values():
                fork.started.set()
                fork.ended.set()
