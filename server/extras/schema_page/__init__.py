"""`GET /` and `GET /api/schema`: where the database stands, live.

A learner runs `flask db upgrade` or `downgrade` in one terminal and reloads
this page to see what changed, on SQLite, PostgreSQL or MariaDB alike. It
only reads: nothing from the request reaches SQL.
"""
from dataclasses import asdict

from alembic.util import CommandError
from flask import Blueprint, current_app, render_template, request
from sqlalchemy.exc import SQLAlchemyError

from database_state import read_state
from database_url import first_line, masked
from models import db

bp = Blueprint("schema_page", __name__)

# How many rows of each table the page shows.
FIRST_ROWS = 5

# The page loads nothing but its own stylesheet: it works offline, and an
# injected <script> could not run even if escaping ever failed.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'self'; img-src 'self'"


class MigrationScriptError(Exception):
    """The scripts in migrations/versions cannot be used: a typo, two heads..."""


def read_live_state(first_rows=0):
    """read_state(), telling broken migration scripts apart from the database."""
    try:
        with db.engine.connect() as connection:
            return read_state(connection, first_rows=first_rows)
    except SQLAlchemyError:
        raise
    except CommandError as error:  # Alembic's own words, e.g. about several heads
        raise MigrationScriptError(str(error)) from error
    except Exception as error:  # Alembic imports every script to build the history
        raise MigrationScriptError(f"{type(error).__name__}: {first_line(error)}") from error


@bp.get("/")
def page():
    state = read_live_state(first_rows=FIRST_ROWS)
    return render_template("schema.html", state=state, database=masked(str(db.engine.url)))


@bp.get("/api/schema")
def api():
    state = read_live_state()
    revision = state.revision
    return {
        "revision": None if revision is None else {"id": revision.id, "message": revision.message},
        "head": state.head,
        "history": [asdict(r) for r in state.history],
        "tables": [
            {"name": t.name, "rows": t.rows, "columns": [asdict(c) for c in t.columns]}
            for t in state.tables
        ],
        "drift": state.drift,
    }


@bp.errorhandler(SQLAlchemyError)
def unavailable(error):
    """The database could not be read: say so, with a 503."""
    current_app.logger.warning("schema page: %s", error)
    url = db.engine.url
    reason = first_line(error)
    if url.password:  # a driver may echo what it was given
        reason = reason.replace(str(url.password), "***")
    details = {"error": "database unavailable", "database": masked(str(url)), "reason": reason}
    if request.endpoint == "schema_page.api":
        return details, 503
    return render_template("unavailable.html", **details), 503


@bp.errorhandler(MigrationScriptError)
def broken_script(error):
    """The scripts, not the database, are at fault: say which, with a 503."""
    current_app.logger.warning("schema page: %s", error)
    details = {"error": "migration scripts unusable", "reason": str(error)}
    if request.endpoint == "schema_page.api":
        return details, 503
    return render_template("broken_script.html", **details), 503


@bp.after_request
def forbid_outside_resources(response):
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response
