"""The moves of a lap, and making them with Flask-Migrate's own API.

A lap walks an empty database up to head and back down, one step at a
time. Steps 1 and 2 create a table, steps 3 and 4 rename one.
"""
from dataclasses import dataclass

import flask_migrate

from benchmarks import BenchError
from benchmarks.measure import measure
from models import db


@dataclass(frozen=True)
class Move:
    step: int
    direction: str  # "up" or "down"
    what: str
    needs: tuple  # tables that must hold N rows before the move

    @property
    def label(self):
        return f"{self.step} {self.direction}"


LAP = (
    Move(1, "up", "create employees", ()),
    Move(2, "up", "create department", ("employees",)),
    Move(3, "up", "rename the table", ("employees", "department")),
    Move(4, "up", "rename the column", ("employees", "departments")),
    Move(4, "down", "rename the column back", ("employees", "departments")),
    Move(3, "down", "rename the table back", ("employees", "departments")),
    Move(2, "down", "drop department", ("employees", "department")),
    Move(1, "down", "drop employees", ("employees",)),
)
RENAMES = LAP[2:6]


class Migrations:
    """Moves made by flask_migrate.upgrade/downgrade, what `flask db upgrade/downgrade` call.

    `revisions` are the ids of steps 1 to 4 in `directory` (None: the app's
    own migrations folder). Runs inside an app context.
    """

    def __init__(self, name, revisions, moves=LAP, directory=None):
        self.name = name
        self.revisions = revisions
        self.moves = moves
        self.directory = directory

    def target(self, move):
        """The revision a move ends at."""
        if move.direction == "up":
            return self.revisions[move.step - 1]
        return self.revisions[move.step - 2] if move.step > 1 else "base"

    def start(self):
        """Go, untimed, to where the first move starts."""
        first = self.moves[0]
        if first.step > 1:
            self.go("up", self.revisions[first.step - 2])

    def finish(self):
        self.go("down", "base")

    def run(self, move):
        return measure(lambda: self.go(move.direction, self.target(move)))

    def go(self, direction, revision):
        command = flask_migrate.upgrade if direction == "up" else flask_migrate.downgrade
        try:
            command(directory=self.directory, revision=revision)
        except SystemExit:  # Flask-Migrate has logged the reason already
            raise BenchError(
                f"the {self.name} migrations could not {direction}grade to {revision} "
                f"on {db.engine.url.render_as_string(hide_password=True)}"
            ) from None
