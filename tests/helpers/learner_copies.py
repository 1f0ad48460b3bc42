"""Learners' copies of the lesson, built the way learners build them, and the kit run on them.

A copy is a top folder with `server/` in it, in a temporary folder. It
starts as a copy of this repository or of a fork of the original lesson
(tests/fixtures/original_fork), is then changed the way a learner would
change it (other revision ids, Flask-Migrate's stock env.py, an edited
migration), and is graded by copying server/testing/ into it and running
the kit's own command line (server/testing/grade.py) there, in a process of
its own: every copy has its own `models` module. The process is a fork of
grade-class's preloaded one (helpers/grading_runner.py), so that a copy
costs its checks, not Python's start-up.
"""
import os
import re
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

from helpers.paths import REPO_DIR, SERVER_DIR, step_models
from server.testing.grade import pytest_args

KIT_DIR = SERVER_DIR / "testing"
ORIGINAL_FORK = REPO_DIR / "tests" / "fixtures" / "original_fork"
KIT_TIMEOUT = 180  # seconds; a kit run that hangs fails its test instead of the suite
NOT_COPIED = shutil.ignore_patterns("__pycache__", "instance", "*.db", ".pytest_cache")
SCORECARD_LINE = re.compile(r"^(step \d|history|models\.py)\b.*?  ([✓✗])(?: (.*))?$")
# What the shell of the tests sets that would change how the kit runs in a copy.
NOT_PASSED_ON = ("TEST_DATABASE_URLS", "ADVISORY_DATABASE_URLS", "PYTEST_ADDOPTS",
                 "PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST")


@dataclass
class KitRun:
    """What one run of the kit in a copy printed, its exit code, and the files it wrote."""

    returncode: int
    output: str
    junit: Path | None = None  # the kit's JUnit XML, when asked for
    results: Path | None = None  # the kit's results.json, when asked for

    def scorecard(self, backend="sqlite"):
        """{"step 1": "✓", "step 3": "✗ reason", "history": ..., "models.py": ...}."""
        found = {}
        for line in self.block(backend):
            if line.startswith("note ("):
                break
            match = SCORECARD_LINE.match(line)
            assert match, f"not a scorecard line: {line!r}\n{self.output}"
            group = match.group(1)
            found[group] = match.group(2) + (f" {match.group(3)}" if match.group(3) else "")
        return found

    def notes(self, backend="sqlite"):
        return [line for line in self.block(backend) if line.startswith("note (")]

    def block(self, backend):
        """The non-blank lines of `backend`'s scorecard, up to pytest's next section."""
        parts = self.output.split(f" grading scorecard ({backend}) ", 1)
        if len(parts) == 2:
            lines = parts[1].split("\n=", 1)[0].splitlines()[1:]  # after the header's own line
        else:  # the launcher's quiet output: one engine's scorecard, no pytest sections
            assert " grading scorecard (" not in self.output, \
                f"no scorecard for {backend} in:\n{self.output}"
            lines = self.output.splitlines()
        return [line for line in lines if line and not line.startswith("grade: ")]

    def grade_line(self):
        """The kit's last words: `grade: 4/5 points (step 1 1/1, ...)`."""
        found = [line for line in self.output.splitlines() if line.startswith("grade: ")]
        assert found, f"no grade line in:\n{self.output}"
        return found[-1]


