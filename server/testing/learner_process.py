"""The copy's code runs here, in a child process; the kit only reads what it left behind.

models.py and the migrations are the learner's code, and the kit's own
process computes and writes the grade, so the copy's code never runs in
it (docs/grading.md, "How the grade is protected"). Each piece of it runs
in a fork of the kit's process, made after the kit imported Flask,
Flask-SQLAlchemy, Flask-Migrate, Alembic and SQLAlchemy: a migration up or
down to one revision, or models.py's tables made with `db.create_all()`.
The kit then looks inside the database itself.

The fork runs in a session of its own, from a scratch copy of the copy's
server/ folder, with a bare environment and the copy's folder last on
sys.path (after the libraries). It is confined with sandbox.py where the
kernel allows it (it writes only its database's folder, and when it ends
every process it started ends with it); as root without that it runs as
`nobody`. It has a memory limit (GRADING_MEMORY_LIMIT, MiB per process)
and the whole run a time limit for the copy's code (GRADING_TIME_LIMIT,
seconds). It answers one line of JSON; every text in it is the copy's,
made safe (safe_text.py) before the kit uses it. It and every process it
started are ended before the kit goes on.
"""
import json
import os
import resource
import select
import shutil
import signal
import sys
import tempfile
import time
import warnings
from pathlib import Path

from . import sandbox
from .safe_text import safe

TIME_LIMIT_VARIABLE = "GRADING_TIME_LIMIT"
MEMORY_LIMIT_VARIABLE = "GRADING_MEMORY_LIMIT"
LIMITS = {TIME_LIMIT_VARIABLE: 60, MEMORY_LIMIT_VARIABLE: 2048}  # seconds; MiB
# "nobody" makes the kit use its fallback even where the sandbox works (the tests use it).
CONFINEMENT_VARIABLE = "GRADING_CONFINEMENT"
NOBODY = 65534
NOT_COPIED = shutil.ignore_patterns("testing", "__pycache__", "instance", "*.db", "*.sqlite*")
PR_SET_CHILD_SUBREAPER = 36
MOST_NOTES = 20
LONGEST_ANSWER = 1 << 20  # bytes


class LimitError(ValueError):
    """A limit set to something that is not a positive number; the message says which."""


def limit(variable):
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return LIMITS[variable]
    try:
        value = float(raw)
    except ValueError:
        value = 0
    if not value > 0:
        unit = "seconds" if variable == TIME_LIMIT_VARIABLE else "MiB"
        raise LimitError(f"{variable} is a number of {unit} above 0, not {raw!r}")
    return value


