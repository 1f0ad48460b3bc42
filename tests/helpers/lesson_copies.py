"""The lesson's files copied into a test's folder, and the app settings that point at them.

create_app() takes every path from its settings (MIGRATIONS_DIR, MODELS_FILE,
LESSON_DIR, LESSON_BACKUPS_DIR), so a test can run `flask lesson start`, break
a migration script or delete lesson/ in its own copy, in-process, without
touching the repository and without starting a `flask` process.
"""
import shutil
from pathlib import Path

from helpers.paths import LESSON_DIR, SERVER_DIR
from helpers.server_copies import copy_server

CACHES = shutil.ignore_patterns("__pycache__")


class LessonCopy:
    def __init__(self, root):
        self.root = Path(root)  # stands for a clone's top folder
        self.server = self.root / "server"
        self.migrations = self.server / "migrations"
        self.versions = self.migrations / "versions"
        self.models = self.server / "models.py"
        self.lesson = self.root / "lesson"
        self.backups = self.server / "instance" / "lesson-backups"

    def settings(self, database_url):
        """create_app() settings for this copy, on `database_url`."""
        return {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "MIGRATIONS_DIR": str(self.migrations),
            "MODELS_FILE": str(self.models),
            "LESSON_DIR": str(self.lesson),
            "LESSON_BACKUPS_DIR": str(self.backups),
        }

    def files(self, database_file=None):
        """{name: bytes} of what `flask lesson start` sets aside."""
        files = {"models.py": self.models.read_bytes()}
        files.update({f"versions/{path.name}": path.read_bytes()
                      for path in self.versions.glob("*.py")})
        if database_file is not None and Path(database_file).exists():
            files["database"] = Path(database_file).read_bytes()
        return files


def copy_lesson(root, whole_server=False):
    """models.py, migrations/ and lesson/ of this repository, copied under `root`.

    `whole_server` copies all of server/ (app.py, extras/, the kit...), for
    a real `flask` process to run in the copy.
    """
    copy = LessonCopy(Path(root))
    if whole_server:
        copy_server(copy.server)
    else:
        copy.server.mkdir(parents=True)
        shutil.copy2(SERVER_DIR / "models.py", copy.models)
        shutil.copytree(SERVER_DIR / "migrations", copy.migrations, ignore=CACHES)
    shutil.copytree(LESSON_DIR, copy.lesson, ignore=CACHES)
    return copy
