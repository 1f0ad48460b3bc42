"""extras/lesson_backups.py: `flask lesson start` and `restore` refuse in one line, change nothing.

The whole code-along, with a restore at the end, is in test_code_along.py.
"""
import json
import shutil
import urllib.request

import pytest

from helpers.code_along import CodeAlong
from helpers.live_server import serving


@pytest.fixture
def along(tmp_path):
    """A clone at head, seeded, on its default SQLite file."""
    along = CodeAlong(tmp_path / "clone")
    along.flask("db", "upgrade")
    return along


def refused_in_one_line(along, *args):
    before = along.files()
    result = along.try_flask(*args)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert along.files() == before
    return lines[0]


def test_start_without_the_lesson_folder(along):
    shutil.rmtree(along.server.parent / "lesson")
    line = refused_in_one_line(along, "lesson", "start")
    assert "step1_models.py is missing" in line


def test_start_when_the_backup_cannot_be_made(along):
    (along.server / "instance" / "lesson-backups").write_text("a file where the folder goes")
    line = refused_in_one_line(along, "lesson", "start")
    assert "nothing changed" in line


def test_start_on_a_database_that_holds_tables(tmp_path, backend, database_url):
    """A SQLite file is set aside; a server database must be emptied first."""
    on_server = backend.server_url is not None
    along = CodeAlong(tmp_path / "clone", database_url if on_server else None)
    along.flask("db", "upgrade")
    if on_server:
        line = refused_in_one_line(along, "lesson", "start")
        assert "flask db downgrade base" in line
    else:
        along.flask("lesson", "start")
        (backup,) = (along.server / "instance" / "lesson-backups").iterdir()
        assert (backup / "app.db").is_file() and not along.database_file.exists()


def test_restore_names_the_backups_there_are(along):
    along.flask("lesson", "start")
    line = refused_in_one_line(along, "lesson", "restore", "no-such-backup")
    (backup,) = (along.server / "instance" / "lesson-backups").iterdir()
    assert "no-such-backup" in line and backup.name in line


def test_restore_with_no_backup(along):
    line = refused_in_one_line(along, "lesson", "restore")
    assert "no backup" in line


def test_restore_sets_the_current_work_aside(along):
    along.flask("lesson", "start")
    along.flask("db", "migrate", "-m", "Initial migration.")
    mine = along.files()

    along.flask("lesson", "restore")

    backups = sorted((along.server / "instance" / "lesson-backups").iterdir())
    assert len(backups) == 2
    (script,) = [name for name in mine if name.startswith("versions/")]
    assert (backups[1] / script).read_bytes() == mine[script]
    assert (backups[1] / "models.py").read_bytes() == mine["models.py"]


def test_flask_start_mid_lesson_upgrades_seeds_and_serves(along, tmp_path):
    """Step 1 written but not applied: `flask start` applies it, adds the employees, serves."""
    along.flask("lesson", "start")
    along.flask("db", "migrate", "-m", "Initial migration.")

    with serving("start", database_url=None, log_path=tmp_path / "start.log",
                 cwd=along.server) as (url, _):
        with urllib.request.urlopen(url + "/api/schema", timeout=5) as response:
            state = json.load(response)

    assert "Seeded 2 new rows for step 1." in (tmp_path / "start.log").read_text()
    assert state["revision"]["id"] == state["head"]
    assert [(t["name"], t["rows"]) for t in state["tables"]] == [("employees", 2)]


def test_flask_start_right_after_lesson_start_serves_an_empty_database(along, tmp_path):
    along.flask("lesson", "start")

    with serving("start", database_url=None, log_path=tmp_path / "start.log",
                 cwd=along.server) as (url, _):
        with urllib.request.urlopen(url + "/", timeout=5) as response:
            assert response.status == 200

    assert "Not seeded: the database has no migrations applied yet" in (
        tmp_path / "start.log").read_text()
