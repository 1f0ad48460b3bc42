"""The page at / and its JSON at /api/schema: where the database stands, live.

A learner runs `flask db upgrade` or `downgrade` in one terminal and reloads
this page to see what changed, on SQLite, PostgreSQL or MariaDB alike. It
only reads: nothing from the request reaches SQL. A blueprint with its own
templates/ and static/, registered by extras.init_app().
"""
from dataclasses import asdict, dataclass

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import Blueprint, current_app, render_template, request
from sqlalchemy.exc import SQLAlchemyError

from extras.database_state import read_state
from extras.histories import BrokenVersionTable
from extras.one_line_errors import describe_database_error, first_line, masked_url, script_frames

bp = Blueprint(
    "schema_page", __name__, template_folder="templates",
    static_folder="static", static_url_path="/schema-page/static",
)

# How many rows of each table the page shows.
FIRST_ROWS = 5

# The page loads nothing but its own stylesheet: it works offline, and an
# injected <script> could not run even if escaping ever failed.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'self'; img-src 'self'"

# Why the schema cannot be shown; the JSON's "error".
DATABASE_UNAVAILABLE = "database unavailable"
SCRIPTS_UNUSABLE = "migration scripts unusable"
VERSION_TABLE_UNUSABLE = "alembic_version unusable"


@dataclass
class CannotShowSchema(Exception):
    """The database could not be read, or the scripts in migrations/versions cannot be used."""

    error: str  # DATABASE_UNAVAILABLE or SCRIPTS_UNUSABLE
    reason: str  # one line, without a password
    database: str | None = None  # the masked URL, when the database is at fault

    def __str__(self):
        return self.reason


def read_live_state(migrate, first_rows=0):
    """read_state() for an app's Flask-Migrate state `migrate`, its failures as CannotShowSchema."""
    engine = migrate.db.engine
    try:
        script = ScriptDirectory.from_config(migrate.migrate.get_config())
        with engine.connect() as connection:
            return read_state(connection, script, migrate.db.metadata, migrate.configure_args,
                              first_rows=first_rows)
    except SQLAlchemyError as error:
        raise CannotShowSchema(DATABASE_UNAVAILABLE, describe_database_error(engine.url, error),
                               masked_url(engine.url)) from error
    except BrokenVersionTable as error:  # the database's bookkeeping, not the scripts
        raise CannotShowSchema(VERSION_TABLE_UNUSABLE, str(error),
                               masked_url(engine.url)) from error
    except CommandError as error:  # Alembic's own words, e.g. about several heads
        raise CannotShowSchema(SCRIPTS_UNUSABLE, str(error)) from error
    except Exception as error:  # Alembic imports every script to build the history
        if not script_frames(error):
            raise
        reason = f"{type(error).__name__}: {first_line(error)}"
        raise CannotShowSchema(SCRIPTS_UNUSABLE, reason) from error


@bp.get("/")
def schema_html():
    migrate = current_app.extensions["migrate"]
    state = read_live_state(migrate, first_rows=FIRST_ROWS)
    return render_template("schema_page/schema.html", state=state,
                           database=masked_url(migrate.db.engine.url))


@bp.get("/api/schema")
def schema_json():
    state = read_live_state(current_app.extensions["migrate"])
    revision = state.revision
    return {
        "revision": None if revision is None else {"id": revision.id, "message": revision.message},
        "head": state.head,
        "history": [asdict(r) for r in state.history],
        "tables": [
            {"name": t.name, "rows": t.rows, "columns": [asdict(c) for c in t.columns]}
            for t in state.tables
        ],
        "differences": state.differences,
    }


@bp.errorhandler(CannotShowSchema)
def cannot_show_schema(problem):
    """The database or the scripts are at fault: say which and why, with a 503."""
    current_app.logger.warning("schema page: %s", problem.reason)
    if current_app.view_functions.get(request.endpoint) is schema_json:
        return {key: value for key, value in asdict(problem).items() if value is not None}, 503
    return render_template("schema_page/cannot_show_schema.html", problem=problem,
                           scripts_at_fault=problem.error == SCRIPTS_UNUSABLE,
                           version_table_at_fault=problem.error == VERSION_TABLE_UNUSABLE,
                           database=problem.database), 503


@bp.after_request
def forbid_outside_resources(response):
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response
