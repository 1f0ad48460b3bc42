"""`flask lesson start` and `flask lesson restore`: begin the lesson from scratch, and come back.

Starting sets models.py, every file in migrations/versions/ and the SQLite
database aside, never deleting them: they move into a dated folder in
instance/lesson-backups/, and models.py becomes the lesson's step 1
(lesson/step1_models.py). Restoring sets the current files aside the same
way, then copies a backup's files back, byte for byte; the backup stays.

A database on a server cannot be moved into a folder, so there both
commands ask for it to be empty first (`flask db downgrade base`). Every
path comes from app.config (core/settings.py), so a test can point them
anywhere.

Both change files a running migration reads and writes, and each other's:

- **One at a time.** They hold a file lock (file_lock.py) in the folder
  above the backups (instance/), and the database's migration lock
  (safety_nets/locks.py): while `flask db upgrade` runs, or another
  `flask lesson` command, they refuse in one line and change nothing.
- **All or nothing.** A backup is built in a folder whose name starts with
  a dot, renamed to its dated name as the last step; only a folder with
  models.py and versions/ counts as a backup. Any failure moves every file
  back.
- **Copies are new files.** A file copied into place gets the time it was
  written, not the backup's, so `flask run`'s reloader sees models.py change
  and the page shows the new models.
"""
import os
import shutil
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path

from alembic.util import CommandError
from sqlalchemy import inspect

from extras.core.database import current_revision, table_names
from extras.core.urls import sqlite_file
from extras.lesson_tools.file_lock import FileLockHeld, file_lock

# The lesson tools' own lock, in the folder above the backups (instance/).
LOCK_FILE = ".lesson-tools.lock"
# A backup still being built: never listed, never restored.
UNFINISHED = ".unfinished-"


class LessonFilesError(CommandError):
    """The lesson's files cannot be set aside or restored; nothing was changed."""


class MigrationRunning(Exception):
    """The database's migration lock is held."""


class LessonFiles:
    """Where this app keeps the files a lesson start sets aside, from its config."""

    def __init__(self, config, engine, migration_lock):
        """`migration_lock(connection, timeout, say)` is safety_nets/locks.py's, handed in by
        the command so that this module stays below the safety nets."""
        self.models = Path(config["MODELS_FILE"])
        self.versions = Path(config["MIGRATIONS_DIR"]) / "versions"
        self.backups = Path(config["LESSON_BACKUPS_DIR"])
        self.step1_models = Path(config["LESSON_DIR"]) / "step1_models.py"
        self.engine = engine
        self.migration_lock = migration_lock
        self.database = sqlite_file(engine.url)

    def set_aside(self, moves):
        """Move models.py, versions/* and the database into a new, unfinished backup folder.

        Return (the folder, the name it gets when finish() renames it).
        """
        name = self.new_backup_name()
        unfinished = self.backups / f"{UNFINISHED}{name}"
        (unfinished / "versions").mkdir(parents=True)
        moves.made(unfinished)
        moves.move(self.models, unfinished / "models.py")
        for path in sorted(self.versions.iterdir()):
            moves.move(path, unfinished / "versions" / path.name)
        if self.database is not None:
            for path in database_files(self.database):
                moves.move(path, unfinished / path.name)
        return unfinished, self.backups / name

    def new_backup_name(self):
        name = datetime.now().strftime("%Y-%m-%d_%H%M%S")
        candidate, n = name, 1
        while (self.backups / candidate).exists():
            n += 1
            candidate = f"{name}-{n}"
        return candidate

    @contextmanager
    def locked(self, command):
        """Hold the lesson tools' lock and the database's migration lock, or refuse."""
        try:
            with file_lock(self.backups.parent / LOCK_FILE):
                with self.migration_locked():
                    yield
        except FileLockHeld:
            raise LessonFilesError(
                f"another `flask lesson` command is running in this folder; run `flask lesson "
                f"{command}` again when it has finished. Nothing changed.") from None
        except MigrationRunning:
            raise LessonFilesError(
                f"a migration is running on this database; run `flask lesson {command}` again "
                "when it has finished. Nothing changed.") from None

    @contextmanager
    def migration_locked(self):
        """The migration lock, taken without waiting; none needed when there is no database."""
        if self.database is not None and not self.database.exists():
            yield
            return
        with self.engine.connect() as connection, ExitStack() as stack:
            stack.callback(connection.invalidate)  # never pooled: on SQLite it holds the moved file
            try:
                stack.enter_context(self.migration_lock(connection, 0, say=lambda line: None))
                if connection.dialect.name == "sqlite":
                    connection.exec_driver_sql("SELECT 1")  # BEGIN IMMEDIATE: the write lock
            except CommandError as error:  # the lock's LockTimeout: someone holds it
                raise MigrationRunning() from error
            yield

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

    def made(self, folder):
        self.done.append(("remove folder", None, folder))

    def move(self, source, target):
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        self.done.append(("move back", source, target))

    def copy(self, source, target):
        """Copy the bytes only: the new file gets today's time, so a reloader sees it change."""
        target.parent.mkdir(parents=True, exist_ok=True)
        self.done.append(("remove copy", source, target))
        shutil.copyfile(source, target)

    def undo(self):
        for kind, source, target in reversed(self.done):
            if kind == "move back":
                os.replace(target, source)
            elif kind == "remove folder":
                shutil.rmtree(target, ignore_errors=True)
            else:
                target.unlink(missing_ok=True)


def start_lesson(files):
    """Set the finished work aside and put the lesson's step 1 in place; return the backup."""
    if not files.step1_models.is_file():
        raise LessonFilesError(f"{files.step1_models} is missing: this command needs the "
                               "repository's lesson/ folder beside server/.")
    with files.locked("start"):
        files.check_server_database_is_empty()
        moves = Moves()
        try:
            unfinished, backup = files.set_aside(moves)
            moves.copy(files.step1_models, files.models)
            moves.move(unfinished, backup)  # last: now it counts as a backup
        except OSError as error:
            moves.undo()
            raise LessonFilesError(
                f"could not set the work aside, so nothing changed: {error}") from None
    return backup


def restore_lesson(files, name):
    """Set the current work aside, then copy the backup `name` (newest if None) back."""
    with files.locked("restore"):
        backup = find_backup(files, name)
        files.check_server_database_is_empty()
        moves = Moves()
        try:
            unfinished, aside = files.set_aside(moves)
            moves.copy(backup / "models.py", files.models)
            for path in sorted((backup / "versions").glob("*.py")):
                moves.copy(path, files.versions / path.name)
            if files.database is not None:
                for path in database_files(backup / files.database.name):
                    moves.copy(path, files.database.with_name(path.name))
            moves.move(unfinished, aside)  # last: now it counts as a backup
        except OSError as error:
            moves.undo()
            raise LessonFilesError(
                f"could not restore {backup.name}, so nothing changed: {error}") from None
    return backup, aside


def is_backup(folder):
    """A finished backup: a dated folder with models.py and versions/ in it."""
    return (not folder.name.startswith(".") and (folder / "models.py").is_file()
            and (folder / "versions").is_dir())


def find_backup(files, name):
    backups = sorted(p for p in files.backups.glob("*") if is_backup(p))
    if name is None:
        if not backups:
            raise LessonFilesError(f"there is no backup in {files.backups} to restore.")
        return backups[-1]
    for backup in backups:
        if backup.name == name:
            return backup
    known = ", ".join(b.name for b in backups) or "none"
    raise LessonFilesError(f"no backup named {name!r} in {files.backups} (there are: {known}).")
