"""Learners' copies of the lesson, built the way learners build them, and the kit run on them.

A copy is a top folder with `server/` in it, in a temporary folder. It
starts as a copy of this repository or of a fork of the original lesson
(tests/fixtures/original_fork), is then changed the way a learner would
change it (other revision ids, Flask-Migrate's stock env.py, an edited
migration), and is graded by copying server/testing/ into it and running
`python -m pytest server/testing` there, in a process of its own: every
copy has its own `models` module.
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

KIT_DIR = SERVER_DIR / "testing"
ORIGINAL_FORK = REPO_DIR / "tests" / "fixtures" / "original_fork"
KIT_TIMEOUT = 180  # seconds; a kit run that hangs fails its test instead of the suite
NOT_COPIED = shutil.ignore_patterns("__pycache__", "instance", "*.db", ".pytest_cache")
SCORECARD_LINE = re.compile(r"^(step \d|history|models\.py)\b.*?  ([✓✗])(?: (.*))?$")


@dataclass
class KitRun:
    """What one `pytest server/testing` in a copy printed, and its exit code."""

    returncode: int
    output: str

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
        assert len(parts) == 2, f"no scorecard for {backend} in:\n{self.output}"
        lines = parts[1].split("\n=", 1)[0].splitlines()[1:]  # after the header's own line
        return [line for line in lines if line]

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

    def grade(self, server_urls=(), pytest_args=()):
        """Copy the kit into this copy and run it there on SQLite plus `server_urls`."""
        shutil.rmtree(self.server / "testing", ignore_errors=True)
        shutil.copytree(KIT_DIR, self.server / "testing", ignore=NOT_COPIED)
        env = {key: value for key, value in os.environ.items()
               if key not in ("TEST_DATABASE_URLS", "PYTEST_ADDOPTS")}
        if server_urls:
            env["TEST_DATABASE_URLS"] = ",".join(server_urls)
        command = [sys.executable, "-m", "pytest", "server/testing", "-p", "no:cacheprovider",
                   *pytest_args]
        try:
            done = subprocess.run(command, cwd=self.root, env=env, capture_output=True,
                                  text=True, timeout=KIT_TIMEOUT)
        except subprocess.TimeoutExpired as timed_out:
            raise AssertionError(f"the kit ran past {KIT_TIMEOUT} s in {self.root}:\n"
                                 f"{timed_out.stdout}") from None
        return KitRun(done.returncode, done.stdout + done.stderr)


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
