"""grade-class's sandbox: a copy's code writes nowhere but its own folder, and leaves no process.

A copy's step 2 migration tries what a hostile or careless one might: make
the file systems writable again, write a file outside the copy's folder,
change the times and mode of one, and
start processes that hide from a process group (a new session, a double
fork), each waiting to be killed. The run goes through grade-class's own
runner (class_grading/runner.py), sandboxed to the copy's folder; after it
the file outside must not exist, the other must be unchanged, and no
process with the copy's token may be left, whether the run ended or was
timed out. The kit runs that migration in a child process confined to its
database's folder (server/testing/learner_process.py), inside grade-class's
own sandbox; the migration says what it tried in its failure, which the
kit's output shows. Here the sandbox must be there: where the kernel
refuses it, these tests fail.
"""
import re
import subprocess
import sys
import threading
import uuid
from pathlib import Path

from helpers.grading_runner import shared_runner
from helpers.learner_copies import LearnerCopy, kit_env
from helpers.paths import REPO_DIR
from server.testing.grade import pytest_args
from test_grading_kit import body

ESCAPES = """import os, subprocess, sys
TOKEN = {token!r}
OUTSIDE = {outside!r}
TRIED = []
def tried(what, action):
    try:
        action()
        said = 'done'
    except Exception as error:
        said = type(error).__name__
    TRIED.append(f'{{what}}: {{said}}')
point = OUTSIDE
while not os.path.ismount(point):
    point = os.path.dirname(point)
tried('remount', lambda: subprocess.run(['mount', '-o', 'remount,bind,rw', point], check=True,
                                        capture_output=True))
tried('write', lambda: open(os.path.join(OUTSIDE, 'escaped.txt'), 'w').write('x'))
tried('touch', lambda: os.utime(os.path.join(OUTSIDE, 'kept.txt'), (0, 0)))
tried('chmod', lambda: os.chmod(os.path.join(OUTSIDE, 'kept.txt'), 0o777))
waiter = [sys.executable, '-c', 'import time; time.sleep(600)', TOKEN]
subprocess.Popen(waiter, start_new_session=True)
subprocess.Popen(['/bin/sh', '-c', '"$0" "$@" &', *waiter])
"""
SAY = "raise RuntimeError('tried ' + '; '.join(TRIED))"
TRIED_LINE = re.compile(r"tried ([^(\n]*?)(?: \(|$)", re.M)


def hostile_copy(folder, outside, hang=False):
    """A copy whose step 2 tries every escape, then hangs or goes on as the lesson's does."""
    token = f"grading-sandbox-{uuid.uuid4().hex}"
    copy = LearnerCopy.of_this_repository(folder / "work" / "copy")
    script = ESCAPES.format(token=token, outside=str(outside)) + ("" if hang else SAY)
    lines = [f"exec({script!r}, {{}})"] + (["import time", "time.sleep(600)"] if hang else [])
    copy.edit_script(2, "def upgrade():\n", f"def upgrade():\n{body(*lines)}\n")
    return copy, token


def left_running(token):
    """The processes, anywhere on this machine, whose command line has `token`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and token.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:  # gone meanwhile
            continue
    return found


def run_sandboxed(copy, timeout):
    work = copy.root.parent
    args = pytest_args(copy.install_kit(), [f"--basetemp={work / 'basetemp'}"])
    return shared_runner().run(copy.root, args, kit_env(), work / "kit.log", timeout,
                               writable=work)


def outside_folder(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    kept = outside / "kept.txt"
    kept.write_text("the instructor's")
    kept.chmod(0o644)
    return outside, kept.stat()


def test_the_sandbox_is_there():
    assert shared_runner().sandbox_problem is None, shared_runner().sandbox_problem


def test_a_copy_writes_nothing_outside_and_leaves_no_process(tmp_path):
    outside, before = outside_folder(tmp_path)
    copy, token = hostile_copy(tmp_path, outside)
    finished = run_sandboxed(copy, timeout=120)
    assert not finished.timed_out
    log = (copy.root.parent / "kit.log").read_text()
    # Each time the kit runs step 2, each try fails.
    tried = {found for line in TRIED_LINE.findall(log) for found in line.split("; ")}
    assert tried == {"remount: CalledProcessError", "write: OSError",
                     "touch: OSError", "chmod: OSError"}, log
    assert not (outside / "escaped.txt").exists()
    after = (outside / "kept.txt").stat()
    assert (after.st_mtime_ns, after.st_mode) == (before.st_mtime_ns, before.st_mode)
    assert left_running(token) == [], f"left running: {left_running(token)}"


def test_a_timed_out_copy_leaves_no_process(tmp_path):
    outside, _ = outside_folder(tmp_path)
    copy, token = hostile_copy(tmp_path, outside, hang=True)
    seen, done = [], threading.Event()

    def watch():
        while not done.wait(0.05):
            seen.extend(left_running(token))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        finished = run_sandboxed(copy, timeout=2)
    finally:
        done.set()
        watcher.join()
    assert finished.timed_out
    assert seen, "the copy's migration never ran"
    assert left_running(token) == [], f"left running: {left_running(token)}"
    assert not (outside / "escaped.txt").exists()


def test_without_a_sandbox_the_grader_says_so_in_one_line(tmp_path):
    """Where the kernel refuses user namespaces, grade-class still grades, and says so."""
    (tmp_path / "notes.zip").write_bytes(b"not a zip")  # a class of one copy, not gradable
    refuse = "echo 0 > /proc/sys/user/max_user_namespaces && exec \"$0\" \"$@\""
    done = subprocess.run(["unshare", "--user", "--map-root-user", "/bin/sh", "-c", refuse,
                           sys.executable, "-m", "class_grading", str(tmp_path)],
                          cwd=REPO_DIR, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("grade-class: no sandbox here (") and "process group" in line, line
    assert "1 copies: 0 graded, 1 not" in done.stdout, done.stdout
