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
from database_url import masked
from models import db

bp = Blueprint("schema_page", __name__)

# How many rows of each table the page shows.
FIRST_ROWS = 5

# The page loads nothing but its own stylesheet: it works offline, and an
# injected <script> could not run even if escaping ever failed.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'self'; img-src 'self'"


@bp.get("/")
def page():
    with db.engine.connect() as connection:
        state = read_state(connection, first_rows=FIRST_ROWS)
    return render_template("schema.html", state=state, database=masked(str(db.engine.url)))


@bp.get("/api/schema")
def api():
    with db.engine.connect() as connection:
        state = read_state(connection)
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
@bp.errorhandler(CommandError)
def unavailable(error):
    """The database could not be read (or the scripts not resolved): say so, with a 503."""
    current_app.logger.warning("schema page: %s", error)
    url = db.engine.url
    reason = first_line(getattr(error, "orig", None) or error)
    if url.password:  # a driver may echo what it was given
        reason = reason.replace(str(url.password), "***")
    details = {"error": "database unavailable", "database": masked(str(url)), "reason": reason}
    if request.endpoint == "schema_page.api":
        return details, 503
    return render_template("unavailable.html", **details), 503


def first_line(error):
    """Drivers add hints and SQLAlchemy a link below; the first line says what failed."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


@bp.after_request
def forbid_outside_resources(response):
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response
