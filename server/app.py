"""The lesson's app: Flask, Flask-SQLAlchemy and Flask-Migrate wired together.

`flask` finds `create_app` here by itself (FLASK_APP=app.py in .flaskenv),
and the tests call it with their own database.
"""
import os

from flask import Flask
from flask_migrate import Migrate

import extras
from extras.database_url import database_url_from_environment, refuse_unusable_url
from models import db

# Absolute, so `flask db ...` finds the migrations from any folder.
MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations")


def create_app(test_config=None):
    """Build the app; `test_config` replaces the settings from the environment in a test."""
    app = Flask(__name__)
    if test_config is None:
        # DATABASE_URL, or server/instance/app.db when it is not set.
        app.config["SQLALCHEMY_DATABASE_URI"] = database_url_from_environment(app.instance_path)
        # FLASK_MIGRATION_LOCK_TIMEOUT=5 and the like become app.config settings.
        app.config.from_prefixed_env()
    else:
        app.config.from_mapping(test_config)

    with refuse_unusable_url(app.config["SQLALCHEMY_DATABASE_URI"]):
        db.init_app(app)
    Migrate(app, db, directory=MIGRATIONS_DIR)
    # `flask seed`, `flask start` and the schema page: none of it is the lesson.
    extras.init_app(app)
    return app
