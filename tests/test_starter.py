"""`pipenv run starter DIR`: the assignment's template holds the lesson at its start, no solution.

The real command writes the starter; git reads its files and its whole
history, and the kit grades it as a learner's untouched clone: 0/5, every
step "not written yet" with the command that writes it.
"""
import os
import re
import shlex
import subprocess
import sys

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from helpers.grading_outputs import junit_points, results_points
from helpers.learner_copies import NOT_PASSED_ON, KitRun
from helpers.paths import LESSON_DIR, MIGRATIONS_DIR, REPO_DIR
from testing.lesson import STEP_COMMANDS

# What only a finished migration holds: its revision line and the lesson's schema calls.
MIGRATION_LINE = re.compile(r"^\s*(down_)?revision\s*(:[^=]*)?=", re.M)
LESSON_CALLS = ("op.create_table(", "op.rename_table(", "op.alter_column(", "op.drop_table(",
                "batch_op.")
LESSON_REVISIONS = [path.name.split("_", 1)[0]
                    for path in (MIGRATIONS_DIR / "versions").glob("*.py")]


def starter_command():
    """The Pipfile's `starter` script, with this environment's Python."""
    program, *args = shlex.split(tomllib.loads((REPO_DIR / "Pipfile").read_text())["scripts"]
                                 ["starter"])
    assert program == "python", f"expected `python ...`: {program}"
    return [sys.executable, *args]


def run_starter(target):
    return subprocess.run([*starter_command(), str(target)], cwd=REPO_DIR, capture_output=True,
                          text=True, timeout=60)


def git(root, *args):
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture(scope="module")
def starter(tmp_path_factory):
    target = tmp_path_factory.mktemp("starter") / "lesson-starter"
    made = run_starter(target)
    assert made.returncode == 0, made.stderr
    assert made.stderr == "" and str(target) in made.stdout, made
    return target


def test_the_starter_is_one_commit_of_the_lesson_at_its_start(starter):
    assert git(starter, "rev-list", "--all", "--count").strip() == "1"
    assert git(starter, "status", "--porcelain", "--ignored") == ""
    files = set(git(starter, "ls-files").split())
    for needed in ("Pipfile", "Pipfile.lock", ".github/workflows/classroom.yml", "server/app.py",
                   "server/.flaskenv", "server/models.py", "server/migrations/env.py",
                   "server/migrations/alembic.ini", "server/migrations/script.py.mako",
                   "server/testing/grade.py", "server/testing/kit.ini",
                   "lesson/step1_models.py", "lesson/step4_models.py", "README.md"):
        assert needed in files, needed
    assert [f for f in files if f.startswith("server/migrations/versions/")] == [
        "server/migrations/versions/.gitkeep"]
    assert (starter / "server" / "models.py").read_text() == (
        LESSON_DIR / "step1_models.py").read_text()
    scripts = tomllib.loads((starter / "Pipfile").read_text())["scripts"]
    assert scripts == {"start": "flask --app server/app.py start",
                       "grade": "python server/testing/grade.py"}, scripts
    readme = (starter / "README.md").read_text()
    assert "versions/, still empty" in readme and "pipenv run grade" in readme
    for number, command in STEP_COMMANDS.items():
        assert command in readme, (number, command)


def test_its_lock_is_the_lock_of_its_pipfile(starter):
    """Only [scripts] differ from this repository's Pipfile, which pipenv's hash leaves out:
    `pipenv sync` installs the locked packages, as it does here."""
    env = dict(os.environ, PIPENV_PIPFILE=str(starter / "Pipfile"), PIPENV_VERBOSITY="-1")
    done = subprocess.run([sys.executable, "-m", "pipenv", "verify"], cwd=starter, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_finished_migration_is_in_its_files_or_history(starter):
    """Every version of every file git holds, in every commit: no script with a revision line
    and the lesson's calls, and none of this repository's revisions (as a file or a
    `revision = ` line)."""
    scripts = []
    for commit in git(starter, "rev-list", "--all").split():
        for name in git(starter, "ls-tree", "-r", "--name-only", commit).splitlines():
            text = git(starter, "show", f"{commit}:{name}")
            for revision in LESSON_REVISIONS:
                assert revision not in name, name
                assert not re.search(rf"revision\s*=\s*['\"]{revision}", text), (name, revision)
            if MIGRATION_LINE.search(text) and any(call in text for call in LESSON_CALLS):
                scripts.append(name)
    assert scripts == [], f"finished migrations in the starter: {scripts}"
    assert LESSON_REVISIONS, "this repository's own migrations were not found"


def test_the_kit_grades_the_starter_0_with_the_next_command(starter, tmp_path):
    """As a learner's untouched clone: the kit's own launcher (`pipenv run grade`), in the
    starter, on SQLite."""
    env = {key: value for key, value in os.environ.items() if key not in NOT_PASSED_ON}
    results, junit = tmp_path / "results.json", tmp_path / "junit.xml"
    done = subprocess.run([sys.executable, "server/testing/grade.py", "--gradescope", str(results),
                           "--junitxml", str(junit)], cwd=starter, env=env,
                          capture_output=True, text=True, timeout=180)
    run = KitRun(done.returncode, done.stdout + done.stderr)
    assert run.returncode == 1, run.output
    assert run.grade_line().startswith("grade: 0/5 points"), run.output
    card = run.scorecard()
    assert card["step 1"] == ('✗ not written yet: next, create the employees table: '
                              '`flask db migrate -m "Initial migration."`'), run.output
    for number in (2, 3, 4):
        assert card[f"step {number}"].startswith("✗ not written yet ("), run.output
        assert f"`{STEP_COMMANDS[number]}`" in card[f"step {number}"], run.output
    assert card["history"] == ("✗ The migration history is not the lesson's: none of the "
                               "lesson's 4 migrations is written yet"), run.output
    assert sum(results_points(results.read_text()).values()) == 0
    assert junit_points(junit.read_bytes(), 5) == 0


@pytest.mark.parametrize("where, words", [
    ("not empty", "exists and is not empty"),
    ("a file", "exists and is not a folder"),
    ("no parent", "does not exist"),
    ("inside", "is inside this repository"),
])
def test_a_bad_dir_is_one_line_and_nothing_is_written(where, words, tmp_path):
    targets = {"not empty": tmp_path / "taken", "a file": tmp_path / "file",
               "no parent": tmp_path / "no" / "such" / "starter",
               "inside": REPO_DIR / "lesson-starter-test"}
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine\n")
    (tmp_path / "file").write_text("mine\n")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    done = run_starter(targets[where])
    assert done.returncode == 2, done
    assert done.stderr.startswith("Error: ") and done.stderr.count("\n") == 1, done.stderr
    assert words in done.stderr and done.stdout == "", done
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert (tmp_path / "taken" / "notes.txt").read_text() == "mine\n"
    assert not (REPO_DIR / "lesson-starter-test").exists()
