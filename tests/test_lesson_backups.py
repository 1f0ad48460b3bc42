"""extras/lesson_tools/backups.py: `flask lesson start` and `restore` refuse in one line,
change nothing.

The commands run in-process on a copy of the lesson's files; `flask start`
runs as a real server. The whole code-along, with a restore at the end, is
in test_code_along.py.
"""
import json
import os
import shutil
import time
import urllib.request

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from app import create_app
from extras.lesson_tools.backups import LOCK_FILE
from extras.lesson_tools.file_lock import file_lock
from extras.safety_nets.locks import migration_lock
from helpers.cli_runner import cli_runner
from helpers.flask_process import flask, start_flask
from helpers.lesson_copies import copy_lesson
from helpers.live_server import serving
from helpers.paths import SERVER_DIR
from models import db


class Clone:
    """A learner's clone in `lesson_copy`, its `flask` commands run in-process."""

    def __init__(self, lesson_copy, database_url=None):
        self.copy = lesson_copy
        self.server = lesson_copy.server
        self.database_file = None
        if database_url is None:  # the README's learner: server/instance/app.db
            self.database_file = self.server / "instance" / "app.db"
            self.database_file.parent.mkdir(parents=True, exist_ok=True)
            database_url = f"sqlite:///{self.database_file}"
        self.app = create_app(lesson_copy.settings(database_url))

    def try_flask(self, *args):
        with self.app.app_context():
            result = cli_runner(self.app).invoke(args=args)
            db.engine.dispose()  # `lesson start` moves the SQLite file away
        return result

    def flask(self, *args):
        result = self.try_flask(*args)
        assert result.exit_code == 0, f"flask {' '.join(args)}:\n{result.output}"
        return result.output

    def files(self):
        return self.copy.files(self.database_file)


@pytest.fixture
def along(lesson_copy):
    """A clone at head, on its default SQLite file."""
    along = Clone(lesson_copy)
    along.flask("db", "upgrade")
    return along


def refused_in_one_line(along, *args):
    before = along.files()
    result = along.try_flask(*args)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert along.files() == before
    return lines[0]


def test_start_without_the_lesson_folder(along):
    shutil.rmtree(along.copy.lesson)
    line = refused_in_one_line(along, "lesson", "start")
    assert "step1_models.py is missing" in line


def test_start_when_the_backup_cannot_be_made(along):
    (along.server / "instance" / "lesson-backups").write_text("a file where the folder goes")
    line = refused_in_one_line(along, "lesson", "start")
    assert "nothing changed" in line


def test_start_on_a_database_that_holds_tables(lesson_copy, backend, database_url):
    """A SQLite file is set aside; a server database must be emptied first."""
    on_server = backend.server_url is not None
    along = Clone(lesson_copy, database_url if on_server else None)
    along.flask("db", "upgrade")
    if on_server:
        line = refused_in_one_line(along, "lesson", "start")
        assert "flask db downgrade base" in line
    else:
        said = along.flask("lesson", "start")
        (backup,) = along.copy.backups.iterdir()
        assert (backup / "app.db").is_file() and not along.database_file.exists()
        # What it set aside is the finished lesson here, not the learner's work.
        assert said.startswith("models.py, migrations/versions/ and the database are set aside "
                               "in "), said
        assert f"lesson-backups/{backup.name} (`flask lesson restore` brings them back)" in said


def test_restore_names_the_backups_there_are(along):
    along.flask("lesson", "start")
    line = refused_in_one_line(along, "lesson", "restore", "no-such-backup")
    (backup,) = along.copy.backups.iterdir()
    assert "no-such-backup" in line and backup.name in line


def test_restore_with_no_backup(along):
    line = refused_in_one_line(along, "lesson", "restore")
    assert "no backup" in line


def test_restore_sets_the_current_work_aside(along):
    along.flask("lesson", "start")
    along.flask("db", "migrate", "-m", "Initial migration.")
    mine = along.files()

    along.flask("lesson", "restore")

    backups = sorted(along.copy.backups.iterdir())
    assert len(backups) == 2
    (script,) = [name for name in mine if name.startswith("versions/")]
    assert (backups[1] / script).read_bytes() == mine[script]
    assert (backups[1] / "models.py").read_bytes() == mine["models.py"]


@pytest.fixture
def clone_on_disk(tmp_path):
    """A clone with all of server/ and lesson/, at head, for a real `flask start` in it."""
    along = Clone(copy_lesson(tmp_path / "clone", whole_server=True))
    along.flask("db", "upgrade")
    along.flask("lesson", "start")
    return along


def test_flask_start_mid_lesson_upgrades_seeds_and_serves(clone_on_disk, steps, tmp_path):
    """Step 1 written but not applied: `flask start` applies it, adds the employees, serves."""
    along = clone_on_disk
    # What `flask db migrate -m "Initial migration."` writes from step 1's models.
    shutil.copy(SERVER_DIR / steps[0].file, along.copy.versions)

    with serving("start", "--no-reload", database_url=None, log_path=tmp_path / "start.log",
                 cwd=along.server) as (url, _):
        with urllib.request.urlopen(url + "/api/schema", timeout=5) as response:
            state = json.load(response)

    assert "Seeded 2 new rows for step 1." in (tmp_path / "start.log").read_text()
    assert state["revision"]["id"] == state["head"] == steps[0].revision
    assert [(t["name"], t["rows"]) for t in state["tables"]] == [("employees", 2)]


