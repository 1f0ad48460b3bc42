"""`flask seed` adds the lesson's rows; `flask start` upgrades, seeds and serves, in one go."""
import logging

import click
import flask_migrate
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from flask.cli import run_command, with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from extras.database_state import current_revision
from extras.one_line_errors import describe_database_error


def init_app(app):
    app.cli.add_command(seed_command)
    app.cli.add_command(start_command)


@click.command("seed")
@with_appcontext
def seed_command():
    """Add the lesson's employees and departments (safe to run twice)."""
    migrate = current_app.extensions["migrate"]
    engine = migrate.db.engine
    try:
        with engine.connect() as connection:
            current = current_revision(connection)
    except SQLAlchemyError as error:
        raise click.ClickException(describe_database_error(engine.url, error)) from None
    except CommandError as error:  # e.g. alembic_version has several rows
        raise click.ClickException(str(error)) from None
    try:
        head = ScriptDirectory.from_config(migrate.migrate.get_config()).get_current_head()
    except CommandError as error:  # e.g. the scripts have two heads
        raise click.ClickException(str(error)) from None
    if current != head:
        # The rows are written for the final schema; refuse before writing anything.
        raise click.ClickException(
            f"the database is at revision {current or '(empty)'} but the newest migration "
            f"is {head}: run `flask db upgrade` first."
        )
    # Imported here: the sample rows need the finished lesson's models, and
    # every other command must keep working while models.py is at step 1.
    from extras.sample_rows import add_sample_rows

    added = add_sample_rows()
    click.echo(f"Seeded {added} new rows." if added else "The lesson's rows are already there.")


@click.command("start")
@click.option("--port", default=5555, envvar="FLASK_RUN_PORT", show_default=True)
@with_appcontext
@click.pass_context
def start_command(ctx, port):
    """Upgrade the database to head, seed it, and serve the app."""
    flask_migrate.upgrade()
    # The upgrade's env.py turned Alembic's INFO log on; the schema page reads
    # through Alembic on every request, so keep the server's log to requests.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    ctx.invoke(seed_command)
    ctx.invoke(run_command, host="127.0.0.1", port=port)
