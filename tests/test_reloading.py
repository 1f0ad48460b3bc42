"""The page follows models.py: `flask run` and `flask start` restart themselves after an edit."""
import json
import time
import urllib.request

import pytest

from helpers.flask_process import flask
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
