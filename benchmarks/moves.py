"""The moves the bench times, and making them with Flask-Migrate's own API.

Steps 1 and 2 create a table, steps 3 and 4 rename one. The moves are
timed in two laps, each ending where it started so it can be repeated:
the renames, from step 2 back to step 2, which keep their rows, so one
fill serves every repetition; and the creates and drops, from empty back
to empty, which need a new fill each time.
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


@dataclass(frozen=True)
class Lap:
    start: int  # the step the database is at before and after the lap
    moves: tuple


UP = {
    1: Move(1, "up", "create employees", ()),
    2: Move(2, "up", "create department", ("employees",)),
    3: Move(3, "up", "rename the table", ("employees", "department")),
    4: Move(4, "up", "rename the column", ("employees", "departments")),
}
DOWN = {
    4: Move(4, "down", "rename the column back", ("employees", "departments")),
    3: Move(3, "down", "rename the table back", ("employees", "departments")),
    2: Move(2, "down", "drop department", ("employees", "department")),
    1: Move(1, "down", "drop employees", ("employees",)),
}
# Every move, in the order of a walk from empty to head and back (the tables' row order).
ALL_MOVES = (UP[1], UP[2], UP[3], UP[4], DOWN[4], DOWN[3], DOWN[2], DOWN[1])
RENAMES = Lap(start=2, moves=(UP[3], UP[4], DOWN[4], DOWN[3]))
CREATE_DROP = Lap(start=0, moves=(UP[1], UP[2], DOWN[2], DOWN[1]))


def walk(path, position, target):
    """Move `path`'s database from step `position` to step `target`, untimed."""
    for step in range(position + 1, target + 1):
        path.run(UP[step])
    for step in range(position, target, -1):
        path.run(DOWN[step])
    return target


class Migrations:
    """Moves made by flask_migrate.upgrade/downgrade, what `flask db upgrade/downgrade` call.

    `revisions` are the ids of steps 1 to 4 in `directory` (None: the app's
    own migrations folder). Runs inside an app context.
    """

    def __init__(self, name, revisions, laps=(RENAMES, CREATE_DROP), directory=None):
        self.name = name
        self.revisions = revisions
        self.laps = laps
        self.directory = directory

    def target(self, move):
        """The revision a move ends at."""
        if move.direction == "up":
            return self.revisions[move.step - 1]
        return self.revisions[move.step - 2] if move.step > 1 else "base"

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
