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
from .grades import Grade, grade_of
from .gradescope import results_json
from .history import read_history
from .junit_report import junit_xml
from .learner_copy import MIGRATIONS_DIR, ModelsUnusable, load_models
from .points import POINTS
from .scorecard import HISTORY, MODELS, Check, Scorecard, failure_text, first_reason
from .verdict import fail
from .walk import Walk

KIT_DIR = Path(__file__).resolve().parent

SCORECARD = pytest.StashKey[Scorecard]()
GRADE = pytest.StashKey[Grade]()
JUNIT_FILE = pytest.StashKey[Path]()
PARTS = {str(group): group for group in POINTS}


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


# The scorecard: each check of the kit reports to it, grouped by step; the
# grade is made from it at the end, and written for the grading platforms.

CHECK_GROUPS = {"test_models": MODELS}


def pytest_addoption(parser):
    group = parser.getgroup("grading kit")
    group.addoption("--only", choices=sorted(PARTS), metavar="PART",
                    help="grade one part alone: a step (1 to 4) or models.py; the exit code is "
                         "0 when it earns its points")
    group.addoption("--gradescope", metavar="FILE", type=Path,
                    help="also write Gradescope's results.json to FILE")
    group.addoption("--copy-name", metavar="NAME",
                    help="the copy's name in the JUnit XML and results.json (default: its "
                         "top folder's name)")


def grading_alone(config):
    """Is this run the kit alone (not this repository's whole test suite)?"""
    base = config.invocation_params.dir
    paths = [Path(base, arg.split("::")[0]).resolve() for arg in config.args]
    return bool(paths) and all(path == KIT_DIR or KIT_DIR in path.parents for path in paths)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """When the kit runs alone, `--junitxml` writes the kit's graded JUnit (junit_report.py)
    instead of pytest's one test case per check."""
    if config.option.xmlpath and grading_alone(config):
        config.stash[JUNIT_FILE] = Path(config.option.xmlpath).expanduser().absolute()
        config.option.xmlpath = None


def is_check(item):
    return KIT_DIR in Path(item.path).parents


def check_group(item):
    """(backend, group): the step number, or "history" or "models.py"."""
    params = item.callspec.params if hasattr(item, "callspec") else {}
    group = params.get("step", CHECK_GROUPS.get(item.originalname, HISTORY))
    return str(params.get("backend")), group


def pytest_collection_modifyitems(config, items):
    """With --only, keep the checks of that part alone."""
    only = config.getoption("only")
    if only is None:
        return
    kept = [item for item in items if not is_check(item) or check_group(item)[1] == PARTS[only]]
    config.hook.pytest_deselected(items=[item for item in items if item not in kept])
    items[:] = kept


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if is_check(item) and (report.when == "call" or report.failed):
        backend, group = check_group(item)
        card = item.config.stash.setdefault(SCORECARD, Scorecard())
        card.record(Check(item.name, backend, group, report.passed,
                          None if report.passed else first_reason(report),
                          None if report.passed else failure_text(report), report.duration))


def pytest_sessionfinish(session, exitstatus):
    """Grade the run and write it for the platforms; the exit code is 0 when every part graded
    earned its points and no check failed on a graded backend (an advisory one costs nothing)."""
    config = session.config
    card = config.stash.get(SCORECARD, None)
    if card is None:
        return
    only = config.getoption("only")
    name = config.getoption("copy_name") or KIT_DIR.parent.parent.name
    grade = config.stash[GRADE] = grade_of(card, backends_under_test(), name,
                                           PARTS[only] if only else None)
    if JUNIT_FILE in config.stash:
        config.stash[JUNIT_FILE].write_bytes(junit_xml(grade))
    if config.getoption("gradescope"):
        config.getoption("gradescope").write_text(results_json(grade), encoding="utf-8")
    if exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) and grading_alone(config):
        advisory = set(grade.advisory)
        graded_failure = any(not c.passed and c.backend not in advisory for c in grade.checks)
        full_marks = grade.score == grade.max_score
        session.exitstatus = (pytest.ExitCode.OK if full_marks and not graded_failure
                              else pytest.ExitCode.TESTS_FAILED)


def pytest_terminal_summary(terminalreporter, config):
    card = config.stash.get(SCORECARD, None)
    if card is None:
        return
    advisory = {backend.name for backend in backends_under_test() if backend.advisory}
    for backend, lines in card.blocks().items():
        kind = ", advisory: costs no points" if backend in advisory else ""
        terminalreporter.section(f"grading scorecard ({backend}{kind})", sep="=")
        for line in lines:
            terminalreporter.write_line(line)
    if GRADE in config.stash:
        terminalreporter.write_line(f"grade: {config.stash[GRADE].summary()}")
