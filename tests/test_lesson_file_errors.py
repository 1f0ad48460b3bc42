"""extras/commands/boundary.py: a mistake in models.py is one line on every command.

Each mistake is raised by running the broken models.py and handed to the
boundary's sys.excepthook, in-process; the real `flask` shows the hook at
work where it matters, at the top of a process of its own, on every way
`flask` loads the app.
"""
import runpy
import shutil
import sys

import pytest

from extras.commands.boundary import one_line_on_loading
from helpers.flask_process import flask
from helpers.paths import SERVER_DIR
from helpers.server_copies import copy_server

MISTAKES = {  # what the learner typed, and the words of the line
    "syntax": ("class Employee(db.Model):", "class Employee(db.Model)", "SyntaxError"),
    "misspelt type": ("db.Column(db.String(255), nullable=False)",
                      "db.Column(db.Strng(255), nullable=False)", "AttributeError: Strng"),
    "misspelt attribute": ("db.Column(db.Integer)", "db.Colum(db.Integer)",
                           "AttributeError: Colum"),
}


def break_models(server, mistake):
    """Make the mistake in `server`/models.py; return the line it is on, and the line's words."""
    right, wrong, words = MISTAKES[mistake]
    models = (server / "models.py").read_text()
    assert right in models
    models = models.replace(right, wrong, 1)
    (server / "models.py").write_text(models)
    return models[:models.index(wrong)].count("\n") + 1, words


@pytest.mark.parametrize("mistake", MISTAKES)
def test_a_mistake_in_models_is_one_line_naming_the_line(mistake, tmp_path, capsys, monkeypatch):
    server = tmp_path / "server"
    server.mkdir()
    shutil.copy(SERVER_DIR / "models.py", server)
    line_number, words = break_models(server, mistake)
    with pytest.raises(Exception) as raised:
        runpy.run_path(str(server / "models.py"))
    hook = one_line_on_loading(sys.__excepthook__, lesson_files=server)  # Python's own after it

    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    hook(raised.type, raised.value, raised.tb)
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"Error: models.py, line {line_number}: {words}"), line
    assert line.endswith("(FLASK_DEBUG=1 shows the traceback).")

    monkeypatch.setenv("FLASK_DEBUG", "1")
    hook(raised.type, raised.value, raised.tb)
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_the_real_flask_says_it_in_one_line_however_it_loads_the_app(tmp_path):
    """`flask db ...` loads the app in its command, `flask seed` to find the command, `flask
    run` to serve it: the hook catches the mistake on each, and nothing is created."""
    server = tmp_path / "server"
    copy_server(server)
    line_number, words = break_models(server, "misspelt type")

    def run(*args, **settings):
        return flask(*args, database_url=f"sqlite:///{server / 'app.db'}", cwd=server,
                     settings=settings)

    for command in (["db", "upgrade"], ["seed"], ["run"]):
        result = run(*command)
        assert result.returncode == 1, (command, result.stderr)
        assert result.stdout == "" and "Traceback" not in result.stderr, result.stderr
        [line] = result.stderr.splitlines()
        assert line.startswith(f"Error: models.py, line {line_number}: {words}"), line
    assert not (server / "app.db").exists()

    debug = run("db", "current", FLASK_DEBUG="1")
    assert debug.returncode == 1 and "Traceback (most recent call last)" in debug.stderr