def test_flask_start_right_after_lesson_start_serves_an_empty_database(clone_on_disk, tmp_path):
    with serving("start", "--no-reload", database_url=None, log_path=tmp_path / "start.log",
                 cwd=clone_on_disk.server) as (url, _):
        with urllib.request.urlopen(url + "/", timeout=5) as response:
            assert response.status == 200

    assert "Not seeded: the database has no migrations applied yet" in (
        tmp_path / "start.log").read_text()


# One at a time, all or nothing, and copies a reloader notices.


def test_start_and_restore_refuse_while_a_migration_runs(lesson_copy, backend, database_url):
    """The migration lock held, as `flask db upgrade` holds it: both refuse, nothing moves."""
    along = Clone(lesson_copy, database_url if backend.server_url is not None else None)
    if backend.server_url is None:
        along.flask("db", "upgrade")
    along.flask("lesson", "start")
    engine = create_engine(along.app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
    try:
        if backend.server_url is None:
            along.flask("db", "upgrade")  # a database file, for the lock to live in
        with engine.connect() as connection, migration_lock(connection, 5, print):
            connection.exec_driver_sql("SELECT 1")  # SQLite: BEGIN IMMEDIATE takes it
            for command in (("lesson", "start"), ("lesson", "restore")):
                line = refused_in_one_line(along, *command)
                assert "a migration is running on this database" in line, line
    finally:
        engine.dispose()
    along.flask("lesson", "restore")  # and once it is released, it works


def test_a_second_lesson_command_refuses_while_the_first_runs(along):
    along.flask("lesson", "start")
    with file_lock(along.server / "instance" / LOCK_FILE):
        line = refused_in_one_line(along, "lesson", "restore")
    assert "another `flask lesson` command is running" in line, line
    along.flask("lesson", "restore")


def test_only_a_complete_folder_counts_as_a_backup(along):
    along.flask("lesson", "start")
    (finished,) = along.copy.backups.iterdir()
    for half_made in ("2999-01-01_000000", ".unfinished-2999-01-02_000000"):
        (along.copy.backups / half_made).mkdir()
        shutil.copy(finished / "models.py", along.copy.backups / half_made)

    line = refused_in_one_line(along, "lesson", "restore", "2999-01-01_000000")
    assert finished.name in line and "2999" not in line.split("there are:")[1], line
    assert "Restored models.py, the migrations and the database from" in along.flask(
        "lesson", "restore")
    assert along.files()["models.py"] == (finished / "models.py").read_bytes()


def test_restored_files_are_new_to_a_reloader(along):
    """`flask run` restarts when a file's time changes: a copy keeping the backup's old time
    would leave the page on the old models."""
    along.flask("lesson", "start")
    (backup,) = along.copy.backups.iterdir()
    long_ago = time.time() - 3600
    for path in [backup / "models.py", *(backup / "versions").iterdir()]:
        os.utime(path, (long_ago, long_ago))
    before = time.time() - 1

    along.flask("lesson", "restore")

    for path in [along.copy.models, *along.copy.versions.iterdir()]:
        assert path.stat().st_mtime > before, path


def test_two_restores_at_once_leave_one_history(tmp_path):
    """Two real `flask lesson restore` processes started together: one history in versions/,
    never both (two heads); each that ran made a finished backup, one that refused said so."""
    clone = copy_lesson(tmp_path / "clone", whole_server=True)
    assert flask("db", "upgrade", database_url=None, cwd=clone.server).returncode == 0
    assert flask("lesson", "start", database_url=None, cwd=clone.server).returncode == 0
    written = flask("db", "migrate", "-m", "Initial migration.", database_url=None,
                    cwd=clone.server)
    assert written.returncode == 0, written.stderr
    mine = {path.name for path in clone.versions.glob("*.py")}

    runs = [start_flask("lesson", "restore", database_url=None, cwd=clone.server)
            for _ in range(2)]
    outputs = [run.communicate(timeout=60) for run in runs]

    codes = sorted(run.returncode for run in runs)
    assert codes in ([0, 0], [0, 1]), outputs
    for run, (_, stderr) in zip(runs, outputs, strict=True):
        if run.returncode:
            assert stderr.strip().splitlines() == [stderr.strip()], stderr
            assert "another `flask lesson` command is running" in stderr, stderr
    scripts = {path.name for path in clone.versions.glob("*.py")}
    backups = sorted(clone.backups.iterdir())
    assert all(folder.name[0].isdigit() and (folder / "models.py").is_file() for folder in backups)
    assert len(backups) == 1 + codes.count(0)
    # The finished lesson's four scripts, or the learner's one after a second restore: never both.
    assert scripts.isdisjoint(mine) or scripts == mine, scripts
    assert len(scripts) in (1, 4), scripts
    assert all(len({p.name for p in (b / "versions").iterdir()}) in (1, 4) for b in backups)
