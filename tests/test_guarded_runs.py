"""extras/guarded_runs.py: a migration that fails halfway leaves nothing half-done.

SQLite (through extras/sqlite_transactions.py) and PostgreSQL roll the
whole run back; MySQL and MariaDB keep what finished and never record the
failed migration.
"""
import flask_migrate
import pytest

from helpers.live_database import LiveColumn
from helpers.migration_copies import EXTRA_REVISION, copy_with_extra_migration
from testing.lesson import DEPARTMENT_ROWS, EMPLOYEE_ROWS, SCHEMA_AFTER_STEP


def snapshot(live_db):
    return {
        "revision": live_db.revision(),
        "schema": live_db.schema(),
        "employees": live_db.rows("employees", ["id", "name", "salary"]),
    }


@pytest.mark.parametrize("start_step", [2, 4])
def test_failed_upgrade_changes_nothing(app, backend, live_db, steps, tmp_path, start_step):
    """From step 2 (so steps 3 and 4 run first) or from head, upgrade into a failing migration."""
    start = steps[start_step - 1].revision
    live_db.upgrade(steps[0].revision, "Upgrading to step 1")
    live_db.insert("employees", EMPLOYEE_ROWS)
    live_db.upgrade(steps[1].revision, "Upgrading to step 2")
    live_db.insert("department", DEPARTMENT_ROWS)
    live_db.upgrade(start, f"Upgrading to step {start_step}")
    before = snapshot(live_db)
    migrations = copy_with_extra_migration(tmp_path, down_revision=steps[-1].revision)

    with app.app_context(), pytest.raises(SystemExit) as failed:
        flask_migrate.upgrade(directory=str(migrations), revision=EXTRA_REVISION)
    assert failed.value.code == 1

    after = snapshot(live_db)
    if not backend.is_mysql:
        assert after == before, "the failed run must leave the database exactly as it was"
        return
    # MySQL and MariaDB commit DDL as they go (the documented limit): the
    # migrations that finished stay, the failed one is never recorded.
    assert after["revision"] == steps[-1].revision
    assert after["schema"]["employees"]["nickname"] == LiveColumn(nullable=True)
    assert after["schema"]["departments"].keys() == SCHEMA_AFTER_STEP[4]["departments"].keys()

