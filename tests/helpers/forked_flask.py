"""Real `flask` processes without Python's start-up: each one forked from a process that has
imported the libraries once.

A `flask` process spends about a second starting Python and importing
Flask, SQLAlchemy, Alembic and the drivers, before it reads a single line of
this repository. FORK_SERVER imports those libraries, and nothing of this
repository, once; every `flask` a test asks for is then a fork of it: a
process of its own, in a session of its own, in the folder asked for, with
exactly the environment asked for, which runs flask's own `main()` as the
`flask` executable does and imports app.py, models.py and extras/ afresh.
What a process boundary is there for still happens in it: .flaskenv is read,
sys.excepthook sees what nothing caught, signals and kill -9 reach it, and
several run at once. The reloader re-runs the `flask` executable itself,
so the reload tests start that instead.
"""
import atexit
import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from class_grading.forks import ForkServer

FLASK = Path(sys.executable).with_name("flask")
FORK_SERVER = Path(__file__).with_name("flask_fork_server.py")


class ForkedFlask:
    """One forked `flask`: the subprocess.Popen calls the tests use, and its output files."""

    def __init__(self, fork, args, stdout, stderr):
        self.fork = fork  # class_grading.forks.Fork
        self.args = [str(FLASK), *args]
        self.stdout_path, self.stderr_path = stdout, stderr

    @property
    def pid(self):
        return self.fork.pid

    @property
    def returncode(self):
        return self.fork.returncode if self.fork.ended.is_set() else None

    def poll(self):
        return self.returncode

    def wait(self, timeout=None):
        if not self.fork.ended.wait(timeout):
            raise subprocess.TimeoutExpired(self.args, timeout)
        return self.returncode

    def send_signal(self, number):
        if self.returncode is None:
            os.kill(self.pid, number)

    def kill(self):
        self.send_signal(signal.SIGKILL)

    def first_line(self, timeout):
        """The first line it writes to stdout, as soon as it is whole (it may still run)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""
            if "\n" in text or self.fork.ended.is_set():
                return text.partition("\n")[0] + "\n"
            time.sleep(0.05)
        raise subprocess.TimeoutExpired(self.args, timeout)

    def communicate(self, timeout=None):
        """(stdout, stderr) once it has ended, as text; stderr is None when merged."""
        self.wait(timeout)
        stdout = self.stdout_path.read_text(errors="replace")
        if self.stderr_path == self.stdout_path:
            return stdout, None
        return stdout, self.stderr_path.read_text(errors="replace")


class FlaskForks:
    """The fork server of one test process (class_grading/forks.py's protocol)."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="flask-forks-"))
        clean = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        # Started from / with no PYTHONPATH: its sys.path is a new `flask`'s, not the tests'.
        self.server = ForkServer([sys.executable, str(FORK_SERVER)], cwd="/", env=clean)
        if self.server.ready != {"ready": True}:
            raise RuntimeError("the flask fork server did not start")
        self.ids = itertools.count()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        """End the server (it kills whatever still runs) and remove the output files."""
        self.server.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def start(self, *args, cwd, env, stdin=None, terminal=None, merged=False, output=None,
              code=None):
        """Start `flask *args` in `cwd` with exactly `env`; returns its ForkedFlask at once.

        `stdin` is a file to read (else /dev/null); `terminal` names a pseudo-terminal
        (os.ttyname) to be the process's controlling terminal and all three streams;
        `merged` writes stderr where stdout goes, in the order written, and `output`
        names the file for both. `code` runs that Python instead of `flask`, as
        `python -c code *args` would.
        """
        number = next(self.ids)
        stdout = Path(output) if output else self.folder / f"{number}.out"
        stderr = stdout if merged or output is not None else self.folder / f"{number}.err"
        argv = [str(FLASK) if code is None else "-c", *map(str, args)]
        fork = self.server.request({
            "argv": argv, "cwd": str(cwd), "code": code, "env": env,
            "stdin": str(stdin or os.devnull), "terminal": terminal,
            "stdout": str(stdout), "stderr": str(stderr)})
        if fork.pid is None:
            raise RuntimeError("the flask fork server is gone")
        return ForkedFlask(fork, [str(a) for a in args], stdout, stderr)

    def run(self, *args, cwd, env, timeout=60, **options):
        """Run `flask *args` to the end: a CompletedProcess, as subprocess.run gives."""
        run = self.start(*args, cwd=cwd, env=env, **options)
        try:
            stdout, stderr = run.communicate(timeout)
        except subprocess.TimeoutExpired:
            run.kill()
            run.wait(10)
            raise
        return subprocess.CompletedProcess(run.args, run.returncode, stdout, stderr)


_forks = None


def forks():
    """This process's fork server, started on first use and ended when the process ends."""
    global _forks
    if _forks is None:
        _forks = FlaskForks()
        atexit.register(_forks.close)
    return _forks
