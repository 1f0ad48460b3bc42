"""The page at / and its JSON at /api/schema: where the database stands, live.

A blueprint with its own templates/ and static/ (this package's docstring
says what the page is for), registered by extras.init_app(). Values are cut
short and tables paged, so that a big database makes no big page.
"""
import math
from dataclasses import asdict, dataclass

from alembic.util import CommandError
from flask import Blueprint, abort, current_app, render_template, request
from sqlalchemy import create_engine
from sqlalchemy.exc import SQLAlchemyError

from extras.core.database import (
    BrokenVersionTable,
    ChangedWhileRead,
    changed_while_read,
    gave_up_on_a_lock,
)
from extras.core.history import kept_history
from extras.core.messages import error_text, first_line, script_frames
from extras.core.urls import masked_url, sqlite_file
from extras.safety_nets.failures import describe_database_error
from extras.schema_page import protection
from extras.schema_page.consistent_read import read_consistently
from extras.schema_page.next_step import next_step
from extras.schema_page.page_connection import page_connection
from extras.schema_page.state import read_state

bp = Blueprint(
    "schema_page", __name__, template_folder="templates",
    static_folder="static", static_url_path="/schema-page/static",
)
protection.init_app(bp)

# How many rows of each table the page shows, and how much of each value.
FIRST_ROWS = 5
SHOWN_CHARACTERS = 200
# How many tables one page shows (?page=2 the next ones), and how many differences.
TABLES_PER_PAGE = 50
SHOWN_DIFFERENCES = 50

# Why the schema cannot be shown; the JSON's "error".
DATABASE_UNAVAILABLE = "database unavailable"
SCRIPTS_UNUSABLE = "migration scripts unusable"
MIGRATION_RUNNING = "migration running"
VERSION_TABLE_UNUSABLE = "alembic_version unusable"


def init_app(app, drift_check):
    """`drift_check(state)` gives the page's drift section (drift_section.page_drift), handed
    in by extras so that the page does not stand on the drift package's floors."""
    app.extensions["schema_page_drift"] = drift_check
    app.register_blueprint(bp)


def page_drift(state):
    return current_app.extensions["schema_page_drift"](state)


@dataclass
class CannotShowSchema(Exception):
    """The database could not be read, or the scripts in migrations/versions cannot be used."""

    error: str  # DATABASE_UNAVAILABLE, SCRIPTS_UNUSABLE or MIGRATION_RUNNING
    reason: str  # one line, without a password
    database: str | None = None  # the masked URL, when the database is at fault

    def __str__(self):
        return self.reason


def read_live_state(migrate, **read_options):
    """read_state() for an app's Flask-Migrate state `migrate`, its failures as CannotShowSchema.

    The revision and the tables come from one moment of the database
    (consistent_read.py). A SQLite file that is not there is read as an
    empty database, and not made: opening the page must not create it.
    """
    engine = migrate.db.engine
    lock_wait = current_app.config["SCHEMA_PAGE_LOCK_WAIT"]
    try:
        history = kept_history(migrate.migrate.get_config())  # checked as it was read

        def read(connection):
            return read_state(connection, history, migrate.db.metadata, migrate.configure_args,
                              **read_options)

        if missing_sqlite_file(engine.url):
            return read_without_a_database(read)
        with page_connection(engine, lock_wait) as connection:
            return read_consistently(connection, read, lock_wait)
    except Exception as error:
        problem = why_schema_cannot_be_shown(error, engine.url, lock_wait)
        if problem is None:  # a bug of ours: let it be seen
            raise
        raise problem from error


def missing_sqlite_file(url):
    """True for a SQLite file not made yet, in a folder that is there (without the folder,
    `flask db upgrade` could not make it either: that is a database that cannot be opened)."""
    path = sqlite_file(url)
    return path is not None and not path.exists() and path.parent.is_dir()


def read_without_a_database(read):
    """What the page shows with no database file: an empty database, read in memory."""
    empty = create_engine("sqlite://")
    try:
        with empty.connect() as connection:
            state = read(connection)
    finally:
        empty.dispose()
    state.database_exists = False
    return state


