"""The grading kit: every step of the lesson, up and down, with the lesson's rows.

From the top folder of a learner's copy, with this folder copied into
server/testing:  pytest server/testing

Each step has three checks (`-k step3` selects them): its upgrade leaves
exactly the step's tables, columns and type families; its downgrade gives
back exactly the step before; and the lesson's rows survive both ways.
Then the history, models.py, and two generic checks in the manner of
pytest-alembic's: one head, and every migration up and down one at a time.
A failure names the step and says what to fix; the scorecard at the end
sums it up. The copy's code runs in child processes only (learner_process.py):
every check here judges what it left in a database, read by the kit.
"""
import warnings

import pytest

from .conftest import graded_databases
from .differences import (
    LOSS_ADVICE,
    UNTOUCHED_ADVICE,
    message,
    moment,
    revision_problems,
    rows_problems,
    schema_problems,
)
from .expectations import as_expected, change_problems, rows_after_upgrade, schema_after_upgrade
from .history import written_words
from .lesson import STEP_COUNT
from .models_check import check_models
from .scorecard import MODELS
from .verdict import fail, graded

STEPS = [pytest.param(number, id=f"step{number}") for number in range(1, STEP_COUNT + 1)]
ORDINALS = {5: "fifth", 6: "sixth", 7: "seventh", 8: "eighth", 9: "ninth"}


def test_history(history, walk):
    """The lesson's four migrations, in one straight line, and nothing more."""
    problems = list(history.problems)
    written = len(history.migrations)
    if not problems and written < STEP_COUNT:
        problems.append(written_words(written))
    for migration, effect in walk.extra_migrations():
        ordinal = ORDINALS.get(migration.number, f"number {migration.number}")
        problems.append(
            f"a {ordinal} migration, {migration} in {migration.file}, {effect}: the lesson has "
            f"{STEP_COUNT} migrations; delete it, or fold its change into the step it belongs to")
    if problems:
        fail(message("The migration history is not the lesson's", problems))


@pytest.mark.parametrize("step", STEPS)
def test_upgrade(step, walk):
    """From empty, step by step: after this step, exactly its tables and columns."""
    move = graded(walk.upgrade, step)
    if move.failure:
        fail(f"step {step} failed: {move.failure}")
    expected = schema_after_upgrade(step, move.before)
    problems = (change_problems(step, move.before)
                + schema_problems(move.after.tables, expected, step, "up")
                + revision_problems(move.after.revision, move.migration.revision))
    if problems:
        fail(message(moment(move.migration, "up"), problems))


@pytest.mark.parametrize("step", STEPS)
def test_downgrade(step, walk, history):
    """Undoing this step gives back exactly the schema its upgrade started from."""
    move = graded(walk.downgrade, step)
    if move.failure:
        fail(f"the downgrade of step {step} failed: {move.failure}")
    below = history.step(step - 1).revision if step > 1 else None
    expected = as_expected(walk.upgrade(step).before.tables)  # where its upgrade started
    problems = (schema_problems(move.after.tables, expected, step, "down")
                + revision_problems(move.after.revision, below))
    if problems:
        fail(message(moment(move.migration, "down"), problems))


@pytest.mark.parametrize("step", STEPS[1:])
def test_rows_kept(step, walk):
    """The lesson's rows survive this step's upgrade and its downgrade, ids and values."""
    up = graded(walk.upgrade, step)
    if up.failure:
        fail(f"step {step} failed: {up.failure}")
    for earlier in range(1, step):
        if earlier in walk.rows_not_added:
            fail(f"the lesson's rows could not be added after step {earlier}: "
                 f"{walk.rows_not_added[earlier]}")
    judge_rows(up, rows_after_upgrade(step, up.before), step, "up")
    down = graded(walk.downgrade, step)
    if down.failure:
        fail(f"the downgrade of step {step} failed: {down.failure}")
    judge_rows(down, up.before.rows, step, "down")


def judge_rows(move, expected, step, direction):
    problems = rows_problems(move.after, expected)
    if problems:
        advice = LOSS_ADVICE.get((step, direction), UNTOUCHED_ADVICE)
        fail(message(moment(move.migration, direction), [f"{problems[0]}. {advice}"]
                     + problems[1:]))


def test_models(backend, models_db, learner, scorecard):
    """models.py describes the lesson's tables at its end: after step 4, or back at step 3.

    A child makes models.py's tables in a database of their own (`db.create_all()`); the
    kit reads them back and compares them with the lesson's, made in another.
    """
    with graded_databases(backend, learner) as open_database:
        built, reference = open_database(), open_database()
        failure, notes = built.create_models()
        for note in notes:
            scorecard.note(backend.name, MODELS, note)
        if failure is not None:
            fail(f"models.py cannot be used on this database: {failure}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the kit's reading of the tables, not the learner's
            problems, notes = check_models(built.reflect(), reference.engine)
    for note in notes:
        scorecard.note(backend.name, MODELS, note)
    if problems:
        fail(message(None, problems))


# Two generic checks, as pytest-alembic has them, judged from the walk (up from empty one
# migration at a time, then down to empty). They earn nothing until the history is the
# lesson's four steps, so a copy with one migration cannot score on them.


def require_lesson_history(history):
    if history.problems or len(history.migrations) != STEP_COUNT:
        fail("not checked until the history is the lesson's four migrations (see test_history)")


def test_single_head_revision(history, walk):
    """One head: the history reads as one straight line (history.py)."""
    require_lesson_history(history)


def test_up_down_consistency(history, walk):
    """Every migration upgrades, then every one downgrades, one revision at a time."""
    require_lesson_history(history)
    ups, downs = walk._walk()
    for direction, moves in (("upgrade", ups), ("downgrade", downs)):
        for move in moves.values():
            if move.failure:
                fail(f"Failed to {direction} through each revision individually. Failing "
                     f"Revision: {move.migration}; error: {move.failure}")
    if len(downs) < len(ups):
        fail("Failed to downgrade through each revision individually: the walk down stopped")
