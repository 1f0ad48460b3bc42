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
    """Runs the copy's code for one grading run: a Child per backend (child()), then close()."""

    def __init__(self, server_dir):
        self.time_limit = limit(TIME_LIMIT_VARIABLE)
        self.memory_limit = int(limit(MEMORY_LIMIT_VARIABLE) * 1024 * 1024)
        self.confinement = self.choose_confinement()
        self.scratch = Path(tempfile.mkdtemp(prefix="grading-", dir=self.scratch_parent()))
        self.server = self.scratch / "server"
        shutil.copytree(server_dir, self.server, symlinks=True, ignore=NOT_COPIED,
                        ignore_dangling_symlinks=True)
        if self.confinement == "nobody":  # nobody reads the scratch copy, writes its folders
            self.scratch.chmod(0o711)
            for path in [self.server, *self.server.rglob("*")]:
                if not path.is_symlink():
                    path.chmod(path.stat().st_mode | 0o005)
        self.deadline = None  # set when the copy's code first runs
        self.timed_out = False
        self.folders = 0
        self.children = {}  # name -> Child, one per backend

    def choose_confinement(self):
        if os.environ.get(CONFINEMENT_VARIABLE) != "nobody" and sandbox.problem() is None:
            return "sandbox"
        self.catch_escaped()
        if os.geteuid() != 0:
            return "session"  # an unprivileged user without namespaces: limits and a session
        return "nobody"

    def scratch_parent(self):
        """Where the scratch folder goes: the temporary folder, if `nobody` can reach it."""
        chosen = tempfile.gettempdir()
        if self.confinement != "nobody":
            return chosen
        for candidate in (chosen, "/tmp", "/var/tmp", "/dev/shm"):
            chain = [Path(candidate), *Path(candidate).parents]
            if all(os.stat(folder).st_mode & 0o001 for folder in chain if folder.exists()):
                return candidate
        return chosen

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

    def hand_over(self, path):
        """Make the file at `path` (a SQLite database) one the child may write."""
        if self.confinement == "nobody":
            Path(path).touch()
            os.chown(path, NOBODY, NOBODY)

    def child(self, name):
        """The Child for `name` (a backend), with a folder of its own for its databases."""
        if name not in self.children:
            self.children[name] = Child(self, self.folder(name))
        return self.children[name]

    def close(self):
        """End every child, and every process they started; delete the scratch folder."""
        for child in self.children.values():
            child.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def out_of_time(self):
        return (f"stopped: the copy's code ran for the {self.time_limit:g} s it may take in one "
                f"grading run ({TIME_LIMIT_VARIABLE})")


class Child:
    """One child process, which runs the jobs it is given one after another, in one folder.

    Use it as a context manager, or close() it: the child and every process it started
    are then ended and waited for. A backend's jobs run in one child: models.py is imported
    once, and the kit reads the database between two jobs. A child that ended (the copy's
    code ended it) is started again for the next job.
    """

    def __init__(self, code, folder):
        self.code, self.folder = code, folder
        self.pid = self.status = None
        self.ended = False
        self.buffer = b""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def start(self):
        self.before = children()
        job_reader, self.jobs = os.pipe()
        self.answers, answer_writer = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            os.close(self.jobs)
            os.close(self.answers)
            child(job_reader, answer_writer, self.folder, self.code)
        self.pid = pid
        os.close(job_reader)
        os.close(answer_writer)

    def ask(self, job):
        """The answer to `job` (a dict of safe text), or a failure saying why there is none."""
        code = self.code
        if code.deadline is None:
            code.deadline = time.monotonic() + code.time_limit
        if code.timed_out or time.monotonic() >= code.deadline:
            code.timed_out = True
            self.close()
            return {"failure": code.out_of_time(), "notes": []}
        if self.ended:  # the copy's code ended it: a new one for this job
            self.pid = self.status = None
            self.ended = False
            self.buffer = b""
        if self.pid is None:
            self.start()
        try:
            os.write(self.jobs, json.dumps(job).encode() + b"\n")
        except OSError:  # it is gone
            pass
        line = self.read_line()
        if line is None:
            return self.no_answer()
        return answer(line)

    def read_line(self):
        """The child's next line, or None when it ended or the time ran out first."""
        while b"\n" not in self.buffer:
            if len(self.buffer) > LONGEST_ANSWER:
                return None
            left = self.code.deadline - time.monotonic()
            if left <= 0:
                self.code.timed_out = True
                return None
            ready, _, _ = select.select([self.answers], [], [], min(left, 0.05))
            if ready:
                chunk = os.read(self.answers, 65536)
                if not chunk:
                    return None
                self.buffer += chunk
            elif self.status is None:
                done, status = os.waitpid(self.pid, os.WNOHANG)
                if done:
                    self.status = status
                    if not select.select([self.answers], [], [], 0)[0]:
                        return None
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line

    def no_answer(self):
        self.close()
        if self.code.timed_out:
            return {"failure": self.code.out_of_time(), "notes": []}
        status = self.status
        code = "?" if status is None else os.waitstatus_to_exitcode(status)
        how = f"killed by signal {-code}" if isinstance(code, int) and code < 0 else \
            f"exit code {code}"
        return {"failure": f"the copy's code ended its process ({how}) before it finished",
                "notes": []}

    def close(self):
        """The child, and every process it started, ended and waited for."""
        if self.pid is None or self.ended:
            self.ended = True
            return
        self.ended = True
        os.close(self.jobs)  # the child's end of its jobs: it exits
        sandboxed = self.code.confinement == "sandbox"
        if self.status is None and sandboxed and not self.code.timed_out:
            # Its namespace's first process exits, which ends every process in the
            # namespace before the child can be waited for.
            deadline = time.monotonic() + 2
            while self.status is None and time.monotonic() < deadline:
                done, found = os.waitpid(self.pid, os.WNOHANG)
                self.status = found if done else time.sleep(0.001)
        if self.status is None:
            signal_group(self.pid, signal.SIGTERM if sandboxed else signal.SIGKILL)
            self.status = os.waitpid(self.pid, 0)[1]
        os.close(self.answers)
        signal_group(self.pid, signal.SIGKILL)
        if self.code.confinement == "sandbox":
            return  # its namespace is empty: nothing of it is left anywhere
        while True:  # processes that left its session, caught by catch_escaped()
            siblings = {child.pid for child in self.code.children.values()
                        if child is not self and child.pid and not child.ended}
            escaped = children() - self.before - siblings
            if not escaped:
                break
            for other in escaped:
                try:
                    os.kill(other, signal.SIGKILL)
                    os.waitpid(other, 0)
                except (ProcessLookupError, ChildProcessError, PermissionError):
                    pass