def why_schema_cannot_be_shown(error, url, lock_wait):
    """The CannotShowSchema that `error` means, or None when it is no fault of the database's
    or the scripts'. Every reason the page gives for a 503 is written here.
    """
    if isinstance(error, SQLAlchemyError) and gave_up_on_a_lock(error):
        reason = (f"a migration is running; reload in a moment (the page waited {lock_wait:g} s "
                  f"for a lock: {first_line(error)})")
        return CannotShowSchema(MIGRATION_RUNNING, reason, masked_url(url))
    if isinstance(error, ChangedWhileRead) or (
            isinstance(error, SQLAlchemyError) and changed_while_read(error)):
        reason = ("a migration is running; reload in a moment (the database changed each time "
                  f"the page read it: {first_line(error)})")
        return CannotShowSchema(MIGRATION_RUNNING, reason, masked_url(url))
    if isinstance(error, SQLAlchemyError):
        return CannotShowSchema(DATABASE_UNAVAILABLE, describe_database_error(url, error),
                                masked_url(url))
    if isinstance(error, BrokenVersionTable):  # the database's bookkeeping, not the scripts
        return CannotShowSchema(VERSION_TABLE_UNUSABLE, str(error), masked_url(url))
    if isinstance(error, CommandError):  # Alembic's own words, e.g. about several heads
        return CannotShowSchema(SCRIPTS_UNUSABLE, str(error))
    if script_frames(error):  # Alembic imports every script to build the history
        return CannotShowSchema(SCRIPTS_UNUSABLE, error_text(error))
    return None


@dataclass
class Cell:
    """A value as the page shows it: its first SHOWN_CHARACTERS characters, and how long it is."""

    text: str
    length: int | None = None  # characters of the whole value, when `text` is cut short


def shown_cell(value):
    text = str(value)
    if len(text) <= SHOWN_CHARACTERS:
        return Cell(text)
    return Cell(text[:SHOWN_CHARACTERS], len(text))


@bp.get("/")
def schema_html():
    """The page; ?page=N shows the Nth TABLES_PER_PAGE tables (N never reaches SQL)."""
    migrate = current_app.extensions["migrate"]
    page = max(request.args.get("page", 1, type=int), 1)
    state = read_live_state(migrate, first_rows=FIRST_ROWS,
                            first_table=(page - 1) * TABLES_PER_PAGE, table_limit=TABLES_PER_PAGE)
    pages = max(math.ceil(state.table_count / TABLES_PER_PAGE), 1)
    if page > pages:
        abort(404, description=f"There is no page {page} of tables: the database has "
                               f"{state.table_count:,} tables, {pages} page(s) of them.")
    return render_template("schema_page/schema.html", state=state, page=page, pages=pages,
                           next_step=next_step(state), drift=page_drift(state),
                           cell=shown_cell, shown_differences=SHOWN_DIFFERENCES,
                           database=masked_url(migrate.db.engine.url))


@bp.get("/api/schema")
def schema_json():
    """Every table, on one page: a program reading this wants them all."""
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
        "database_exists": state.database_exists,
        "next_step": asdict(next_step(state)),
        "drift": asdict(page_drift(state)),
    }


@bp.errorhandler(CannotShowSchema)
def cannot_show_schema(problem):
    """The database or the scripts are at fault, or a migration holds its locks: a 503."""
    current_app.logger.warning("schema page: %s", problem.reason)
    headers = {}
    if problem.error == MIGRATION_RUNNING:
        headers["Retry-After"] = str(math.ceil(current_app.config["SCHEMA_PAGE_LOCK_WAIT"]))
    if current_app.view_functions.get(request.endpoint) is schema_json:
        body = {key: value for key, value in asdict(problem).items() if value is not None}
        return body, 503, headers
    return render_template("schema_page/cannot_show_schema.html", problem=problem,
                           database=problem.database, scripts_unusable=SCRIPTS_UNUSABLE,
                           migration_running=MIGRATION_RUNNING,
                           version_table_unusable=VERSION_TABLE_UNUSABLE), 503, headers
