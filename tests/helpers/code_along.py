"""A learner's clone: server/ and lesson/ copied side by side, its `flask` run as a learner does.

The commands of one step run in one process of the clone's own
(flask_batches.py): each step changes models.py, which a process imports once.
"""
from sqlalchemy import column, create_engine, select, table
from sqlalchemy.pool import NullPool

from helpers.flask_batches import run_batch
from helpers.lesson_copies import copy_lesson


class CodeAlong:
    """A learner's clone in `root`, its `flask` run against `database_url`.

    Without a URL, `flask` uses its default, server/instance/app.db, as the
    README's learner does.
    """

    def __init__(self, root, database_url=None):
        self.copy = copy_lesson(root, whole_server=True)
        self.server = self.copy.server
        self.versions = self.copy.versions
        self.database_url = database_url
        self.database_file = None if database_url else self.server / "instance" / "app.db"

    def flask(self, *commands):
        """Run each of `commands` (a list of `flask` arguments, or "page") in one process of
        the clone's; each must succeed. Returns their outputs, or the page's JSON."""
        finished = run_batch([list(c) if c != "page" else c for c in commands], self.server,
                             self.database_url)
        for result in finished:
            expected = 200 if result.args == "page" else 0
            assert result.exit_code == expected, f"flask {result.args}:\n{result.output}"
        return [result.page if result.args == "page" else result.output for result in finished]

    def scripts(self):
        return {path.name: path.read_text() for path in self.versions.glob("*.py")}

    def files(self):
        """{name: bytes} of what `flask lesson start` sets aside."""
        return self.copy.files(self.database_file)

    def rows(self, table_name, columns):
        engine = create_engine(self.database_url or f"sqlite:///{self.database_file}",
                               poolclass=NullPool)
        with engine.connect() as connection:
            source = table(table_name, *(column(name) for name in columns))
            rows = [dict(row._mapping) for row in connection.execute(select(source))]
        engine.dispose()
        return rows
