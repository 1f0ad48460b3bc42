"""`flask lesson start` and `flask lesson restore`: begin the lesson from scratch, and come back."""
import os

import click
from flask import current_app
from flask.cli import with_appcontext

from extras.commands.boundary import one_line
from extras.lesson_tools.backups import LessonFiles, restore_lesson, start_lesson
from extras.safety_nets.locks import migration_lock


def init_app(app):
    app.cli.add_command(lesson_group)


@click.group("lesson")
def lesson_group():
    """Begin the lesson from scratch, or bring the finished work back."""


def lesson_files():
    return LessonFiles(current_app.config, current_app.extensions["migrate"].db.engine,
                       migration_lock)


def relative(path):
    return os.path.relpath(path, current_app.root_path)


@lesson_group.command("start")
@with_appcontext
@one_line
def lesson_start_command():
    """Set models.py, the migrations and the database aside; put step 1's models in place."""
    backup = start_lesson(lesson_files())
    click.echo(f"models.py, migrations/versions/ and the database are set aside in "
               f"{relative(backup)} (`flask lesson restore` brings them back).")
    click.echo("models.py is now step 1, migrations/versions/ is empty and there is no "
               "database yet. Next: flask db migrate -m \"Initial migration.\"")


@lesson_group.command("restore")
@click.argument("backup", required=False)
@with_appcontext
@one_line
def lesson_restore_command(backup):
    """Put back a backup's models.py, migrations and database (the newest if none is named)."""
    restored, aside = restore_lesson(lesson_files(), backup)
    click.echo(f"The current models.py, migrations/versions/ and database are set aside in "
               f"{relative(aside)}.")
    click.echo(f"Restored models.py, the migrations and the database from {relative(restored)}.")
