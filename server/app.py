"""The lesson's app: Flask, Flask-SQLAlchemy and Flask-Migrate wired together.

`flask` finds `create_app` here by itself (FLASK_APP=app.py in .flaskenv),
and the tests call it with settings of their own.
"""
import os

from flask import Flask
from flask_migrate import Migrate

try:  # Everything beyond the lesson lives in extras/; without it the lesson runs the same.
    import extras
except ModuleNotFoundError as missing:
    if missing.name != "extras":
        raise
    extras = None
else:
    extras.install_error_boundary()  # before models.py is imported: a mistake there is one line

from models import db


def create_app(test_config=None):
    """Build the app; `test_config` replaces the settings from the environment in a test."""
    app = Flask(__name__)
    app.config.from_mapping(
        # DATABASE_URL, or the SQLite file instance/app.db when it is not set (or empty).
        SQLALCHEMY_DATABASE_URI=os.environ.get("DATABASE_URL", "").strip() or "sqlite:///app.db",
        # Absolute, so `flask db ...` finds the migrations from any folder.
        MIGRATIONS_DIR=os.path.join(app.root_path, "migrations"),
    )
    if test_config is None:
        # FLASK_MIGRATION_LOCK_TIMEOUT=5 and the like become app.config settings.
        app.config.from_prefixed_env()
    else:
        app.config.from_mapping(test_config)

    if extras:
        extras.configure(app)  # checks the settings and the database URL, in one line each
    db.init_app(app)
    Migrate(app, db, directory=app.config["MIGRATIONS_DIR"])
    if extras:
        extras.init_app(app)  # the safety nets, `flask seed`, `flask start`, the schema page
    return app
