"""Fixtures of the project's own tests: a fresh database on each backend, an app on it.

The grading kit (server/testing/) has fixtures of its own; nothing here
depends on them.
"""
import os
import shutil
import tempfile
from contextlib import ExitStack
from pathlib import Path

import pytest

from app import create_app
from helpers.cli_runner import CliRunner
from helpers.databases import DatabaseSupply
from helpers.lesson_copies import copy_lesson
from helpers.live_database import LiveDatabase
from helpers.paths import MIGRATIONS_DIR
from models import db
from testing.backends import DatabaseUnavailable, backends_under_test
from testing.history import HistoryError, read_history

# An unclosed file, socket or database fails the test that left it (for the kit's tests too,
# when they run with these). Here, not in pytest.ini: a copy without tests/ must still run
# `pytest server/testing`.
pytest_plugins = ["helpers.resource_leaks"]


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist's, absent with -p no:xdist
def pytest_xdist_auto_num_workers(config):
    """`-n auto`: two workers per CPU. Many tests wait on a `flask` or kit process, or on a
    database server, so one worker per CPU leaves CPUs idle (docs/performance.md)."""
    return 2 * (os.cpu_count() or 1)

# A tmpfs: files there never wait for a disk. SQLite syncs every commit to disk, and on this
# repository's 2-core machine those syncs cost a third of the suite's time.
IN_MEMORY = Path("/dev/shm")
KEPT_RUNS = 3  # as pytest keeps its own temporary folders


def pytest_configure(config):
    """Temporary files in memory, where the machine has a tmpfs and --basetemp is not given.

    TMPDIR goes to every process the tests start (flask, the kit in learners'
    copies, the class grader) and to the pytest-xdist workers, which make their
    own folders under this --basetemp. The last KEPT_RUNS runs' files are kept.
    """
    if (hasattr(config, "workerinput") or config.option.basetemp
            or not (IN_MEMORY.is_dir() and os.access(IN_MEMORY, os.W_OK))):
        return
    earlier = sorted((folder for folder in IN_MEMORY.glob("lesson-tests-*")
                      if not run_is_alive(folder)), key=lambda path: path.stat().st_mtime)
    for folder in earlier[:max(len(earlier) - KEPT_RUNS + 1, 0)]:
        shutil.rmtree(folder, ignore_errors=True)
    # Named by the process, not with random letters: the page shows its database's path, and a
    # test looks for what is not on the page.
    folder = IN_MEMORY / f"lesson-tests-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    folder = str(folder)
    os.environ["TMPDIR"] = folder
    tempfile.tempdir = None  # tempfile reads TMPDIR again
    config.option.basetemp = os.path.join(folder, "basetemp")


def run_is_alive(folder):
    """True while the run that made `folder` (lesson-tests-<pid>) is still going: another
    checkout's suite may be running at the same time, and its files must stay."""
    try:
        os.kill(int(folder.name.rsplit("-", 1)[1]), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture(params=backends_under_test(), ids=str)
def backend(request):
    """Each kind of database under test: SQLite, and every server in TEST_DATABASE_URLS."""
    return request.param


@pytest.fixture(scope="session")
def database_supply(tmp_path_factory, steps):
    """This worker's databases (helpers/databases.py), all dropped when the session ends."""
    supply = DatabaseSupply(tmp_path_factory.mktemp("templates"),
                            [step.revision for step in steps])
    yield supply
    supply.close()


@pytest.fixture
def database_url(request, backend, tmp_path, database_supply):
    """A new database of the test's own on `backend`: empty, or at lesson step N for a test
    marked `database_at_step(N)`. A listed server that is down fails the test: it is never
    skipped.
    """
    marker = request.node.get_closest_marker("database_at_step")
    made = (database_supply.empty(backend, tmp_path) if marker is None
            else database_supply.at_step(backend, marker.args[0], tmp_path))
    with ExitStack() as stack:
        try:
            url = stack.enter_context(made)
        except DatabaseUnavailable as error:
            pytest.fail(str(error), pytrace=False)
        yield url


@pytest.fixture
def app(database_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    app.test_cli_runner_class = CliRunner
    yield app
    with app.app_context():
        db.engine.dispose()  # let the test database be dropped


@pytest.fixture
def lesson_copy(tmp_path):
    """models.py, migrations/ and lesson/ copied for this test (helpers/lesson_copies.py)."""
    return copy_lesson(tmp_path / "clone")


@pytest.fixture
def copy_app(lesson_copy, database_url):
    """An app whose every path points into `lesson_copy`, on the test's database."""
    app = create_app(lesson_copy.settings(database_url))
    app.test_cli_runner_class = CliRunner
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    """Invokes the app's real `flask` commands in-process.

    The `flask` executable pushes an app context around every command;
    the test runner does not, so this fixture does.
    """
    with app.app_context():
        yield app.test_cli_runner()


@pytest.fixture
def live_db(app):
    return LiveDatabase(app)


@pytest.fixture(scope="session")
def steps():
    """This repository's four migrations, found by walking the chain from the first."""
    try:
        return read_history(MIGRATIONS_DIR).lesson_steps()
    except HistoryError as error:
        pytest.fail(str(error), pytrace=False)


def pytest_terminal_summary(terminalreporter):
    """Print where the browser test saved its screenshots, even when all is green."""
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, value in getattr(report, "user_properties", ()):
                if name == "screenshot" and report.when == "call":
                    terminalreporter.write_line(f"Screenshot ({report.nodeid}): {value}")