class LearnerCode:
    """Runs the copy's code for one grading run; make one, use run(), then close()."""

    def __init__(self, server_dir):
        self.time_limit = limit(TIME_LIMIT_VARIABLE)
        self.memory_limit = int(limit(MEMORY_LIMIT_VARIABLE) * 1024 * 1024)
        self.scratch = Path(tempfile.mkdtemp(prefix="grading-"))
        self.server = self.scratch / "server"
        shutil.copytree(server_dir, self.server, symlinks=True, ignore=NOT_COPIED,
                        ignore_dangling_symlinks=True)
        self.confinement = self.choose_confinement()
        self.deadline = None  # set when the copy's code first runs
        self.timed_out = False
        self.folders = 0

    def choose_confinement(self):
        if os.environ.get(CONFINEMENT_VARIABLE) != "nobody" and sandbox.problem() is None:
            return "sandbox"
        if os.geteuid() != 0:
            self.catch_escaped()
            return "session"  # an unprivileged user without namespaces: limits and a session
        self.catch_escaped()
        for folder in [self.scratch, *self.scratch.parents]:  # let nobody reach the scratch
            info = folder.stat()
            if info.st_uid == 0 and not info.st_mode & 0o001:
                folder.chmod(info.st_mode | 0o001)
        for path in [self.server, *self.server.rglob("*")]:
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | 0o005)
        return "nobody"

    def catch_escaped(self):
        """Processes that leave the child's session become this process's children (Linux)."""
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        except (OSError, AttributeError):
            pass

    def folder(self, name):
        """A new folder for one database's files, which the child may write."""
        self.folders += 1
        path = self.scratch / f"{name}-{self.folders}"
        path.mkdir()
        if self.confinement == "nobody":
            os.chown(path, NOBODY, NOBODY)
        return path

    def close(self):
        shutil.rmtree(self.scratch, ignore_errors=True)

    def out_of_time(self):
        return (f"stopped: the copy's code ran for the {self.time_limit:g} s it may take in one "
                f"grading run ({TIME_LIMIT_VARIABLE})")

    def run(self, job, folder):
        """Run `job` in a child process writing only in `folder`; its answer, a dict of safe text.

        {"failure": why, in one line, or None; "notes": [warnings raised, as notes]}
        """
        if self.deadline is None:
            self.deadline = time.monotonic() + self.time_limit
        if self.timed_out or time.monotonic() >= self.deadline:
            self.timed_out = True
            return {"failure": self.out_of_time(), "notes": []}
        before = children()
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            os.close(reader)
            child(job, folder, self, writer)
        os.close(writer)
        data, ended = self.wait(pid, reader)
        os.close(reader)
        self.end(pid, ended, before)
        return self.answer(data, ended)

    def wait(self, pid, reader):
        """(what the child wrote, its wait status or None) once it answered, ended or ran out."""
        data, status = b"", None
        while b"\n" not in data and len(data) < LONGEST_ANSWER:
            left = self.deadline - time.monotonic()
            if left <= 0:
                self.timed_out = True
                break
            ready, _, _ = select.select([reader], [], [], min(left, 0.05))
            if ready:
                chunk = os.read(reader, 65536)
                data += chunk
                if not chunk:
                    break
            elif status is None:
                done, status = os.waitpid(pid, os.WNOHANG)
                if not done:
                    status = None
                elif not select.select([reader], [], [], 0)[0]:
                    break
        return data, status

    def end(self, pid, status, before):
        """The child, and every process it started, ended and waited for."""
        if status is None and self.confinement == "sandbox" and not self.timed_out:
            # It answered: its namespace's first process is about to exit, which ends
            # every process in the namespace before the child can be waited for.
            deadline = time.monotonic() + 2
            while status is None and time.monotonic() < deadline:
                done, found = os.waitpid(pid, os.WNOHANG)
                status = found if done else time.sleep(0.001)
        if status is None:
            signal_group(pid, signal.SIGTERM if self.confinement == "sandbox"
                         else signal.SIGKILL)
            os.waitpid(pid, 0)
        signal_group(pid, signal.SIGKILL)
        while True:  # processes that left its session, caught by catch_escaped()
            escaped = children() - before
            if not escaped:
                break
            for other in escaped:
                try:
                    os.kill(other, signal.SIGKILL)
                    os.waitpid(other, 0)
                except (ProcessLookupError, ChildProcessError, PermissionError):
                    pass

    def answer(self, data, status):
        if self.timed_out:
            return {"failure": self.out_of_time(), "notes": []}
        try:
            said = json.loads(data.decode("utf-8", errors="replace").splitlines()[0])
            failure = said.get("failure")
            notes = said.get("notes") or []
            if not isinstance(notes, list):
                raise TypeError
        except (ValueError, IndexError, AttributeError, TypeError):
            code = "?" if status is None else os.waitstatus_to_exitcode(status)
            how = f"killed by signal {-code}" if isinstance(code, int) and code < 0 else \
                f"exit code {code}"
            return {"failure": f"the copy's code ended the process ({how}) before it finished",
                    "notes": []}
        return {"failure": None if failure is None else safe(failure, newlines=False),
                "notes": [safe(note, newlines=False) for note in notes[:MOST_NOTES]]}


def signal_group(pid, number):
    try:
        os.killpg(pid, number)
    except (ProcessLookupError, PermissionError):
        pass


