"""The floor: our migrations' own DDL, sent through the raw DBAPI connection.

No Alembic, no Flask-Migrate, no SQLAlchemy statement: a cursor, execute,
commit. The statements are the ones Alembic renders for this database
(`flask db upgrade --sql`), less its bookkeeping (alembic_version,
BEGIN/COMMIT), so the floor does exactly the schema work of our step and
nothing else. Our time over the floor's is what the tooling costs.
"""
import io
import re
from contextlib import redirect_stdout

import flask_migrate

from benchmarks.measure import measure
from benchmarks.moves import ALL_MOVES, CREATE_DROP, RENAMES
from models import db

DDL = re.compile(r"(CREATE|ALTER|DROP|RENAME)\b", re.IGNORECASE)


class Floor:
    name = "floor"
    laps = (RENAMES, CREATE_DROP)

    def __init__(self, statements):
        self.statements = statements  # {move label: [SQL]}

    def run(self, move):
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()

            def execute():
                for sql in self.statements[move.label]:
                    cursor.execute(sql)
                raw.commit()

            return measure(execute)
        finally:
            raw.close()


def render_ddl(migrations):
    """{move label: [DDL]} that `migrations` (a moves.Migrations) runs for each move."""
    statements = {}
    for move in ALL_MOVES:
        target = migrations.target(move)
        if move.direction == "up":
            command = flask_migrate.upgrade
            # From empty, --sql takes just the target; otherwise a range start:end.
            if move.step > 1:
                revision = f"{migrations.revisions[move.step - 2]}:{target}"
            else:
                revision = target
        else:
            command = flask_migrate.downgrade
            revision = f"{migrations.revisions[move.step - 1]}:{target}"
        rendered = io.StringIO()
        with redirect_stdout(rendered):
            command(directory=migrations.directory, revision=revision, sql=True)
        statements[move.label] = ddl_statements(rendered.getvalue())
    return statements


def ddl_statements(sql):
    """The schema statements of an offline script, without Alembic's own."""
    found = []
    for chunk in sql.split(";\n"):
        statement = "\n".join(
            line for line in chunk.strip().splitlines() if not line.lstrip().startswith("--")
        ).strip()
        if DDL.match(statement) and "alembic_version" not in statement:
            found.append(statement)
    return found
