"""The page follows models.py: `flask run` and `flask start` restart themselves after an edit,
and after `flask lesson start` and `restore` put another models.py in place."""
import json
import time
import urllib.request

import pytest

from helpers.flask_process import flask
from helpers.lesson_copies import copy_lesson
from helpers.live_server import serving
from helpers.server_copies import copy_server

NEW_COLUMN = "    nickname = db.Column(db.String(50))\n"
RELOAD_SECONDS = 15  # the reloader looks every second; starting again takes a few more


def differences(url):
    with urllib.request.urlopen(url + "/api/schema", timeout=5) as response:
        return json.load(response)["differences"]


@pytest.mark.parametrize("command", ["run", "start"])
def test_page_shows_an_edit_to_models_without_a_restart(tmp_path, command):
    """The README's way: `flask run` from server/, on its own instance/app.db."""
    server = tmp_path / "server"
    copy_server(server)
    upgraded = flask("db", "upgrade", database_url=None, cwd=server)
    assert upgraded.returncode == 0, upgraded.stderr

    with serving(command, database_url=None, log_path=tmp_path / "flask.log",
                 cwd=server) as (url, process):
        assert differences(url) == []
        models = server / "models.py"
        text = models.read_text()
        models.write_text(text.replace('    salary = db.Column(db.Integer)\n',
                                       '    salary = db.Column(db.Integer)\n' + NEW_COLUMN))

        deadline = time.monotonic() + RELOAD_SECONDS
        shown = []
        while time.monotonic() < deadline and not shown:
            time.sleep(0.5)
            try:
                shown = differences(url)
            except OSError:  # between the old server and the new one
                continue
        assert process.poll() is None, "the server stopped instead of reloading"
        assert any("nickname" in line for line in shown), (tmp_path / "flask.log").read_text()


def schema(url):
    with urllib.request.urlopen(url + "/api/schema", timeout=5) as response:
        return json.load(response)


def wait_for(url, shown, log):
    """The JSON once shown(json) is true, reloading for up to RELOAD_SECONDS; else fail."""
    deadline = time.monotonic() + RELOAD_SECONDS
    facts = None
    while time.monotonic() < deadline:
        time.sleep(0.5)
        try:
            facts = schema(url)
        except OSError:  # between the old server and the new one
            continue
        if shown(facts):
            return facts
    pytest.fail(f"the page still shows {facts}\n{log.read_text()}")


def test_page_follows_lesson_start_and_restore_under_flask_run(tmp_path):
    """The quick start leaves `flask run` running; `lesson start` and `restore` copy models.py
    in, and the reloader must see it, so the page compares the database with the new models."""
    clone = copy_lesson(tmp_path / "clone", whole_server=True)
    upgraded = flask("db", "upgrade", database_url=None, cwd=clone.server)
    assert upgraded.returncode == 0, upgraded.stderr
    log = tmp_path / "flask.log"

    with serving("run", database_url=None, log_path=log, cwd=clone.server) as (url, process):
        assert schema(url)["differences"] == []
        started = flask("lesson", "start", database_url=None, cwd=clone.server)
        assert started.returncode == 0, started.stderr

        facts = wait_for(url, lambda facts: facts["differences"] == [
            "add table `employees`: in the models but not in the database"], log)
        assert facts["database_exists"] is False and facts["history"] == []
        assert not (clone.server / "instance" / "app.db").exists()

        restored = flask("lesson", "restore", database_url=None, cwd=clone.server)
        assert restored.returncode == 0, restored.stderr
        facts = wait_for(url, lambda facts: facts["database_exists"] and len(facts["history"]) == 4
                         and facts["differences"] == [], log)
        assert facts["revision"]["id"] == facts["head"]
        assert process.poll() is None, "the server stopped instead of reloading"
