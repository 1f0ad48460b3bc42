"""The README's "Two things you will meet next", run exactly as written, in a learner's clone.

The clone is a git repository on `main` at the lesson's head with its rows,
its `flask` on the default instance/app.db. Every command block of the part
runs in order, `flask` on a pseudo-terminal, where the one question is
answered as the README shows; every output block the README quotes must be
what the commands before it really printed (or the script they wrote).
"""
import os
import re
import shlex
import shutil
import subprocess
import sys

from helpers.code_along import CodeAlong
from helpers.paths import REPO_DIR
from helpers.server_copies import Step2Project
from testing.lesson import EMPLOYEE_ROWS

TITLE = "### Two things you will meet next"
COMMANDS = ("flask ", "git ", "python ", "rm ")
QUESTION_END = "(Enter to leave it to you): "
SALARY = "    salary = db.Column(db.Integer)\n"
# A learner's git, without this machine's own settings (hooks, signing...).
GIT_PERSON = {"GIT_AUTHOR_NAME": "Learner", "GIT_AUTHOR_EMAIL": "learner@example.com",
              "GIT_COMMITTER_NAME": "Learner", "GIT_COMMITTER_EMAIL": "learner@example.com",
              "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def readme_part():
    text = (REPO_DIR / "README.md").read_text()
    start = text.index(TITLE)
    return text[start:text.index("\n### ", start + 1)]


def blocks(part):
    """("python" | "commands" | "output", text) for each fenced block, in order."""
    found = []
    for language, text in re.findall(r"^```(\w*)\n(.*?)^```", part, re.M | re.S):
        lines = text.splitlines()
        if language == "python":
            found.append(("python", text))
        elif all(line.startswith(COMMANDS) for line in lines):
            found.append(("commands", text))
        else:
            found.append(("output", text))
    return found


def git(*args, cwd):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env=os.environ | GIT_PERSON)


def run(line, project, answers):
    """One README line in the clone's server/ folder: (exit code, output)."""
    argv = shlex.split(line)
    if argv[0] == "flask":
        finished = project.flask_in_terminal(*argv[1:], answers=answers)
        return finished.returncode, finished.output
    if argv[0] == "python":
        argv[0] = sys.executable  # the Python `pipenv shell` gives
    finished = subprocess.run(argv, cwd=project.path, capture_output=True, text=True,
                              env=os.environ | GIT_PERSON)
    return finished.returncode, finished.stdout + finished.stderr


def test_the_readme_part_runs_as_written_and_prints_what_it_quotes(tmp_path):
    along = CodeAlong(tmp_path / "clone")
    shutil.copy(REPO_DIR / ".gitignore", along.copy.root)
    git("init", "-q", "-b", "main", cwd=along.copy.root)
    git("add", "-A", cwd=along.copy.root)
    git("commit", "-q", "-m", "the lesson", cwd=along.copy.root)
    along.flask(["db", "upgrade"], ["seed"])  # where the part starts: head, with the rows
    models = along.server / "models.py"
    lesson_models = models.read_text()
    project = Step2Project(along.server, None)  # its `flask` on the default instance/app.db

    part = blocks(readme_part())
    answers = [text.split(QUESTION_END, 1)[1].strip() for kind, text in part
               if kind == "output" and QUESTION_END in text]
    assert answers == ["unknown@example.com"], part
    ran, printed, written = [], "", ""
    for kind, text in part:
        if kind == "python":
            assert models.read_text().count(SALARY) == 1
            models.write_text(models.read_text().replace(SALARY, SALARY + text))
        elif kind == "commands":
            printed = ""
            for line in text.splitlines():
                code, output = run(line, project, answers)
                printed += output
                ran.append((line, code, output))
            new = set(along.versions.glob("*.py")) - set(project.step2_scripts)
            written = "".join(path.read_text() for path in new)
        else:
            assert text in printed or text in written, f"README quotes:\n{text}\nbut got:\n" \
                                                       f"{printed}\n{written}"

    # Only the check that finds the drift fails; the one after the fix passes, as the README says.
    checks = [(code, output) for line, code, output in ran if line == "flask db check"]
    assert [code for code, _ in checks] == [1, 0], checks
    assert "No new upgrade operations detected." in checks[1][1], checks[1][1]
    assert [line for line, code, _ in ran if code] == ["flask db check"], ran
    # Back on main: the lesson as it was, its rows there; the work kept on the branch.
    assert models.read_text() == lesson_models
    assert set(along.versions.glob("*.py")) == set(project.step2_scripts)
    assert along.rows("employees", ["id", "name", "salary"]) == EMPLOYEE_ROWS
    branch = subprocess.run(["git", "show", "--stat", "next-steps"], cwd=along.copy.root,
                            capture_output=True, text=True, check=True).stdout
    assert "_add_email.py" in branch and "models.py" in branch, branch
