"""`pipenv run starter DIR`: the assignment's template, a git repository of the lesson at its start.

This repository holds the finished lesson, so it cannot be the template a
class starts from: an unchanged clone would get every point. The starter
has the app, models.py at step 1, migrations/ with env.py and an empty
versions/, the kit, lesson/, the Pipfile (the learner's scripts alone) and
its lock, and a README written for a learner at step 0, in one commit. No
migration script is copied, so none is in its files or its history.
Nothing is written at DIR until the whole repository is made: it is built
beside DIR and renamed into place.
"""
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import click

REPO_DIR = Path(__file__).resolve().parents[1]
README = Path(__file__).resolve().parent / "starter_README.md"
NOT_COPIED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "instance", "*.db")
# (source, destination), relative to the top folders; folders are copied whole.
FILES = [
    (".gitignore", ".gitignore"),
    ("Pipfile.lock", "Pipfile.lock"),
    (".github/workflows/classroom.yml", ".github/workflows/classroom.yml"),
    ("lesson", "lesson"),
    ("server/.flaskenv", "server/.flaskenv"),
    ("server/app.py", "server/app.py"),
    ("server/extras", "server/extras"),
    ("server/testing", "server/testing"),
    ("lesson/step1_models.py", "server/models.py"),
    ("server/migrations/env.py", "server/migrations/env.py"),
    ("server/migrations/alembic.ini", "server/migrations/alembic.ini"),
    ("server/migrations/script.py.mako", "server/migrations/script.py.mako"),
]
MIGRATIONS_README = """Single-database configuration for Flask, made by `flask db init`.

versions/ holds your migrations: `flask db migrate` writes each one there.
"""
# The learner's scripts; the others are the instructor's (their modules are not in the starter).
# pipenv's lock hash leaves [scripts] out, so Pipfile.lock stays valid for the new Pipfile.
LEARNER_SCRIPTS = ("start", "grade")
SCRIPTS_COMMENT = """# Run from the top folder: `pipenv run start` (the app and its page, at
# http://127.0.0.1:5555) and `pipenv run grade` (the grading kit: server/testing/grade.py).
"""
COMMIT_MESSAGE = "The lesson at its start: models.py at step 1, no migration yet"
GIT_IDENTITY = ["-c", "user.name=Lesson starter", "-c", "user.email=starter@example.invalid",
                "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null"]


class StarterError(Exception):
    """The starter cannot be made at the given place; the message says why, in one line."""


def problem_with(target):
    """Why `target` cannot become the starter, or None."""
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        return f"{target} exists and is not a folder"
    if target.is_dir() and any(target.iterdir()):
        return f"{target} exists and is not empty"
    if not target.parent.is_dir():
        return f"the folder {target.parent} does not exist"
    if target.resolve() == REPO_DIR or REPO_DIR in target.resolve().parents:
        return f"{target} is inside this repository: give a folder outside it"
    return None


def starter_pipfile(text):
    """This repository's Pipfile with the learner's scripts alone."""
    packages, _, scripts = text.partition("\n[scripts]\n")
    kept = [line for line in scripts.splitlines()
            if re.match(rf"^({'|'.join(LEARNER_SCRIPTS)})\s*=", line)]
    return f"{packages}\n[scripts]\n{SCRIPTS_COMMENT}" + "".join(f"{line}\n" for line in kept)


def write_files(root):
    for source, destination in FILES:
        source, destination = REPO_DIR / source, root / destination
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, destination, ignore=NOT_COPIED, dirs_exist_ok=True)
        else:
            shutil.copy2(source, destination)
    versions = root / "server" / "migrations" / "versions"
    versions.mkdir(exist_ok=True)
    (versions / ".gitkeep").write_text("")  # git keeps no empty folder
    (root / "server" / "migrations" / "README").write_text(MIGRATIONS_README)
    shutil.copy2(README, root / "README.md")
    (root / "Pipfile").write_text(starter_pipfile((REPO_DIR / "Pipfile").read_text()))


def commit(root):
    git = shutil.which("git")
    if git is None:
        raise StarterError("git is not installed here, and the starter is a git repository")
    for args in (["init", "--quiet"], ["add", "--all"],
                 ["commit", "--quiet", "--no-verify", "-m", COMMIT_MESSAGE]):
        done = subprocess.run([git, *GIT_IDENTITY, *args], cwd=root, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            why = " ".join(done.stderr.split()) or f"exit code {done.returncode}"
            raise StarterError(f"git {args[0]} failed: {why}")


def make_starter(target):
    """Write the starter repository at `target` (absent, or an empty folder)."""
    target = Path(target).expanduser().absolute()
    building = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        write_files(building)
        commit(building)
        building.rename(target)  # replaces an empty folder; nothing half-made is ever at target
    except OSError as error:
        raise StarterError(f"cannot write the starter: {error}") from None
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target


@click.command(help="Write the assignment's starter at DIR: a new git repository, one commit, "
                    "with the lesson at its start (no migration written). Make it the "
                    "assignment's template (docs/grading.md).")
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
def starter(directory):
    problem = problem_with(directory.expanduser().absolute())
    if problem:
        raise click.UsageError(problem)
    try:
        made = make_starter(directory)
    except StarterError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"The starter is at {made}: one commit, no migration yet. Push it and make it "
               "the assignment's template.")


def main():
    """Run the command; bad input ends in one line on stderr, exit code 1 or 2."""
    try:
        starter.main(prog_name="pipenv run starter", standalone_mode=False)
    except click.ClickException as error:
        click.echo(f"Error: {error.format_message()}", err=True)
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("Error: stopped.", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
