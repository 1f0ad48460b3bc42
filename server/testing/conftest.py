"""Fixtures: a fresh database on every engine, and an app, client and CLI runner on it."""
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from app import create_app
from models import db
from testing.engines import engine_params, fresh_database
from testing.lesson import find_steps
from testing.live_database import LiveDatabase


@pytest.fixture(params=engine_params())
def database_url(request, tmp_path):
    """A new, empty database on each engine under test."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def app(database_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    yield app
    with app.app_context():
        db.engine.dispose()  # let the test database be dropped


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    """Invokes the app's real `flask` commands in-process.

    The `flask` executable pushes an app context around every command;
    the test runner does not, so this fixture does.
    """
    with app.app_context():
        yield app.test_cli_runner()


@pytest.fixture
def live_db(app):
    return LiveDatabase(app)


@pytest.fixture
def steps(app):
    """The learner's four migrations, found by walking the chain from base."""
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
    return find_steps(ScriptDirectory.from_config(config))


# pytest-alembic's generic checks run on the same app and database.


@pytest.fixture
def alembic_config(app):
    with app.app_context():
        yield app.extensions["migrate"].migrate.get_config()


@pytest.fixture
def alembic_engine(database_url):
    engine = create_engine(database_url, poolclass=NullPool)
    yield engine
    engine.dispose()


def pytest_terminal_summary(terminalreporter):
    """Print where the browser test saved its screenshots, even when all is green."""
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, value in getattr(report, "user_properties", ()):
                if name == "screenshot" and report.when == "call":
                    terminalreporter.write_line(f"Screenshot ({report.nodeid}): {value}")
