"""The app factory and its database URL."""

from app import create_app
from database_url import masked, resolve_database_url, with_default_driver


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    instance = tmp_path / "instance"
    assert resolve_database_url(str(instance)) == f"sqlite:///{instance / 'app.db'}"
    assert instance.is_dir()


def test_empty_database_url_counts_as_unset(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "  ")
    assert resolve_database_url(str(tmp_path)).startswith("sqlite:///")


def test_database_url_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://root@/test")
    assert resolve_database_url(str(tmp_path)) == "postgresql+psycopg://root@/test"


def test_driverless_urls_get_this_projects_drivers():
    assert with_default_driver("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert with_default_driver("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert with_default_driver("mysql://u@h/d") == "mysql+pymysql://u@h/d"
    assert with_default_driver("sqlite:///x.db") == "sqlite:///x.db"


def test_printed_urls_hide_the_password():
    assert masked("postgresql://ann@db/app?password=s3cret&sslmode=require") == (
        "postgresql://ann@db/app?password=***&sslmode=require"
    )
    assert masked("postgresql+psycopg://ann:s3cret@db/app") == "postgresql+psycopg://ann:***@db/app"
    assert "s3cret" not in masked("not a url with s3cret")


def test_debug_is_off_unless_asked_for(monkeypatch, tmp_path):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert create_app().debug is False
