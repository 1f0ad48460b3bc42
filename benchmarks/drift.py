"""What the drift check (server/extras/drift) adds to `flask db migrate`, on each backend.

On a database at head, untouched (the usual case: no drift, so nothing to
name), the check builds the shadow from the four migrations and compares
it with the database. It is timed alone, and `flask db migrate` (in-process,
models unchanged, so no script is written) is timed whole around it.
`flask db upgrade` runs no drift check, so it is not timed here.
"""
import shutil
import statistics
import time
from pathlib import Path

import flask_migrate

from app import create_app
from benchmarks import BenchError
from benchmarks.databases import bench_database, server_version
from extras.core.database import current_revision
from extras.core.history import kept_history
from extras.drift.compare import find_drift, history_up_to
from helpers.paths import MIGRATIONS_DIR
from models import db
from testing.backends import backends_under_test

# The goals, in seconds: what the check may add to `migrate`.
GOALS = {"sqlite": 0.150, "server": 0.600}


def time_drift(folder, runs, say):
    """{backend: {"server", "runs", "check_seconds", "check_median_seconds",
    "migrate_seconds", "goal_seconds"}}."""
    results = {}
    for backend in backends_under_test():
        place = Path(folder) / f"drift-{backend.name}"
        with bench_database(backend, place) as url:
            say(f"{backend.name}: the drift check, {runs} runs")
            results[backend.name] = time_backend(backend, url, runs, place)
    return results


def time_backend(backend, url, runs, folder):
    migrations = folder / "migrations"
    shutil.copytree(MIGRATIONS_DIR, migrations, ignore=shutil.ignore_patterns("__pycache__"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    try:
        with app.app_context():
            flask_migrate.upgrade(directory=str(migrations))
            history = kept_history(app.extensions["migrate"].migrate.get_config())
            with db.engine.connect() as connection:
                scripts = history_up_to(history.chain, current_revision(connection))
                checks = [timed(lambda: found_none(connection, scripts)) for _ in range(runs)]
            runner = app.test_cli_runner()
            migrates = [timed(lambda: migrate(runner, migrations)) for _ in range(runs)]
    finally:
        with app.app_context():
            db.engine.dispose()  # let the database be dropped
    return {
        "server": server_version(backend, url),
        "runs": runs,
        "check_seconds": min(checks),
        "check_median_seconds": statistics.median(checks),
        "migrate_seconds": min(migrates),
        "goal_seconds": GOALS["sqlite" if backend.server_url is None else "server"],
    }


def found_none(connection, scripts):
    differences = find_drift(connection, scripts)
    if differences:
        raise BenchError(f"the bench's database drifted: {differences[0]}")


def migrate(runner, migrations):
    result = runner.invoke(args=["db", "migrate", "-d", str(migrations)])
    if result.exit_code != 0:
        raise BenchError(f"`flask db migrate` failed: {result.output.strip()}")


def timed(call):
    start = time.perf_counter()
    call()
    return time.perf_counter() - start
