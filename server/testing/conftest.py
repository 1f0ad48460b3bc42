"""Fixtures of the grading kit: the learner's history and models, a walk per backend, a scorecard.

The copy's code (models.py, the migrations) runs only in the child
processes of learner_process.py; this process reads the scripts as text
and the databases itself, judges, and writes every output once the
children are gone, whole or not at all (a temporary file, then a rename).
"""
from .grade import preload

# Plain `pytest server/testing` puts the server folder first on sys.path before this file is
# imported: the libraries come from the environment all the same (grade.py).
preload()

import os
import sys
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from .backends import DatabaseUnavailable, backends_under_test, fresh_database
from .database import GradedDatabase
from .grades import Grade, grade_of
from .gradescope import results_json
from .history import read_history
from .junit_report import junit_xml
from .learner_copy import MIGRATIONS_DIR, SERVER_DIR
from .learner_process import LearnerCode, LimitError, limit
from .points import POINTS
from .safe_text import safe
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
def learner():
    """Runs the copy's code in child processes (learner_process.py); gone with the session."""
    code = LearnerCode(SERVER_DIR)
    yield code
    code.close()


@pytest.fixture(scope="session")
def learner_models(learner):
    """What importing models.py in a child said: {"failure": why not or None, "notes": [...]}."""
    return learner.child(backends_under_test()[0].name).ask({"kind": "models"})


@pytest.fixture(scope="session")
def models_db(learner_models, scorecard):
    """models.py can be imported and has its `db`; its import's warnings are noted."""
    if learner_models["failure"] is not None:
        fail(learner_models["failure"])
    for note in learner_models["notes"]:
        for backend in backends_under_test():
            scorecard.note(backend.name, MODELS, note)
    return True


@pytest.fixture(scope="session", params=backends_under_test(), ids=str)
def backend(request):
    return request.param


@pytest.fixture(scope="session")
def scorecard(request, history):
    card = request.config.stash.setdefault(SCORECARD, Scorecard())
    card.history = history
    return card


@contextmanager
def graded_databases(backend, learner):
    """Yield open() -> GradedDatabase on a fresh database; all are closed and dropped after.

    The copy's code for all of them runs in the backend's child, which may write only in its
    own folder, where the SQLite files are made."""
    child = learner.child(backend.name)
    with ExitStack() as stack:
        def open_database():
            try:
                url = stack.enter_context(fresh_database(backend, child.folder))
            except DatabaseUnavailable as error:
                fail(str(error))
            database = GradedDatabase(url, learner, child)
            stack.callback(database.close)
            return database

        yield open_database


@pytest.fixture(scope="session")
def walk(backend, history, models_db, scorecard, learner):
    """The lesson walked on `backend`; run on first use, then shared by every check."""
    with graded_databases(backend, learner) as open_database:
        lesson_walk = Walk(history, open_database)
        yield lesson_walk
        for step, notes in lesson_walk.notes.items():
            for note in notes:
                scorecard.note(backend.name, step, note)
        for step, why in lesson_walk.rows_not_added.items():
            scorecard.note(backend.name, step, f"the lesson's rows could not be added: {why}")


# The scorecard: each check of the kit reports to it, grouped by step; the
# grade is made from it at the end, and written for the grading platforms.

CHECK_GROUPS = {"test_models": MODELS}


def pytest_addoption(parser):
    group = parser.getgroup("grading kit")
    if any(option.dest == "copy_name" for option in group.options):
        return  # grade.py registered them first (plain pytest: this conftest does)
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
    instead of pytest's one test case per check. A limit that is not a number is one line."""
    for variable in ("GRADING_TIME_LIMIT", "GRADING_MEMORY_LIMIT"):
        try:
            limit(variable)
        except LimitError as error:
            raise pytest.UsageError(str(error)) from None
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
                          None if report.passed else safe(first_reason(report), newlines=False),
                          None if report.passed else safe(failure_text(report)),
                          report.duration))


def pytest_sessionfinish(session, exitstatus):
    """Grade the run and write it for the platforms; the exit code is 0 when every part graded
    earned its points and no check failed on a graded backend (an advisory one costs nothing)."""
    config = session.config
    card = config.stash.get(SCORECARD, None)
    if card is None:
        return
    only = config.getoption("only")
    name = safe(config.getoption("copy_name") or KIT_DIR.parent.parent.name, newlines=False)
    grade = config.stash[GRADE] = grade_of(card, backends_under_test(), name,
                                           PARTS[only] if only else None)
    if JUNIT_FILE in config.stash:
        write_whole(config.stash[JUNIT_FILE], junit_xml(grade))
    if config.getoption("gradescope"):
        write_whole(config.getoption("gradescope"), results_json(grade).encode("utf-8"))
    if exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) and grading_alone(config):
        advisory = set(grade.advisory)
        graded_failure = any(not c.passed and c.backend not in advisory for c in grade.checks)
        full_marks = grade.score == grade.max_score
        session.exitstatus = (pytest.ExitCode.OK if full_marks and not graded_failure
                              else pytest.ExitCode.TESTS_FAILED)


def write_whole(path, data):
    """Write `data` to `path` whole or not at all: a temporary file beside it, then a rename."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def scorecard_lines(config, headed):
    """(heading or None, line) for each line of the scorecards and the grade line."""
    card = config.stash.get(SCORECARD, None)
    if card is None:
        return
    advisory = {backend.name for backend in backends_under_test() if backend.advisory}
    blocks = card.blocks()
    for backend, lines in blocks.items():
        kind = ", advisory: costs no points" if backend in advisory else ""
        heading = f"grading scorecard ({backend}{kind})" if headed or len(blocks) > 1 else None
        yield heading, None
        for line in lines:
            yield None, line
    if GRADE in config.stash:
        yield None, f"grade: {config.stash[GRADE].summary()}"


def pytest_terminal_summary(terminalreporter, config):
    for heading, line in scorecard_lines(config, headed=True):
        if heading:
            terminalreporter.section(heading, sep="=")
        elif line is not None:
            terminalreporter.write_line(line)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """Without pytest's report (grade.py without -v), the scorecard and the grade line alone."""
    if config.pluginmanager.has_plugin("terminalreporter"):
        return
    for heading, line in scorecard_lines(config, headed=False):
        if heading:
            print(heading)
        elif line is not None:
            print(line)
    sys.stdout.flush()
