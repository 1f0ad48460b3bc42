"""The lesson's app: Flask, Flask-SQLAlchemy and Flask-Migrate wired together.

`flask` finds `create_app` here by itself (FLASK_APP=app.py in .flaskenv),
and the tests call it with their own database.
"""
import os

from flask import Flask
from flask_migrate import Migrate
from sqlalchemy.exc import ArgumentError

from database_url import check_database_url, resolve_database_url, unusable_url
from models import db

# Absolute, so `flask db ...` finds the migrations from any folder.
MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations")


def create_app(test_config=None):
    """Build the app; `test_config` overrides settings for a test."""
    app = Flask(__name__, instance_relative_config=True)
    # How long `flask db upgrade` waits for another run to finish (seconds).
    app.config["MIGRATION_LOCK_TIMEOUT"] = 60
    if test_config is None:
        app.config["SQLALCHEMY_DATABASE_URI"] = resolve_database_url(app.instance_path)
        # FLASK_MIGRATION_LOCK_TIMEOUT=5 and the like override the settings above.
        app.config.from_prefixed_env()
    else:
        app.config.from_mapping(test_config)

    check_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        db.init_app(app)
    except (ArgumentError, ImportError, ValueError) as error:  # e.g. an unknown driver
        raise unusable_url(app.config["SQLALCHEMY_DATABASE_URI"], error) from None
    Migrate(app, db, directory=MIGRATIONS_DIR)

    from cli import seed_command, start_command
    from schema_page import bp as schema_page_bp

    app.cli.add_command(seed_command)
    app.cli.add_command(start_command)
    app.register_blueprint(schema_page_bp)
    # `flask shell` starts with `db`, `Employee` and `Department` in scope:
    # Flask-SQLAlchemy adds every model to the shell context by itself.

    return app
