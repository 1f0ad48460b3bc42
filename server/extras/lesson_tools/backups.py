"""`flask lesson start` and `flask lesson restore`: begin the lesson from scratch, and come back.

Starting sets the finished work aside, never deleting it: models.py, every
file in migrations/versions/ and the SQLite database move into a dated
folder in instance/lesson-backups/, and models.py becomes the lesson's step 1
(lesson/step1_models.py). Restoring sets the current work aside the same
way, then copies a backup's files back, byte for byte; the backup stays.

A database on a server cannot be moved into a folder, so there both
commands ask for it to be empty first (`flask db downgrade base`). Every
path comes from app.config (core/settings.py), so a test can point them
anywhere.
"""
import os
import shutil
from datetime import datetime
from pathlib import Path

from alembic.util import CommandError
from sqlalchemy import inspect

from extras.core.database import current_revision, table_names
from extras.core.urls import sqlite_file


class LessonFilesError(CommandError):
    """The lesson's files cannot be set aside or restored; nothing was changed."""


class LessonFiles:
    """Where this app keeps the files a lesson start sets aside, from its config."""

    def __init__(self, config, engine):
        self.models = Path(config["MODELS_FILE"])
        self.versions = Path(config["MIGRATIONS_DIR"]) / "versions"
        self.backups = Path(config["LESSON_BACKUPS_DIR"])
        self.step1_models = Path(config["LESSON_DIR"]) / "step1_models.py"
        self.engine = engine
        self.database = sqlite_file(engine.url)

    def set_aside(self, moves):
        """Move models.py, versions/* and the database into a new backup folder; return it."""
        backup = self.new_backup_folder()
        moves.move(self.models, backup / "models.py")
        for path in sorted(self.versions.iterdir()):
            moves.move(path, backup / "versions" / path.name)
        if self.database is not None:
            for path in database_files(self.database):
                moves.move(path, backup / path.name)
        return backup

    def new_backup_folder(self):
        name = datetime.now().strftime("%Y-%m-%d_%H%M%S")
        folder, n = self.backups / name, 1
        while folder.exists():
            n += 1
            folder = self.backups / f"{name}-{n}"
        folder.mkdir(parents=True)
        return folder

    def check_server_database_is_empty(self):
        """On a server, refuse unless the database holds no revision and no table."""
        if self.database is not None:
            return
        with self.engine.connect() as connection:
            if table_names(inspect(connection)) or current_revision(connection):
                raise LessonFilesError(
                    "DATABASE_URL names a server database that is not empty, and its tables "
                    "cannot be set aside in a folder: run `flask db downgrade base` first.")


def database_files(database):
    """The database file and the journal files SQLite may keep beside it."""
    candidates = [database] + [database.with_name(database.name + s)
                               for s in ("-wal", "-shm", "-journal")]
    return [path for path in candidates if path.exists()]


class Moves:
    """File moves and copies that can all be undone, so a failure leaves everything in place."""

    def __init__(self):
        self.done = []  # (what undoes it, source, target), in order

    def move(self, source, target):
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        self.done.append(("move back", source, target))

    def copy(self, source, target):
        """Copy the bytes only: the new file gets today's time, so `flask run`'s reloader sees
        models.py change (a copy keeping the backup's older time would go unnoticed)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        self.done.append(("remove copy", source, target))

    def undo(self):
        for kind, source, target in reversed(self.done):
            if kind == "move back":
                os.replace(target, source)
            else:
                target.unlink(missing_ok=True)


def start_lesson(files):
    """Set the finished work aside and put the lesson's step 1 in place; return the backup."""
    if not files.step1_models.is_file():
        raise LessonFilesError(f"{files.step1_models} is missing: this command needs the "
                               "repository's lesson/ folder beside server/.")
    files.check_server_database_is_empty()
    moves = Moves()
    try:
        backup = files.set_aside(moves)
        moves.copy(files.step1_models, files.models)
    except OSError as error:
        moves.undo()
        raise LessonFilesError(
            f"could not set the work aside, so nothing changed: {error}") from None
    return backup


def restore_lesson(files, name):
    """Set the current work aside, then copy the backup `name` (newest if None) back."""
    backup = find_backup(files, name)
    files.check_server_database_is_empty()
    moves = Moves()
    try:
        aside = files.set_aside(moves)
        moves.copy(backup / "models.py", files.models)
        for path in sorted((backup / "versions").glob("*.py")):
            moves.copy(path, files.versions / path.name)
        if files.database is not None:
            for path in database_files(backup / files.database.name):
                moves.copy(path, files.database.with_name(path.name))
    except OSError as error:
        moves.undo()
        raise LessonFilesError(
            f"could not restore {backup.name}, so nothing changed: {error}") from None
    return backup, aside


def find_backup(files, name):
    backups = sorted(p for p in files.backups.glob("*") if (p / "models.py").is_file())
    if name is None:
        if not backups:
            raise LessonFilesError(f"there is no backup in {files.backups} to restore.")
        return backups[-1]
    for backup in backups:
        if backup.name == name:
            return backup
    known = ", ".join(b.name for b in backups) or "none"
    raise LessonFilesError(f"no backup named {name!r} in {files.backups} (there are: {known}).")