def children():
    """The ids of this process's children, from /proc (Linux); an empty set elsewhere."""
    me, found = os.getpid(), set()
    try:
        names = os.listdir("/proc")
    except OSError:
        return found
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as file:
                fields = file.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:
            found.add(int(name))
    return found


# The child's side. Nothing here returns: it answers on `writer` and exits.


def child(job, folder, code, writer):  # pragma: no cover - runs in the fork
    answer = {"failure": "the copy's code could not be started", "notes": []}
    try:
        os.setsid()
        quiet(writer)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        confine(code, folder)
        answer = JOBS[job["kind"]](job, code.server)
    except MemoryError:
        answer = {"failure": f"the copy's code used more memory than the "
                             f"{code.memory_limit // 2**20} MiB it may use "
                             f"({MEMORY_LIMIT_VARIABLE})", "notes": []}
    except BaseException as error:  # noqa: BLE001 - said in one line, to the kit
        from .places import error_text

        answer = {"failure": error_text(error), "notes": []}
    finally:
        try:
            os.write(writer, json.dumps(answer).encode() + b"\n")
        finally:
            os._exit(0)


def quiet(writer):
    """Nothing but `writer` leads out: every other file the kit had open is /dev/null here."""
    nothing = os.open(os.devnull, os.O_RDWR)
    for name in os.listdir("/proc/self/fd") if os.path.isdir("/proc/self/fd") else ["0", "1", "2"]:
        number = int(name)
        if number not in (writer, nothing):
            try:
                os.dup2(nothing, number)
            except OSError:
                pass


def confine(code, folder):
    os.chdir(code.server)
    if code.confinement == "sandbox":
        sandbox.enter(folder, code.memory_limit)
    else:
        if code.confinement == "nobody":
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
        resource.setrlimit(resource.RLIMIT_AS, (code.memory_limit, code.memory_limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.environ.clear()
    os.environ.update({"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(folder),
                       "TMPDIR": str(folder), "LANG": "C.UTF-8"})
    tempfile.tempdir = None
    server = str(code.server)
    sys.path[:] = [p for p in sys.path if p not in ("", ".", server)] + [server]


def load(server):
    from .learner_copy import load_models

    return load_models(Path(server))


def models_job(job, server):
    from .learner_copy import ModelsUnusable

    try:
        _, notes = load(server)
    except ModelsUnusable as error:
        return {"failure": str(error), "notes": []}
    return {"failure": None, "notes": notes}


def migrate_job(job, server):
    from alembic import command

    from .learner_copy import grading_app, warning_notes
    from .migration_errors import failure_reason

    db, _ = load(server)
    app = grading_app(db, job["url"], Path(server) / "migrations")
    run = command.upgrade if job["direction"] == "up" else command.downgrade
    with app.app_context(), warnings.catch_warnings(record=True) as raised:
        warnings.simplefilter("always")
        config = app.extensions["migrate"].migrate.get_config()
        try:
            run(config, job["revision"])
            failure = None
        except (Exception, SystemExit) as error:
            failure = failure_reason(error, Path(server))
    return {"failure": failure, "notes": warning_notes(raised, Path(server))}


def create_all_job(job, server):
    from sqlalchemy.exc import CompileError, SQLAlchemyError

    from .learner_copy import grading_app, warning_notes
    from .migration_errors import engine_hint
    from .places import database_words

    db, _ = load(server)
    app = grading_app(db, job["url"], Path(server) / "migrations")
    with app.app_context(), warnings.catch_warnings(record=True) as raised:
        warnings.simplefilter("always")
        try:
            db.create_all()
            failure = None
        except CompileError as error:  # e.g. a String without a length on MariaDB
            failure = engine_hint([error]) or str(error)
        except SQLAlchemyError as error:
            failure = database_words(error)
        finally:
            db.engine.dispose()
    return {"failure": failure, "notes": warning_notes(raised, Path(server))}


JOBS = {"models": models_job, "migrate": migrate_job, "create_all": create_all_job}
