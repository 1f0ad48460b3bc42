"""The learner's own files, and a plain Flask app around them: used in the child process only.

The kit uses only what every copy of the lesson has: `models.py` (for its
`db`) and the `migrations/` folder next to it. It never imports the
learner's `app.py`, which may build a module-level app on `app.db`, or
this repository's `create_app`, which a fork of the original lesson does
not have. Importing models.py runs the learner's code, so this module's
load_models() and grading_app() are called in learner_process.py's child
alone, never in the process that grades.
"""
import importlib
import warnings
from pathlib import Path

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from .places import error_place, error_text, learner_file

SERVER_DIR = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = SERVER_DIR / "migrations"

# Flask-Migrate 3.x and 4.x write an env.py that calls `db.get_engine()`,
# which Flask-SQLAlchemy 3.1 deprecates. The learner did not write that
# call, `flask db init` did, so this one warning is never held against them.
GENERATED_ENV_WARNING = "'get_engine' is deprecated"


class ModelsUnusable(Exception):
    """models.py cannot be imported, or has no Flask-SQLAlchemy `db`; the message says why."""


def load_models(server_dir):
    """The learner's `db`, and the warnings that importing models.py raised (as notes).

    The child has put `server_dir` last on sys.path, after the libraries.
    """
    with warnings.catch_warnings(record=True) as raised:
        warnings.simplefilter("always")
        try:
            module = importlib.import_module("models")
        except MemoryError:  # the child's limit: said as such (learner_process.py)
            raise
        except Exception as error:
            place = error_place(error, server_dir)
            where = f" ({place})" if place else ""
            raise ModelsUnusable(
                f"models.py cannot be imported{where}: {error_text(error)}") from None
    db = getattr(module, "db", None)
    if not isinstance(db, SQLAlchemy):
        raise ModelsUnusable("models.py has no `db = SQLAlchemy(...)`: the lesson's models.py "
                             "makes one, and migrations/env.py needs it.")
    return db, warning_notes(raised, server_dir)


def grading_app(db, database_url, migrations_dir):
    """A Flask app on `database_url` with the learner's `db` and migrations, and nothing else."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    db.init_app(app)
    Migrate(app, db, directory=str(migrations_dir))
    return app


def warning_notes(raised, server_dir):
    """The recorded warnings as scorecard notes, less the one `flask db init` causes."""
    notes = []
    for warning in raised:
        message = str(warning.message)
        if GENERATED_ENV_WARNING in message:
            continue
        place = learner_file(warning.filename, server_dir)
        where = f" ({place}, line {warning.lineno})" if place else ""
        text = message.splitlines()[0].split(" (Background on ")[0]  # SQLAlchemy's link
        note = f"{warning.category.__name__}: {text}{where}"
        if note not in notes:
            notes.append(note)
    return notes
