"""The process every copy's kit run starts from: pytest and the libraries imported once, a fork.

Run by runner.py as `python -m class_grading.preloaded_kit`, never
imported. Starting Python and importing pytest, Flask, SQLAlchemy and
Alembic takes about a second; the kit's own checks half that. So this
process imports them once, and each copy's run is a fork of it: a process
of its own, in a session (process group) of its own, in its sandbox
(server/testing/sandbox.py) when it asks for one, in the copy's folder, that imports the
copy's models.py and the kit afresh and runs `pytest.main`. Nothing of the
copy, of the kit or of this repository but the kit's sandbox.py is imported here,
and the copy's folder is not put on sys.path (see server/testing/grade.py).

It answers {"ready": true, "sandbox_problem": why or null} once started,
then serves forks.py's protocol, one request per copy: {"id", "root",
"args", "env", "log", "sandbox": the folder the run may write in, or null}.
"""
import gc
import importlib
import os
import signal
import sys
import tempfile
import traceback

from class_grading.forks import reply, serve
from server.testing import sandbox
from server.testing.grade import LIBRARIES

PRELOADED = ("pytest", "_pytest.junitxml", *LIBRARIES)
CRASHED = 70  # a run that raised outside pytest (EX_SOFTWARE)


def main():
    sys.path.pop(0)  # this repository's folder: a copy must import its own modules, never ours
    for name in PRELOADED:
        try:
            importlib.import_module(name)
        except ImportError:  # a database driver this environment does not have
            pass
    gc.freeze()  # the runs' garbage collections skip (and so never copy) what is imported here
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the grader's to handle
    reply({"ready": True, "sandbox_problem": sandbox.problem()})
    serve(start)


def start(request):
    """Fork one run of pytest for `request`; return its pid."""
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


if __name__ == "__main__":
    main()
