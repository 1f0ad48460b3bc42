"""The process every forked `flask` starts from (forked_flask.py): libraries imported once.

Run as a script, never imported. It serves the class grader's fork
protocol (class_grading/forks.py), one request per process: {"id", "argv",
"cwd", "env", "stdin", "stdout", "stderr", "terminal", "code"}.
"""
import atexit
import importlib
import os
import signal
import sys
from pathlib import Path

# What every `flask` command imports before it reads the app; nothing of this repository.
PRELOADED = ("flask", "flask.cli", "flask_sqlalchemy", "flask_migrate", "flask_migrate.cli",
             "alembic.command", "alembic.autogenerate", "alembic.runtime.migration",
             "sqlalchemy", "sqlalchemy.dialects.sqlite", "sqlalchemy.dialects.postgresql",
             "sqlalchemy.dialects.mysql", "psycopg", "pymysql", "dotenv", "werkzeug.serving")


def main():
    sys.path.pop(0)  # this script's folder; each process gets the `flask` executable's
    repository = str(Path(__file__).resolve().parents[2])
    sys.path.insert(0, repository)  # for the protocol alone, and off again before any fork
    from class_grading.forks import reply, serve

    sys.path.remove(repository)
    for name in PRELOADED:
        importlib.import_module(name)
    reply({"ready": True})
    serve(start)


def start(request):
    """Fork one `flask` (or `python -c`) for `request`; return its pid."""
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        os.setsid()
        streams(request)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = request["argv"]
        # What Python started the `flask` script with; the reloader re-runs exactly this.
        sys.orig_argv = [sys.executable, *request["argv"]]
        sys.path.insert(0, os.path.dirname(request["argv"][0]))  # as the console script has it
        signal.signal(signal.SIGINT, signal.default_int_handler)
        code = run_program(request["code"])
    finally:
        os._exit(code)


def streams(request):
    """stdin, stdout and stderr from the request's files, or all three on its terminal."""
    if request["terminal"]:
        terminal = os.open(request["terminal"], os.O_RDWR)  # a session leader: it takes it
        files = (terminal, terminal, terminal)
    else:
        stdout = os.open(request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        stderr = stdout if request["stderr"] == request["stdout"] else os.open(
            request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        files = (os.open(request["stdin"], os.O_RDONLY), stdout, stderr)
    for number, fd in enumerate(files):
        os.dup2(fd, number)
    # New text streams on the new descriptors, line-buffered on a terminal as Python's are.
    sys.stdin = open(0, closefd=False)
    sys.stdout = open(1, "w", closefd=False, buffering=1 if request["terminal"] else -1)
    sys.stderr = open(2, "w", closefd=False, buffering=1)
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = sys.stdin, sys.stdout, sys.stderr


def run_program(source):
    """What Python does with the `flask` script (or `source`, given as `python -c` would be):
    run it, report what nothing caught, exit."""
    try:
        if source is None:
            from flask.cli import main

            main()
        else:
            exec(compile(source, "<string>", "exec"), {"__name__": "__main__"})
        code = 0
    except SystemExit as stopped:
        code = stopped.code
        if code is None:
            code = 0
        elif not isinstance(code, int):
            print(code, file=sys.stderr)
            code = 1
    except KeyboardInterrupt:
        sys.excepthook(*sys.exc_info())
        code = None  # Python ends itself with SIGINT, so its parent sees the signal
    except BaseException:
        sys.excepthook(*sys.exc_info())
        code = 1
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    if code is None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
        code = 130
    return code


if __name__ == "__main__":
    main()
