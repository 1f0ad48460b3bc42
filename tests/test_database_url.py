"""Which database the app uses (app.py), and one line for a URL it cannot use (core/urls.py)."""
import os

import pytest
from sqlalchemy.engine import make_url

from app import create_app
from extras.core.urls import DatabaseURLError, with_driver
from helpers.flask_process import flask
from models import db

UNREACHABLE = "postgresql+psycopg://learner:s3cret@127.0.0.1:1/nowhere"


def engine_url(app):
    with app.app_context():
        url = db.engine.url
        db.engine.dispose()
    return url


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    url = engine_url(app)
    assert url.get_backend_name() == "sqlite"
    assert url.database == os.path.join(app.instance_path, "app.db")
    assert os.path.isdir(app.instance_path)


def test_empty_database_url_counts_as_unset(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "  ")
    app = create_app()
    assert engine_url(app).database == os.path.join(app.instance_path, "app.db")


def test_database_url_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://root@/test")
    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://root@/test"


def test_driverless_urls_get_this_projects_drivers(monkeypatch):
    assert with_driver("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert with_driver("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert with_driver("mysql://u@h/d") == "mysql+pymysql://u@h/d"
    assert with_driver("sqlite:///x.db") == "sqlite:///x.db"
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/d")
    assert make_url(create_app().config["SQLALCHEMY_DATABASE_URI"]).drivername == (
        "postgresql+psycopg")


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


# An @ and a / inside the password, neither escaped: SQLAlchemy ends the password at the first @.
SLASH_AND_AT = "postgresql+psycopg://root:se/cr@et@host/db"
PASSWORD_PARTS = ("se/", "/cr", "cr@", "et@", ":se")


def test_a_password_with_a_slash_and_an_at_is_masked_whole():
    from extras.core.urls import hide_password, masked_url

    assert masked_url(SLASH_AND_AT) == "postgresql+psycopg://root:***@host/db"
    # The query as it was written, not %2F-escaped.
    assert masked_url("postgresql://ann:pw@/db?host=/run/pg") == "postgresql://ann:***@/db?host=/run/pg"
    echoed = 'could not translate host name "et@host" to address (password se/cr@et)'
    assert hide_password(echoed, SLASH_AND_AT) == (
        'could not translate host name "***@host" to address (password ***)')


def test_real_cli_never_shows_a_part_of_a_password_with_a_slash_and_an_at():
    result = flask("db", "current", database_url=SLASH_AND_AT)
    assert result.returncode == 1
    [line] = error_lines(result.stderr)
    assert line == ("Error: DATABASE_URL=postgresql+psycopg://root:***@host/db has an @ inside "
                    "its password: write it as %40 in the URL."), result.stderr
    shown = result.stdout + result.stderr
    assert not [part for part in PASSWORD_PARTS if part in shown], shown


def test_the_kit_never_shows_a_part_of_a_password_with_a_slash_and_an_at(tmp_path):
    from testing.backends import Backend, DatabaseUnavailable, fresh_database

    with pytest.raises(DatabaseUnavailable) as refused:
        with fresh_database(Backend("postgresql", SLASH_AND_AT), tmp_path):
            pass
    assert "lists postgresql+psycopg://root:***@host/db" in str(refused.value)
    assert not [part for part in PASSWORD_PARTS if part in str(refused.value)]


def test_a_sqlite_file_name_longer_than_the_system_allows_is_one_line(monkeypatch, tmp_path):
    """SQLite said only "unable to open database file", and `flask db current` raised
    Python's "File name too long" as a traceback."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / ('a' * 300)}.db")
    with pytest.raises(DatabaseURLError) as refused:
        create_app()
    assert str(refused.value) == (
        "DATABASE_URL names a SQLite file with a name of 303 bytes, longer than this "
        "system allows (255): use a shorter name.")
    assert list(tmp_path.iterdir()) == []
