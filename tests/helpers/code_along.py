"""A learner's clone: server/ and lesson/ copied side by side, its `flask` run as a learner does."""
import json
import shutil
import subprocess
import sys

from sqlalchemy import column, create_engine, select, table
from sqlalchemy.pool import NullPool

from helpers.flask_process import flask, flask_env
from helpers.paths import LESSON_DIR
from helpers.server_copies import copy_server

PAGE_PROBE = """
import json
from app import create_app
client = create_app().test_client()
page = client.get("/")
print(json.dumps({"status": page.status_code, "state": client.get("/api/schema").get_json()}))
"""


class CodeAlong:
    """A learner's clone in `root`, its `flask` run against `database_url`.

    Without a URL, `flask` uses its default, server/instance/app.db, as the
    README's learner does.
    """

    def __init__(self, root, database_url=None):
        self.server = root / "server"
        copy_server(self.server)
        shutil.copytree(LESSON_DIR, root / "lesson")
        self.versions = self.server / "migrations" / "versions"
        self.database_url = database_url
        self.database_file = None if database_url else self.server / "instance" / "app.db"

    def flask(self, *args):
        """Run `flask *args` in server/; it must succeed. Returns its output."""
        result = self.try_flask(*args)
        assert result.returncode == 0, f"flask {' '.join(args)}:\n{result.stdout}{result.stderr}"
        return result.stdout + result.stderr

    def try_flask(self, *args):
        return flask(*args, database_url=self.database_url, cwd=self.server)

    def page(self):
        probe = subprocess.run([sys.executable, "-c", PAGE_PROBE], cwd=self.server,
                               env=flask_env(self.database_url), capture_output=True, text=True)
        assert probe.returncode == 0, probe.stderr
        shown = json.loads(probe.stdout.splitlines()[-1])
        assert shown["status"] == 200, shown
        return shown["state"]

    def scripts(self):
        return {path.name: path.read_text() for path in self.versions.glob("*.py")}

    def files(self):
        """{name: bytes} of what `flask lesson start` sets aside."""
        files = {"models.py": (self.server / "models.py").read_bytes()}
        files.update({f"versions/{path.name}": path.read_bytes()
                      for path in self.versions.glob("*.py")})
        if self.database_file is not None and self.database_file.exists():
            files["database"] = self.database_file.read_bytes()
        return files

    def rows(self, table_name, columns):
        engine = create_engine(self.database_url or f"sqlite:///{self.database_file}",
                               poolclass=NullPool)
        with engine.connect() as connection:
            source = table(table_name, *(column(name) for name in columns))
            rows = [dict(row._mapping) for row in connection.execute(select(source))]
        engine.dispose()
        return rows
