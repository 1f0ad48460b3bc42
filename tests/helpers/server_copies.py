"""Copies of server/ for running the real `flask db migrate` in, with or without a terminal.

`make_step2_copy` leaves a copy standing at step 2: the first two
migrations and step 2's models (lesson/step2_models.py). A test changes the
models the way a learner would and runs `flask` in a copy of that, against
the test's own database.
"""
import os
import pty
import re
import select
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import flask_migrate
import pytest

from helpers.flask_process import start_flask
from helpers.paths import SERVER_DIR, step_models
from testing.history import read_history

# The env.py `flask db init` writes: what stock Flask-Migrate would do.
STOCK_ENV_PY = Path(flask_migrate.__file__).parent / "templates" / "flask" / "env.py"
TIMEOUT = 60  # seconds; a `flask` waiting for an answer nobody gives fails, never hangs

# Lines of lesson/step2_models.py that tests change.
DEPARTMENT_TABLE = '__tablename__ = "department"'
ADDRESS = "address = db.Column(db.String(255))"
SALARY = "salary = db.Column(db.Integer)"

ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")
# How `flask db migrate`'s questions end: the rename question, and the value question.
QUESTION_ENDS = ("[y/N] ", "(Enter to leave it to you): ")
CTRL_C = "\x03"  # typed as it is, without Enter: the terminal sends SIGINT


def copy_server(destination):
    """Copy server/ to `destination`, without databases and caches.

    The grading kit (testing/) comes too: extras/ uses its helpers.
    """
    shutil.copytree(
        SERVER_DIR, destination,
        ignore=shutil.ignore_patterns("instance", "__pycache__", ".pytest_cache", "*.db"),
    )


def make_step2_copy(destination):
    """A copy of server/ at step 2: its first two migrations and step 2's models."""
    copy_server(destination)
    for later in read_history(destination / "migrations").migrations[2:]:
        (destination / later.file).unlink()
    write_step2_models(destination)


def write_step2_models(project, department_table="department", department_columns=ADDRESS,
                       employee_columns=SALARY):
    """Step 2's models with whatever a test changes; several columns go on separate lines."""
    text = step_models(2)
    for line, replacement in ((DEPARTMENT_TABLE, f'__tablename__ = "{department_table}"'),
                              (ADDRESS, department_columns), (SALARY, employee_columns)):
        assert text.count(line) == 1, f"lesson/step2_models.py should have `{line}` once"
        text = text.replace(line, "\n    ".join(replacement.splitlines()))
    (project / "models.py").write_text(text)


@dataclass
class Run:
    """What one `flask` command did."""
    returncode: int
    output: str  # stdout and stderr, merged
    questions: list = field(default_factory=list)


class Step2Project:
    def __init__(self, path, database_url):
        self.path = path
        self.database_url = database_url
        self.migrations = path / "migrations"
        self.step2_scripts = set(self.migrations.glob("versions/*.py"))

    @classmethod
    def copy(cls, template, path, database_url):
        """A fresh copy of a make_step2_copy() template, run against `database_url`."""
        shutil.copytree(template, path)
        return cls(path, database_url)

    def write_models(self, **changes):
        write_step2_models(self.path, **changes)

    def flask(self, *args):
        """Run `flask` with no terminal: stdin is empty, output is captured."""
        return self.finish(self.start_flask(*args))

    def start_flask(self, *args):
        """Start `flask` with no terminal and return at once; `finish()` waits for it."""
        return start_flask(*args, database_url=self.database_url, cwd=self.path, merged=True)

    @staticmethod
    def finish(process):
        try:
            output, _ = process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
            pytest.fail(f"`{' '.join(process.args)}` was still running after {TIMEOUT} s:\n"
                        f"{output}", pytrace=False)
        return Run(process.returncode, output)

    def flask_in_terminal(self, *args, answers=()):
        """Run `flask` on a pseudo-terminal, typing `answers` to its questions in turn.

        A question beyond the answers given is answered "n" and still recorded,
        so the test sees every question that was asked. CTRL_C is typed as Ctrl-C.
        """
        master, terminal = pty.openpty()
        process = start_flask(*args, database_url=self.database_url, cwd=self.path,
                              terminal=os.ttyname(terminal))
        answers, questions, output, asked_at = list(answers), [], "", -1
        deadline = time.monotonic() + TIMEOUT
        try:
            while time.monotonic() < deadline:
                ended = process.poll() is not None  # before the read: what it wrote is there
                if not select.select([master], [], [], 0 if ended else 0.1)[0]:
                    if ended:
                        break
                    continue
                output += os.read(master, 4096).decode(errors="replace")
                line_start = output.rfind("\n") + 1
                if output.endswith(QUESTION_ENDS) and line_start > asked_at:
                    # flask waits for an answer: its last line is the question.
                    questions.append(output[line_start:].strip())
                    asked_at = line_start
                    answer = answers.pop(0) if answers else "n"
                    if answer == CTRL_C:
                        # As a person, a moment after the question: a SIGINT that lands while
                        # readline is still setting up the terminal waits for a second key.
                        time.sleep(0.3)
                    os.write(master, answer.encode() + (b"" if answer == CTRL_C else b"\n"))
            else:
                process.kill()
                pytest.fail(f"`flask {' '.join(args)}` was still running after {TIMEOUT} s:\n"
                            f"{output}", pytrace=False)
        finally:
            os.close(master)
            os.close(terminal)  # held open until now: the process opens it by its name
            returncode = process.wait()
        output = ANSI_COLOUR.sub("", output.replace("\r\n", "\n"))
        return Run(returncode, output, questions)

    def new_script(self):
        """The text of the one migration `flask db migrate` wrote."""
        new = set(self.migrations.glob("versions/*.py")) - self.step2_scripts
        assert len(new) == 1, f"expected one new migration, found {sorted(p.name for p in new)}"
        return new.pop().read_text()

    def upgrade(self, live_db):
        live_db.upgrade("head", "Upgrading to the new migration", directory=str(self.migrations))

    def downgrade(self, live_db):
        live_db.downgrade("-1", "Downgrading the new migration", directory=str(self.migrations))


def body(script, function):
    """The lines of `upgrade()` or `downgrade()` in a migration script."""
    match = re.search(rf"^def {function}\(\):\n(.*?)(?=^def |\Z)", script, re.M | re.S)
    assert match, f"no {function}() in:\n{script}"
    return match.group(1)
