"""`flask seed` adds the lesson's rows; `flask start` upgrades, seeds and serves, in one go."""
import logging
import re
import sys

import click
import flask_migrate
from alembic.util import CommandError
from flask import current_app
from flask.cli import ScriptInfo, run_command, with_appcontext
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.serving import is_running_from_reloader

from extras.commands import terminal
from extras.commands.boundary import one_line
from extras.core.history import kept_history
from extras.lesson_tools.seeding import seed
from extras.safety_nets.failures import describe_database_error
from extras.safety_nets.locks import migration_lock


def init_app(app):
    app.cli.add_command(seed_command)
    app.cli.add_command(start_command)


def seed_current_app():
    """Seed the app's database; return the line that says what happened.

    It holds the migration lock while it seeds, so it never races an upgrade
    or another seed.
    """
    migrate = current_app.extensions["migrate"]
    engine = migrate.db.engine
    history = kept_history(migrate.migrate.get_config())
    try:
        with engine.connect() as connection, migration_lock(
                connection, current_app.config["MIGRATION_LOCK_TIMEOUT"], terminal.say):
            step, added = seed(connection, history)
    except SQLAlchemyError as error:
        raise CommandError(describe_database_error(engine.url, error)) from None
    if added:
        return f"Seeded {added} new rows for step {step}."
    return f"The lesson's rows for step {step} are already there."


@click.command("seed")
@with_appcontext
@one_line
def seed_command():
    """Add the lesson's rows that fit the database's step (safe to run twice)."""
    click.echo(seed_current_app())


@click.command("start")
@click.option("--port", type=click.IntRange(1, 65535), default=5555, envvar="FLASK_RUN_PORT",
              show_default=True)
@click.option("--reload/--no-reload", default=True, envvar="FLASK_RUN_RELOAD", show_default=True,
              help="Restart the server when a file it runs, such as models.py, changes.")
@click.pass_context
def start_command(ctx, port, reload):
    """Upgrade the database to head, seed it, and serve the app."""
    # With the reloader on, this command runs again in the process that
    # serves, and again after every edit: only the first run upgrades and
    # seeds, so an edit never applies a migration you have not run yourself.
    if not is_running_from_reloader():
        with ctx.ensure_object(ScriptInfo).load_app().app_context():
            upgrade_and_seed()
    server_log_as_written()
    ctx.invoke(run_command, host="127.0.0.1", port=port, reload=reload)


# Werkzeug colours its lines with these, whatever the output is.
ANSI_STYLE = re.compile(r"\x1b\[[0-9;]*m")


class ServerLines(logging.Formatter):
    """The server's lines as Werkzeug writes them; colour codes only on a terminal."""

    def __init__(self, stream):
        super().__init__("%(message)s")
        self.colours = bool(getattr(stream, "isatty", None)) and stream.isatty()

    def format(self, record):
        line = super().format(record)
        return line if self.colours else ANSI_STYLE.sub("", line)


def server_log_as_written():
    """The server's own log on stderr, each line as Werkzeug words it.

    The upgrade's env.py handed the root logger Alembic's format, so the
    server's lines came out as `INFO [werkzeug] WARNING: ...`; and in a log
    file, Werkzeug's colour codes came out raw.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(ServerLines(sys.stderr))
    logger = logging.getLogger("werkzeug")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False


def upgrade_and_seed():
    flask_migrate.upgrade()
    # The upgrade's env.py turned Alembic's INFO log on; the schema page reads
    # through Alembic on every request, so keep the server's log to requests.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        click.echo(seed_current_app())
    except CommandError as reason:
        # Mid-lesson the database may have no step to seed yet: serve it anyway.
        click.echo(f"Not seeded: {reason}", err=True)