class LearnerCopy:
    def __init__(self, root):
        self.root = Path(root)
        self.server = self.root / "server"
        self.migrations = self.server / "migrations"
        self.versions = self.migrations / "versions"

    @classmethod
    def of_this_repository(cls, destination):
        """The files a learner's clone of this repository has that grading looks at."""
        copy = cls(destination)
        copy.root.mkdir(parents=True)
        shutil.copy(REPO_DIR / "pytest.ini", copy.root)
        shutil.copytree(SERVER_DIR, copy.server, ignore=_without_kit)
        return copy

    @classmethod
    def of_original_fork(cls, destination):
        copy = cls(destination)
        shutil.copytree(ORIGINAL_FORK, copy.root, ignore=NOT_COPIED)
        return copy

    def script(self, step):
        """The migration script of step `step`, found by walking the chain from the first."""
        by_revision = {}
        for path in self.versions.glob("*.py"):
            text = path.read_text()
            revision = re.search(r"^revision\s*=\s*['\"](\w+)['\"]", text, re.M).group(1)
            down = re.search(r"^down_revision\s*=\s*(?:['\"](\w+)['\"]|None)", text, re.M).group(1)
            by_revision[down] = path
        path = by_revision[None]
        for _ in range(step - 1):
            revision = re.search(r"^revision\s*=\s*['\"](\w+)['\"]", path.read_text(), re.M)
            path = by_revision[revision.group(1)]
        return path

    def edit_script(self, step, old, new):
        """Replace `old` with `new` in step `step`'s script; `old` must be there."""
        path = self.script(step)
        text = path.read_text()
        assert old in text, f"{old!r} is not in {path.name}:\n{text}"
        path.write_text(text.replace(old, new))

    def replace_function(self, step, name, body):
        """Give `upgrade()` or `downgrade()` of step `step` a new body (indented lines)."""
        path = self.script(step)
        text = path.read_text()
        pattern = re.compile(rf"^def {name}\(\):\n(?:(?:    .*)?\n)*", re.M)
        assert pattern.search(text), f"no {name}() in {path.name}"
        path.write_text(pattern.sub(lambda _: f"def {name}():\n{body}\n\n", text, count=1))

    def write_script(self, filename, text):
        (self.versions / filename).write_text(text)

    def use_models(self, text_or_step):
        """models.py from a lesson step's file (1 to 4), or the given text."""
        if isinstance(text_or_step, int):
            text_or_step = step_models(text_or_step)
        (self.server / "models.py").write_text(text_or_step)

    def new_revision_ids(self):
        """Give every migration a new id, as `flask db migrate` would have in another copy."""
        scripts = list(self.versions.glob("*.py"))
        ids = {}
        for path in scripts:
            found = re.search(r"^revision\s*=\s*['\"](\w+)['\"]", path.read_text(), re.M)
            ids[found.group(1)] = uuid.uuid4().hex[:12]
        for path in scripts:
            text = path.read_text()
            for old, new in ids.items():
                text = text.replace(old, new)
            old_id = next(old for old in ids if path.name.startswith(old))
            path.unlink()
            (self.versions / path.name.replace(old_id, ids[old_id])).write_text(text)
        return ids

    def use_env_files(self, folder):
        """env.py and alembic.ini from `folder`, e.g. what `flask db init` wrote there."""
        for name in ("env.py", "alembic.ini"):
            shutil.copy(Path(folder) / name, self.migrations / name)

    def install_kit(self):
        """This repository's kit in the copy, in place of whatever server/testing it had."""
        shutil.rmtree(self.server / "testing", ignore_errors=True)
        shutil.copytree(KIT_DIR, self.server / "testing", ignore=NOT_COPIED)
        return self.server / "testing"

    def grade(self, runner, server_urls=(), args=(), advisory_urls=(), outputs=False, env=None,
              launcher=True):
        """Copy the kit into this copy and run it there, through `runner` (a KitRunner), on
        SQLite plus `server_urls` (graded) and `advisory_urls`, with the kit's command line
        (grade.py; with launcher=False, `args` alone, as a plain pytest run). `env`, when
        given, is the run's whole environment. The run is sandboxed to the copy's parent
        folder. With `outputs`, it also writes its JUnit XML and results.json there."""
        work = self.root.parent
        junit, results = work / "kit.xml", work / "results.json"
        extra = [f"--basetemp={work / 'basetemp'}", *args]
        if outputs:
            extra += [f"--junitxml={junit}", f"--gradescope={results}"]
        env = dict(kit_env(server_urls, advisory_urls) if env is None else env)
        env["TMPDIR"] = str(work)
        log = work / "kit.log"
        kit = self.install_kit()
        finished = runner.run(self.root, pytest_args(kit, extra) if launcher else extra, env, log,
                              KIT_TIMEOUT, writable=work)
        assert not finished.timed_out, f"the kit ran past {KIT_TIMEOUT} s in {self.root}"
        return KitRun(finished.returncode, log.read_text(errors="replace"),
                      junit if outputs else None, results if outputs else None)


def kit_env(server_urls=(), advisory_urls=(), base=None):
    """This environment, less what would change the kit's run, with the given servers listed."""
    env = {key: value for key, value in (base or os.environ).items() if key not in NOT_PASSED_ON}
    if server_urls:
        env["TEST_DATABASE_URLS"] = ",".join(server_urls)
    if advisory_urls:
        env["ADVISORY_DATABASE_URLS"] = ",".join(advisory_urls)
    return env


def _without_kit(folder, names):
    """Leave out what a run leaves behind. The kit comes too: extras/ uses its helpers, and
    each grading copies it afresh over this one."""
    return set(NOT_COPIED(folder, names))


def flask_db_init(server_copy, destination):
    """Run the real `flask db init` in a copy of server/, as a learner who re-ran it would."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("FLASK_") and key != "DATABASE_URL"}
    env["DATABASE_URL"] = f"sqlite:///{Path(destination).parent / 'init.db'}"
    done = subprocess.run([str(Path(sys.executable).with_name("flask")), "db", "init", "-d",
                           str(destination)], cwd=server_copy, env=env, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    return Path(destination)
