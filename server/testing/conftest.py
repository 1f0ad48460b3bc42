"""Fixtures of the grading kit: the learner's history and models, a walk per backend, a scorecard.

pytest imports this folder as the package `testing` whatever pytest.ini
says (this repository's, the original lesson's `pythonpath = . server`, or
none); learner_copy.load_models() puts the server folder on sys.path for
`import models` itself.
"""
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from .backends import DatabaseUnavailable, backends_under_test, fresh_database
from .database import GradedDatabase
from .history import read_history
from .learner_copy import MIGRATIONS_DIR, ModelsUnusable, load_models
from .scorecard import HISTORY, MODELS, Scorecard, first_reason
from .verdict import fail
from .walk import Walk

KIT_DIR = Path(__file__).resolve().parent

SCORECARD = pytest.StashKey[Scorecard]()


@pytest.fixture(scope="session")
def history():
    return read_history(MIGRATIONS_DIR)


@pytest.fixture(scope="session")
def learner_models():
    """(db, notes) from models.py, or the ModelsUnusable saying why there is none."""
    try:
        return load_models()
    except ModelsUnusable as error:
        return error


@pytest.fixture(scope="session")
def models_db(learner_models, scorecard):
    if isinstance(learner_models, ModelsUnusable):
        fail(str(learner_models))
    db, notes = learner_models
    for note in notes:
        for backend in backends_under_test():
            scorecard.note(backend.name, MODELS, note)
    return db


@pytest.fixture(scope="session", params=backends_under_test(), ids=str)
def backend(request):
    return request.param


@pytest.fixture(scope="session")
def scorecard(request, history):
    card = request.config.stash.setdefault(SCORECARD, Scorecard())
    card.history = history
    return card


@contextmanager
def graded_databases(backend, db, folder):
    """Yield open() -> GradedDatabase on a fresh database; all are closed and dropped after."""
    with ExitStack() as stack:
        def open_database():
            try:
                url = stack.enter_context(fresh_database(backend, folder))
            except DatabaseUnavailable as error:
                fail(str(error))
            database = GradedDatabase(db, url)
            stack.callback(database.close)
            return database

        yield open_database


@pytest.fixture(scope="session")
def walk(backend, history, models_db, scorecard, tmp_path_factory):
    """The lesson walked on `backend`; run on first use, then shared by every check."""
    folder = tmp_path_factory.mktemp(f"walk-{backend.name}")
    with graded_databases(backend, models_db, folder) as open_database:
        lesson_walk = Walk(history, open_database)
        yield lesson_walk
        for step, notes in lesson_walk.notes.items():
            for note in notes:
                scorecard.note(backend.name, step, note)
        for step, why in lesson_walk.rows_not_added.items():
            scorecard.note(backend.name, step, f"the lesson's rows could not be added: {why}")


@pytest.fixture
def fresh_graded_database(backend, models_db, tmp_path):
    with graded_databases(backend, models_db, tmp_path) as open_database:
        yield open_database()


# pytest-alembic's checks run on a fresh database of their own, through the
# grading app (env.py needs an app context to find `db`).


@pytest.fixture
def alembic_config(fresh_graded_database):
    app = fresh_graded_database.app
    with app.app_context():
        yield app.extensions["migrate"].migrate.get_config()


@pytest.fixture
def alembic_engine(fresh_graded_database):
    with fresh_graded_database.app.app_context():
        return fresh_graded_database.db.engine


# The scorecard: each check of the kit reports to it, grouped by step.

CHECK_GROUPS = {"test_models": MODELS}


def is_check(item):
    return KIT_DIR in Path(item.path).parents


def check_group(item):
    """(backend, group): the step number, or "history" or "models.py"."""
    params = item.callspec.params if hasattr(item, "callspec") else {}
    group = params.get("step", CHECK_GROUPS.get(item.originalname, HISTORY))
    return str(params.get("backend")), group


def pytest_collection_modifyitems(items):
    """Tag each check with its backend and step; junit XML shows them as properties."""
    for item in items:
        if is_check(item):
            backend, group = check_group(item)
            item.user_properties += [("backend", backend), ("step", str(group))]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if is_check(item) and (report.when == "call" or report.failed):
        backend, group = check_group(item)
        card = item.config.stash.setdefault(SCORECARD, Scorecard())
        card.record(backend, group, report.passed, None if report.passed else first_reason(report))


def pytest_terminal_summary(terminalreporter, config):
    card = config.stash.get(SCORECARD, None)
    if card is None:
        return
    for backend, lines in card.blocks().items():
        terminalreporter.section(f"grading scorecard ({backend})", sep="=")
        for line in lines:
            terminalreporter.write_line(line)
