"""extras/lesson_file_errors.py: a mistake in models.py is one line on every command."""
import shutil
import subprocess

import pytest

from helpers.flask_process import FLASK, flask_env
from helpers.server_copies import copy_server

MISTAKES = {  # what the learner typed, and the words of the line
    "syntax": ("class Employee(db.Model):", "class Employee(db.Model)", "SyntaxError"),
    "misspelt type": ("db.Column(db.String(255), nullable=False)",
                      "db.Column(db.Strng(255), nullable=False)", "AttributeError: Strng"),
    "misspelt attribute": ("db.Column(db.Integer)", "db.Colum(db.Integer)",
                           "AttributeError: Colum"),
}


@pytest.fixture(scope="module")
def pristine_server(tmp_path_factory):
    server = tmp_path_factory.mktemp("server") / "server"
    copy_server(server)
    return server


def flask(server, *args, **settings):
    return subprocess.run([str(FLASK), *args], cwd=server,
                          env=flask_env(f"sqlite:///{server / 'app.db'}") | settings,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("mistake", MISTAKES)
def test_a_mistake_in_models_is_one_line_naming_the_line(mistake, pristine_server, tmp_path):
    server = tmp_path / "server"
    shutil.copytree(pristine_server, server)
    right, wrong, words = MISTAKES[mistake]
    models = (server / "models.py").read_text()
    assert right in models
    models = models.replace(right, wrong, 1)
    (server / "models.py").write_text(models)
    line_number = models[:models.index(wrong)].count("\n") + 1

    for command in (["db", "current"], ["db", "upgrade"], ["seed"], ["run"]):
        result = flask(server, *command)
        assert result.returncode == 1, (command, result.stderr)
        assert result.stdout == "" and "Traceback" not in result.stderr, result.stderr
        [line] = result.stderr.splitlines()
        assert line.startswith(f"Error: models.py, line {line_number}: {words}"), line
    assert not (server / "app.db").exists()

    debug = flask(server, "db", "current", FLASK_DEBUG="1")
    assert debug.returncode == 1 and "Traceback (most recent call last)" in debug.stderr