def answer(line):
    """A child's line, as a dict of safe text; a line that is not an answer says so."""
    try:
        said = json.loads(line.decode("utf-8", errors="replace"))
        failure, notes = said.get("failure"), said.get("notes") or []
        if not isinstance(notes, list):
            raise TypeError
    except (ValueError, AttributeError, TypeError):
        return {"failure": "the copy's code wrote something the kit cannot read", "notes": []}
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


def child(jobs, writer, folder, code):  # pragma: no cover - runs in the fork
    answer = {"failure": "the copy's code could not be started", "notes": []}
    try:
        os.setsid()
        quiet((jobs, writer))
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        confine(code, folder)
        with os.fdopen(jobs, "rb") as reader:
            for line in reader:
                answer = do(json.loads(line), code)
                os.write(writer, json.dumps(answer).encode() + b"\n")
        os._exit(0)
    except BaseException as error:  # noqa: BLE001 - said in one line, to the kit
        from .places import error_text

        answer = {"failure": error_text(error), "notes": []}
    try:
        os.write(writer, json.dumps(answer).encode() + b"\n")
    finally:
        os._exit(0)


def do(job, code):
    """One job's answer; an error of the copy's code is its failure."""
    try:
        return JOBS[job["kind"]](job, code.server)
    except MemoryError:
        return {"failure": f"the copy's code used more memory than the "
                           f"{code.memory_limit // 2**20} MiB it may use "
                           f"({MEMORY_LIMIT_VARIABLE})", "notes": []}
    except Exception as error:  # noqa: BLE001 - said in one line, to the kit
        from .places import error_text

        return {"failure": error_text(error), "notes": []}


def quiet(kept):
    """Only the pipes in `kept` lead out: every other file the kit had open is /dev/null here."""
    nothing = os.open(os.devnull, os.O_RDWR)
    for name in os.listdir("/proc/self/fd") if os.path.isdir("/proc/self/fd") else ["0", "1", "2"]:
        number = int(name)
        if number not in (*kept, nothing):
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


LOADED = {}  # in the child: models.py's `db` and its notes, then one app per database


def load(server):
    from .learner_copy import load_models

    if "models" not in LOADED:
        LOADED["models"] = load_models(Path(server))
    return LOADED["models"]


def app_for(db, url, server):
    from .learner_copy import grading_app

    if url not in LOADED:
        LOADED[url] = grading_app(db, url, Path(server) / "migrations")
    return LOADED[url]


def models_job(job, server):
    from .learner_copy import ModelsUnusable

    try:
        _, notes = load(server)
    except ModelsUnusable as error:
        return {"failure": str(error), "notes": []}
    return {"failure": None, "notes": notes}


def migrate_job(job, server):
    from alembic import command

    from .learner_copy import warning_notes
    from .migration_errors import failure_reason

    db, _ = load(server)
    app = app_for(db, job["url"], server)
    run = command.upgrade if job["direction"] == "up" else command.downgrade
    with app.app_context(), warnings.catch_warnings(record=True) as raised:
        warnings.simplefilter("always")
        config = app.extensions["migrate"].migrate.get_config()
        try:
            run(config, job["revision"])
            failure = None
        except (Exception, SystemExit) as error:
            failure = failure_reason(error, Path(server))
        finally:
            db.engine.dispose()  # no connection left open on a database the kit drops
    return {"failure": failure, "notes": warning_notes(raised, Path(server))}


def create_all_job(job, server):
    from sqlalchemy.exc import CompileError, SQLAlchemyError

    from .learner_copy import warning_notes
    from .migration_errors import engine_hint
    from .places import database_words

    db, _ = load(server)
    app = app_for(db, job["url"], server)
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
