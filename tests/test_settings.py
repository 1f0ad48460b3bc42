"""core/settings.py: every setting is checked once, when the app is made, with a line of its own.

`app.config.from_prefixed_env()` reads FLASK_<NAME> as JSON where it can:
123, true and null arrive as a number, True and None, never as text.
"""
import pytest

from app import create_app
from extras.core.settings import SettingError
from helpers.flask_process import flask

BAD_SETTINGS = [
    ("MODELS_FILE", "123", "FLASK_MODELS_FILE must be the path of a file, not 123."),
    ("LESSON_DIR", "true", "FLASK_LESSON_DIR must be the path of a folder, not True."),
    ("LESSON_BACKUPS_DIR", "null",
     "FLASK_LESSON_BACKUPS_DIR must be the path of a folder, not None."),
    ("SCHEMA_PAGE_HOSTS", "5",
     "FLASK_SCHEMA_PAGE_HOSTS must be host names separated by commas, not 5."),
    ("MIGRATION_LOCK_TIMEOUT", "true",
     "FLASK_MIGRATION_LOCK_TIMEOUT must be a number of seconds from 0 to 2147483, not True."),
]


@pytest.mark.parametrize("name, value, line", BAD_SETTINGS, ids=[s[0] for s in BAD_SETTINGS])
def test_a_setting_of_the_wrong_kind_is_refused_with_its_own_line(monkeypatch, name, value, line):
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv(f"FLASK_{name}", value)
    with pytest.raises(SettingError) as refused:
        create_app()
    assert str(refused.value) == line


def test_the_real_cli_says_it_in_one_line(tmp_path):
    result = flask("db", "current", database_url=f"sqlite:///{tmp_path / 'app.db'}",
                   settings={"FLASK_SCHEMA_PAGE_HOSTS": "5"})
    assert result.returncode == 1
    assert result.stderr.strip() == f"Error: {BAD_SETTINGS[3][2]}", result.stderr
    assert not (tmp_path / "app.db").exists()


def test_settings_of_the_right_kind_are_kept(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("FLASK_LESSON_DIR", str(tmp_path))
    monkeypatch.setenv("FLASK_SCHEMA_PAGE_HOSTS", "pc.local, [::2]")
    monkeypatch.setenv("FLASK_MIGRATION_LOCK_TIMEOUT", "0")
    app = create_app()
    assert app.config["LESSON_DIR"] == str(tmp_path)
    assert app.config["SCHEMA_PAGE_HOSTS"] == "pc.local, [::2]"
    assert app.config["MIGRATION_LOCK_TIMEOUT"] == 0
    assert app.config["MODELS_FILE"].endswith("models.py")
