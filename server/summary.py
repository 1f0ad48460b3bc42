"""`GET /`: a short JSON summary of where the database stands."""
from flask import Blueprint

from database_state import current_revision, head_revision, row_count, table_names
from models import db

bp = Blueprint("summary", __name__)


@bp.get("/")
def index():
    with db.engine.connect() as connection:
        return {
            "revision": current_revision(connection),
            "head": head_revision(),
            "tables": {name: row_count(connection, name) for name in table_names(connection)},
        }
