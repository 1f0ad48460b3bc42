"""extras/database_url.py: which database the app uses, and one line for a URL it cannot use."""
import pytest

from app import create_app
from extras.database_url import (
    DatabaseURLError,
    database_url_from_environment,
    with_project_driver,
)
from helpers.flask_process import flask

UNREACHABLE = "postgresql+psycopg://learner:s3cret@127.0.0.1:1/nowhere"


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    instance = tmp_path / "instance"
    assert database_url_from_environment(str(instance)) == f"sqlite:///{instance / 'app.db'}"
    assert instance.is_dir()


def test_empty_database_url_counts_as_unset(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "  ")
    assert database_url_from_environment(str(tmp_path)).startswith("sqlite:///")


def test_database_url_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://root@/test")
    assert database_url_from_environment(str(tmp_path)) == "postgresql+psycopg://root@/test"


def test_driverless_urls_get_this_projects_drivers():
    assert with_project_driver("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert with_project_driver("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert with_project_driver("mysql://u@h/d") == "mysql+pymysql://u@h/d"
    assert with_project_driver("sqlite:///x.db") == "sqlite:///x.db"


def error_lines(output):
    return [line for line in output.splitlines() if "Error:" in line]


@pytest.mark.parametrize(
    "url, expected",
    [
        ("not a url", "is not a database URL this app can use"),
        (UNREACHABLE, "cannot use the database at postgresql+psycopg://learner:***@127.0.0.1:1"),
    ],
    ids=["malformed", "unreachable"],
)
def test_real_cli_prints_one_line_for_a_bad_database_url(url, expected):
    result = flask("db", "upgrade", database_url=url)
    assert result.returncode == 1
    assert [line for line in error_lines(result.stderr) if expected in line], result.stderr
    assert len(error_lines(result.stderr)) == 1, result.stderr
    assert "Traceback" not in result.stderr and "s3cret" not in result.stderr + result.stdout


def test_malformed_url_is_refused_when_the_app_is_made(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "nosuchdb://x/y")
    with pytest.raises(DatabaseURLError, match="Can't load plugin"):
        create_app()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://ann:p@ss@127.0.0.1:1/db",  # an @ in the password, not escaped
        "postgresql://user:password@host:port/dbname",  # a template copied as it is
        "postgresql://ann@[::1/db",
    ],
    ids=["two-at-signs", "port-is-a-word", "broken-ipv6"],
)
def test_urls_sqlalchemy_would_misread_are_refused(monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(DatabaseURLError) as refused:
        create_app()
    assert "ss@" not in str(refused.value) and "password@" not in str(refused.value)
