"""The commands this project adds to `flask`.

`flask seed` adds the lesson's rows; `flask start` upgrades, seeds and
serves, in one go; `flask lesson start` and `flask lesson restore` begin the
lesson from scratch and bring the finished work back.
"""
import logging
import os

import click
import flask_migrate
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from flask.cli import ScriptInfo, run_command, with_appcontext
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.serving import is_running_from_reloader

from extras.lesson_backups import LessonFiles, restore_lesson, start_lesson
from extras.locks import lock_timeout_seconds
from extras.one_line_errors import describe_database_error
from extras.seeding import seed


def init_app(app):
    app.cli.add_command(seed_command)
    app.cli.add_command(start_command)
    app.cli.add_command(lesson_group)


def seed_current_app():
    """Seed the app's database; return the line that says what happened."""
    migrate = current_app.extensions["migrate"]
    engine = migrate.db.engine
    try:
        script = ScriptDirectory.from_config(migrate.migrate.get_config())
        step, added = seed(engine, script, lock_timeout_seconds(current_app.config))
    except SQLAlchemyError as error:
        raise click.ClickException(describe_database_error(engine.url, error)) from None
    except CommandError as error:  # CannotSeed, a lock timeout, two heads
        raise click.ClickException(str(error)) from None
    if added:
        return f"Seeded {added} new rows for step {step}."
    return f"The lesson's rows for step {step} are already there."


@click.command("seed")
@with_appcontext
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
    ctx.invoke(run_command, host="127.0.0.1", port=port, reload=reload)


def upgrade_and_seed():
    flask_migrate.upgrade()
    # The upgrade's env.py turned Alembic's INFO log on; the schema page reads
    # through Alembic on every request, so keep the server's log to requests.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        click.echo(seed_current_app())
    except click.ClickException as reason:
        # Mid-lesson the database may have no step to seed yet: serve it anyway.
        click.echo(f"Not seeded: {reason.message}", err=True)


@click.group("lesson")
def lesson_group():
    """Begin the lesson from scratch, or bring the finished work back."""


def lesson_files():
    migrate = current_app.extensions["migrate"]
    return LessonFiles(current_app, migrate.db.engine, migrate.directory)


def relative(path):
    return os.path.relpath(path, current_app.root_path)


@lesson_group.command("start")
@with_appcontext
def lesson_start_command():
    """Set models.py, the migrations and the database aside; put step 1's models in place."""
    files = lesson_files()
    backup = start_lesson(files)
    click.echo(f"Your work is set aside in {relative(backup)} (`flask lesson restore` brings it "
               "back).")
    click.echo("models.py is now step 1, migrations/versions/ is empty and there is no "
               "database yet. Next: flask db migrate -m \"Initial migration.\"")


@lesson_group.command("restore")
@click.argument("backup", required=False)
@with_appcontext
def lesson_restore_command(backup):
    """Put back a backup's models.py, migrations and database (the newest if none is named)."""
    files = lesson_files()
    restored, aside = restore_lesson(files, backup)
    click.echo(f"Your current work is set aside in {relative(aside)}.")
    click.echo(f"Restored models.py, the migrations and the database from {relative(restored)}.")
