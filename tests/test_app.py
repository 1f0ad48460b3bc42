"""app.py: create_app() builds the lesson's app, and registers the extras with one call."""
from app import create_app
from helpers.paths import SERVER_DIR


def test_debug_is_off_unless_asked_for(monkeypatch, tmp_path):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert create_app().debug is False


def test_server_defaults_are_safe():
    """No debugger and loopback only, unless the learner asks for more."""
    settings = (SERVER_DIR / ".flaskenv").read_text()
    assert "FLASK_DEBUG" not in settings and "FLASK_RUN_HOST" not in settings
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).debug is False


def test_shell_starts_with_the_lesson_names(app):
    with app.app_context():
        context = app.make_shell_context()
    assert {"db", "Employee", "Department"} <= context.keys()


def test_the_extras_add_their_commands_and_the_page(app):
    assert {"seed", "start"} <= set(app.cli.list_commands(None))
    assert {rule.rule for rule in app.url_map.iter_rules()} >= {"/", "/api/schema"}


def test_server_folder_shows_the_lesson_at_a_glance():
    """Issue 10: the lesson's files, the grading kit, and one package for everything else."""
    shown = {path.name for path in SERVER_DIR.iterdir()
             if path.name not in ("instance", "__pycache__")}
    assert shown == {"app.py", "models.py", ".flaskenv", "migrations", "testing", "extras"}
