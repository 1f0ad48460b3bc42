"""The lesson walked on one backend: every step up with the lesson's rows, then every step down.

One database makes the walk. It goes up from empty one migration at a time,
adding the employees after step 1 and the departments after step 2 as the
lesson does in `flask shell`, then down one migration at a time. A snapshot
after every move is what the tests judge, so eight migrations grade a
correct copy.

A downgrade is judged from exactly the state its own upgrade left. When the
walk down reaches a step in any other state (a later downgrade went wrong),
that downgrade is tried again on a fresh database walked up to it, so that
one step's mistake is never blamed on the step below.
"""
from dataclasses import dataclass

from .database import MigrationFailed, Snapshot
from .differences import extra_migration_effect
from .history import Migration
from .lesson import ROWS_ADDED_AT_STEP, STEP_COMMANDS, STEP_TOPICS, rows_to_add


class NotGraded(Exception):
    """A step that cannot be judged: not written yet, or never reached. The message says why."""


@dataclass
class Move:
    migration: Migration
    direction: str  # "up" or "down"
    before: Snapshot
    after: Snapshot
    failure: str | None = None  # why the migration failed, in one line
    left: Snapshot | None = None  # going up: the state when the walk moved on (rows added)


class Walk:
    def __init__(self, history, open_database):
        self.history = history
        self.open_database = open_database  # makes a GradedDatabase; its owner closes it
        self.notes = {}  # step number -> warnings raised by that step's migrations
        self.rows_not_added = {}  # step number -> why the lesson's rows could not be added
        self._ups = self._downs = None
        self._retried_downs = {}

    def upgrade(self, number):
        """The Move that upgraded to step `number`, or NotGraded."""
        self._require_script(number)
        ups, _ = self._walk()
        if number not in ups:
            failed = next(move for move in ups.values() if move.failure)
            raise NotGraded(f"not reached: step {failed.migration.number} failed first")
        return ups[number]

    def downgrade(self, number):
        """The Move that undid step `number`, starting from the state its upgrade left."""
        up = self.upgrade(number)
        if up.failure:
            raise NotGraded(f"the downgrade was not tried: step {number} failed: {up.failure}")
        _, downs = self._walk()
        down = downs.get(number)
        if down is not None and down.before == up.left:
            return down
        if number not in self._retried_downs:
            self._retried_downs[number] = self._fresh_downgrade(number)
        return self._retried_downs[number]

    def extra_migrations(self):
        """(migration, what it does) for every migration beyond the lesson's four."""
        ups, _ = self._walk()
        found = []
        for migration in self.history.extra:
            move = ups.get(migration.number)
            if move is None:
                effect = "was not reached"
            elif move.failure:
                effect = f"fails: {move.failure}"
            else:
                effect = extra_migration_effect(move.before, move.after)
            found.append((migration, effect))
        return found

    def _require_script(self, number):
        if self.history.step(number) is not None:
            return
        if self.history.problems:
            raise NotGraded("cannot be graded until the history is fixed (see history)")
        how = f"{STEP_TOPICS[number]}: `{STEP_COMMANDS[number]}`"
        if number == len(self.history.migrations) + 1:
            raise NotGraded(f"not written yet: next, {how}")
        raise NotGraded(f"not written yet ({how})")

    def _walk(self):
        if self._ups is None:
            database = self.open_database()
            self._ups = self._climb(database, len(self.history.migrations))
            self._downs = self._descend(database, self._ups)
        return self._ups, self._downs

    def _climb(self, database, top):
        """Up from empty to migration `top`, adding the lesson's rows; {number: Move}."""
        ups = {}
        state = database.snapshot()
        for migration in self.history.migrations[:top]:
            move = self._move(database, migration, "up", migration.revision, state)
            ups[migration.number] = move
            if move.failure:
                break
            state = move.after
            if migration.number in ROWS_ADDED_AT_STEP:
                table_name, rows = rows_to_add(migration.number, state.tables)
                why = database.add_rows(table_name, rows)
                if why:
                    self.rows_not_added[migration.number] = why
                else:
                    state = database.snapshot()
            move.left = state
        return ups

    def _descend(self, database, ups):
        """Down from the highest migration the climb reached to empty; {number: Move}."""
        downs = {}
        reached = [number for number, move in ups.items() if not move.failure]
        state = ups[max(reached)].left if reached else None
        for number in sorted(reached, reverse=True):
            migration = self.history.step(number)
            move = self._move(database, migration, "down", self._below(number), state)
            downs[number] = move
            if move.failure:
                break
            state = move.after
        return downs

    def _fresh_downgrade(self, number):
        database = self.open_database()
        up = self._climb(database, number)[number]
        if up.failure:  # it upgraded on the walk: a migration that fails only sometimes
            raise NotGraded(f"the downgrade was not tried: step {number} failed on a second "
                            f"try: {up.failure}")
        return self._move(database, up.migration, "down", self._below(number), up.left)

    def _below(self, number):
        return self.history.step(number - 1).revision if number > 1 else "base"

    def _move(self, database, migration, direction, target, before):
        try:
            notes, failure = database.migrate(direction, target), None
        except MigrationFailed as failed:
            notes, failure = failed.notes, failed.reason
        known = self.notes.setdefault(migration.number, [])
        known += [note for note in notes if note not in known]
        return Move(migration, direction, before, database.snapshot(), failure)

