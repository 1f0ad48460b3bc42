"""Grading one copy: a private folder, our kit in it, one kit run, its databases dropped after.

The learner's own server/testing is replaced by this repository's kit: a
copy cannot grade itself. The run is configured by kit.ini, not by the
copy's pytest.ini or any conftest.py of theirs above the kit.
"""
import os
import shutil
import tempfile
import time
from pathlib import Path

from server.testing.backends import DATABASE_PREFIX_VARIABLE, backends_under_test

from .copies import NotGradable, unpack
from .databases import drop_databases, new_prefix
from .results import NOT_FINISHED, TIMED_OUT, Row, row_from_junit

KIT_DIR = Path(__file__).resolve().parents[1] / "server" / "testing"
KIT_INI = Path(__file__).resolve().with_name("kit.ini")
KIT_NOT_COPIED = shutil.ignore_patterns("__pycache__", ".pytest_cache")
# Settings of the instructor's shell that would change how the kit runs in a copy.
NOT_PASSED_ON = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_CURRENT_TEST", "DATABASE_URL",
                 "PYTHONPATH", "PYTHONSTARTUP")


def grade(submission, runner, timeout, batch):
    """The Row of one Submission, whatever the copy does."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="grade-class-") as work:
        work = Path(work)
        try:
            root = unpack(submission, work / "copy")
        except NotGradable as why:
            return Row(submission.name, why.status, reasons=[str(why)])
        install_kit(root)
        prefix = new_prefix(batch)
        junit = work / "kit.xml"
        log = work / "kit.log"
        try:
            finished = runner.run(root, kit_args(root, work, junit), kit_env(prefix), log, timeout)
        finally:
            drop_databases(prefix)
        seconds = time.perf_counter() - started
        if finished.timed_out:
            row = Row(submission.name, TIMED_OUT,
                      reasons=[f"timed out after {timeout:g} s: its processes were ended"])
        elif junit.exists() and junit.stat().st_size:
            backends = [backend.name for backend in backends_under_test()]
            row = row_from_junit(submission.name, junit.read_bytes(), backends)
        else:
            row = Row(submission.name, NOT_FINISHED,
                      reasons=[f"the kit's run ended early ({ended(finished.returncode)}): "
                               f"{last_line(log)}"])
        row.seconds, row.peak_rss = seconds, finished.peak_rss
        return row


def install_kit(root):
    kit = root / "server" / "testing"
    if kit.is_symlink() or kit.is_file():
        kit.unlink()
    elif kit.exists():
        shutil.rmtree(kit)
    shutil.copytree(KIT_DIR, kit, ignore=KIT_NOT_COPIED)


def kit_args(root, work, junit):
    return ["server/testing", "-c", str(KIT_INI), "--rootdir", str(root),
            "--confcutdir", str(root / "server" / "testing"), "-p", "no:cacheprovider", "-q",
            f"--junitxml={junit}", f"--basetemp={work / 'tmp'}"]


def kit_env(prefix):
    env = {key: value for key, value in os.environ.items() if key not in NOT_PASSED_ON
           and not key.startswith("FLASK_")}
    env[DATABASE_PREFIX_VARIABLE] = prefix
    return env


def ended(returncode):
    if returncode is None:
        return "the grader's kit process is gone"
    return f"killed by signal {-returncode}" if returncode < 0 else f"exit code {returncode}"


def last_line(log):
    try:
        lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        lines = []
    return lines[-1].strip() if lines else "it printed nothing"
