"""The process every copy's kit run starts from: pytest and the libraries imported once, a fork.

Run by runner.py as `python -m class_grading.preloaded_kit`, never
imported. Starting Python and importing pytest, Flask, SQLAlchemy and
Alembic takes about a second; the kit's own checks half that. So this
process imports them once, and each copy's run is a fork of it: a process
of its own, in a session (process group) of its own, in its sandbox
(sandbox.py) when it asks for one, in the copy's folder, that imports the
copy's models.py and the kit afresh and runs `pytest.main`. Nothing of the
copy, of the kit or of this repository but sandbox.py is imported here,
and the copy's folder is not put on sys.path (see server/testing/grade.py).

It answers {"ready": true, "sandbox_problem": why or null} once started,
then reads one JSON request per line on stdin ({"id", "root", "args",
"env", "log", "sandbox": the folder the run may write in, or null}) and
answers on stdout: {"id", "pid"} when a run starts, {"id", "returncode",
"peak_rss"} when it ends. When stdin closes it ends every run still going
and exits.
"""
import gc
import importlib
import json
import os
import select
import signal
import sys
import tempfile
import traceback

from class_grading import sandbox

PRELOADED = ("pytest", "_pytest.junitxml", "pytest_alembic", "flask", "flask_sqlalchemy",
             "flask_migrate", "alembic.command", "alembic.autogenerate", "sqlalchemy")
CRASHED = 70  # a run that raised outside pytest (EX_SOFTWARE)
RSS_UNIT = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux


def main():
    sys.path.pop(0)  # this repository's folder: a copy must import its own modules, never ours
    for name in PRELOADED:
        importlib.import_module(name)
    gc.freeze()  # the runs' garbage collections skip (and so never copy) what is imported here
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the grader's to handle
    reply({"ready": True, "sandbox_problem": sandbox.problem()})
    runs = {}  # pid -> request id
    pending = b""
    while True:
        readable, _, _ = select.select([0], [], [], 0.05)
        if readable:
            chunk = os.read(0, 65536)
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                request = json.loads(line)
                pid = start(request)
                runs[pid] = request["id"]
                reply({"id": request["id"], "pid": pid})
        reap(runs, os.WNOHANG)
    for pid in runs:  # the grader is gone: nobody would wait for these
        end_group(pid)
    reap(runs, 0)


def start(request):
    """Fork one run of pytest for `request`; return its pid."""
    sys.stdout.flush()
    pid = os.fork()
    if pid:
        return pid
    code = CRASHED
    try:
        os.setsid()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        nothing = os.open(os.devnull, os.O_RDONLY)
        os.dup2(nothing, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.closerange(3, 256)  # the grader's pipes among them
        if request.get("sandbox"):
            sandbox.enter(request["sandbox"])
        os.chdir(request["root"])
        os.environ.clear()
        os.environ.update(request["env"])
        tempfile.tempdir = None  # found again from TMPDIR, not as the sandbox's probe found it
        import pytest

        code = int(pytest.main(request["args"]))
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def reap(runs, options):
    """Report every run that has ended; with options=0, wait for all of them."""
    while runs:
        try:
            pid, status, usage = os.wait4(-1, options)
        except ChildProcessError:
            return
        if pid == 0:
            return
        end_group(pid)  # anything the copy's code left running in its group
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


if __name__ == "__main__":
    main()
