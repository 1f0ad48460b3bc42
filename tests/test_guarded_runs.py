"""extras/guarded_runs.py: a migration that fails halfway leaves nothing half-done.

SQLite (through extras/sqlite_transactions.py) and PostgreSQL roll the
whole run back; MySQL and MariaDB keep what finished and never record the
failed migration.
"""
import flask_migrate
import pytest
from sqlalchemy.engine import make_url

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



def test_a_migration_run_leaves_no_connection_in_the_apps_pool(app, runner):
    """The run's connection is closed when it ends, not pooled with its settings until the
    app is gone (Python 3.13 warns about the unclosed SQLite connection then)."""
    from sqlalchemy import event

    from models import db

    opened = []
    event.listen(db.engine, "connect", lambda dbapi_connection, record: opened.append(1))
    for closing in ("close", "close_detached"):
        event.listen(db.engine, closing, lambda dbapi_connection, *record: opened.pop())
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert runner.invoke(args=["db", "current"]).exit_code == 0
    assert opened == []


def test_a_leak_fails_the_test_that_made_it():
    """tests/helpers/resource_leaks.py finds an unclosed file kept alive only by a cycle."""
    from helpers.resource_leaks import collect_leaks

    cycle = {"file": open(__file__)}  # noqa: SIM115 (left open on purpose)
    cycle["self"] = cycle
    del cycle
    [leak] = collect_leaks()
    assert leak.startswith("ResourceWarning: unclosed file")


# The migration's own session ends under it, as when the server restarts mid-migration:
# PostgreSQL and MariaDB end it from the server's side, SQLite's file handle is closed. On
# PostgreSQL the database also stops taking connections, as a server that is still starting
# up: SQLAlchemy's attempt to reconnect for the clean-up fails too.
CONNECTION_LOST = '''\
    op.add_column("employees", sa.Column("nickname", sa.String(length=50)))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        admin = sa.create_engine(bind.engine.url.set(database="postgres"),
                                 isolation_level="AUTOCOMMIT",
                                 poolclass=sa.pool.NullPool)
        with admin.connect() as connection:
            connection.exec_driver_sql(
                f"ALTER DATABASE {bind.engine.url.database} ALLOW_CONNECTIONS false")
        admin.dispose()
        op.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    elif bind.dialect.name in ("mysql", "mariadb"):
        op.execute("KILL CONNECTION_ID()")
    else:
        bind.connection.driver_connection.close()
    op.execute("UPDATE employees SET salary = salary + 1")
'''


@pytest.mark.database_at_step(4)
def test_a_connection_lost_mid_migration_is_one_line_with_the_real_error(
        app, runner, backend, live_db, steps, tmp_path):
    """Releasing the lock and cleaning up happen inside the error boundary: the line names
    what ended the run, not the clean-up's failure on the dead connection."""
    migrations = copy_with_extra_migration(tmp_path, down_revision=steps[-1].revision,
                                           upgrade=CONNECTION_LOST)
    try:
        result = runner.invoke(args=["db", "upgrade", "-d", str(migrations)])
    finally:
        if backend.server_url and not backend.is_mysql:
            database = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
            allow_connections_again(backend, database)

    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    lines = [line for line in result.stderr.splitlines() if not line.startswith("INFO")]
    assert len(lines) == 1 and lines[0].startswith("Error: the migration failed: "), lines
    real = {"sqlite": "closed database", "postgresql": "terminating connection"}.get(
        backend.name.rstrip("0123456789"), "Connection was killed")
    assert real in lines[0], lines
    assert live_db.revision() == steps[-1].revision


def allow_connections_again(backend, database):
    from testing.backends import admin_engine

    admin = admin_engine(backend)
    with admin.connect() as connection:
        connection.exec_driver_sql(f"ALTER DATABASE {database} ALLOW_CONNECTIONS true")
    admin.dispose()


# What Alembic's batch copy does when the copy fails (ApplyBatchImpl._create): it drops its
# _alembic_tmp_ table and re-raises. Here the disk fills up (max_page_count) during the copy,
# and, as when SQLite has rolled the whole transaction back, the table is gone by then.
FULL_DURING_BATCH_COPY = '''\
    bind = op.get_bind()
    for number in range(200):
        bind.exec_driver_sql(f"INSERT INTO departments (name, location) VALUES "
                             f"('{'x' * 200}{number}', 'here')")
    op.execute("CREATE TABLE _alembic_tmp_departments AS SELECT * FROM departments WHERE 0")
    pages = bind.exec_driver_sql("PRAGMA page_count").scalar()
    op.execute(f"PRAGMA max_page_count = {pages}")
    try:
        op.execute("INSERT INTO _alembic_tmp_departments SELECT * FROM departments")
    except Exception:
        op.execute("DROP TABLE _alembic_tmp_departments")
        op.execute("DROP TABLE _alembic_tmp_departments")
        raise
'''


def test_disk_full_during_a_batch_copy_is_named_not_the_clean_up(tmp_path):
    """SQLite only: max_page_count is how SQLite fills its disk without filling the machine's."""
    from app import create_app
    from models import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'app.db'}"})
    with app.app_context():
        runner = app.test_cli_runner()
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        migrations = copy_with_extra_migration(tmp_path, down_revision="76f31678b786",
                                               upgrade=FULL_DURING_BATCH_COPY)
        result = runner.invoke(args=["db", "upgrade", "-d", str(migrations)])
        db.engine.dispose()
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: the migration failed: database or disk is full; nothing was changed: the whole "
        "run was rolled back."), result.stderr
