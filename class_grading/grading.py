"""Grading one copy: a private folder, our kit in it, one kit run, its databases dropped after.

The learner's own server/testing is replaced by this repository's kit: a
copy cannot grade itself. The run is the command line of the kit's own
launcher (server/testing/grade.py): kit.ini, not the copy's pytest.ini or
any conftest.py of theirs above the kit, and no installed plugin.
It runs in a sandbox (server/testing/sandbox.py) that may write only in the copy's
private folder.
"""
import os
import shutil
import tempfile
import time
from pathlib import Path

from server.testing.backends import DATABASE_PREFIX_VARIABLE, backends_under_test
from server.testing.grade import NOT_PASSED_ON as KIT_NOT_PASSED_ON
from server.testing.grade import pytest_args

from .copies import NotGradable, unpack
from .databases import drop_databases, new_prefix
from .results import NOT_FINISHED, TIMED_OUT, Row, row_from_results

KIT_DIR = Path(__file__).resolve().parents[1] / "server" / "testing"
KIT_NOT_COPIED = shutil.ignore_patterns("__pycache__", ".pytest_cache")
# Settings of the instructor's shell that would change how the kit runs in a copy.
NOT_PASSED_ON = (*KIT_NOT_PASSED_ON, "PYTEST_CURRENT_TEST", "DATABASE_URL", "PYTHONPATH",
                 "PYTHONSTARTUP")


def grade(submission, runner, timeout, batch):
    """The Row of one Submission, whatever the copy does."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="grade-class-") as work:
        work = Path(work)
        try:
            root = unpack(submission, work / "copy")
        except NotGradable as why:
            return Row(submission.name, why.status, reasons=[str(why)])
        kit = install_kit(root)
        prefix = new_prefix(batch)
        outputs = {"results": work / "results.json", "junit": work / "kit.xml"}
        log = work / "kit.log"
        try:
            finished = runner.run(root, kit_args(kit, work, submission.name, outputs),
                                  kit_env(prefix, work), log, timeout, writable=work)
        finally:
            drop_databases(prefix)
        seconds = time.perf_counter() - started
        if finished.timed_out:
            row = Row(submission.name, TIMED_OUT,
                      reasons=[f"timed out after {timeout:g} s: its processes were ended"])
        elif outputs["results"].exists() and outputs["results"].stat().st_size:
            row = row_from_results(submission.name, outputs["results"].read_text("utf-8"),
                                   backends_under_test())
            row.junit = outputs["junit"].read_bytes() if outputs["junit"].exists() else None
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
    return kit


def kit_args(kit, work, name, outputs):
    return pytest_args(kit, ["-q", f"--basetemp={work / 'tmp'}", "--copy-name", name,
                             f"--junitxml={outputs['junit']}",
                             f"--gradescope={outputs['results']}"])


def kit_env(prefix, work):
    env = {key: value for key, value in os.environ.items() if key not in NOT_PASSED_ON
           and not key.startswith("FLASK_")}
    env[DATABASE_PREFIX_VARIABLE] = prefix
    env["TMPDIR"] = str(work)  # the one folder the sandbox lets the run write in
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
