"""extras/locks.py: several `flask db upgrade` processes at once run each migration once."""
import multiprocessing
import os
import re
import sqlite3
import sys
import threading
import time
from contextlib import closing

import pytest
from flask.cli import FlaskGroup
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from app import create_app
from extras.commands import terminal
from extras.core.settings import DEFAULTS, SettingError
from extras.safety_nets.locks import migration_lock
from helpers.cli_runner import CliRunner
from helpers.migration_copies import copy_migrations
from models import db
from testing.lesson import DEPARTMENT_ROWS, EMPLOYEE_ROWS

PROCESSES = 8


def upgrade_in_child(database_url, barrier, log_path):
    """One OS process running the `flask db upgrade` command through Flask's CLI entry point."""
    sys.stdout = sys.stderr = open(log_path, "w", buffering=1)  # noqa: SIM115 (lives with the process)
    cli = FlaskGroup(
        create_app=lambda: create_app({"SQLALCHEMY_DATABASE_URI": database_url}),
        load_dotenv=False,
    )
    barrier.wait()  # start all upgrades together
    cli.main(args=["db", "upgrade"], prog_name="flask")  # exits with the command's code


def upgrade_all_at_once(app, tmp_path):
    """Start PROCESSES upgrades together; return their exit codes and logs."""
    with app.app_context():
        db.engine.dispose()  # forked children must not share the parent's connections
    fork = multiprocessing.get_context("fork")
    barrier = fork.Barrier(PROCESSES)
    logs = [tmp_path / f"upgrade-{n}.log" for n in range(PROCESSES)]
    children = [
        fork.Process(target=upgrade_in_child,
                     args=(app.config["SQLALCHEMY_DATABASE_URI"], barrier, log))
        for log in logs
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=120)
    for child in children:
        if child.is_alive():  # a hung upgrade must not outlive the test
            child.kill()
            child.join()
    return [child.exitcode for child in children], [log.read_text() for log in logs]


def migrations_run(logs):
    """Every `Running upgrade A -> B` line, from all processes together."""
    return sorted(re.findall(r"Running upgrade (\w*) ?-> (\w+)", "\n".join(logs)))


def test_upgrades_from_empty_run_each_migration_once(app, live_db, steps, tmp_path):
    codes, logs = upgrade_all_at_once(app, tmp_path)

    assert codes == [0] * PROCESSES, "\n---\n".join(logs)
    expected = sorted((steps[n - 1].revision if n else "", steps[n].revision) for n in range(4))
    assert migrations_run(logs) == expected
    assert live_db.revision() == steps[-1].revision
    assert set(live_db.schema()) == {"employees", "departments"}


def test_upgrades_from_step_2_run_each_migration_once(app, live_db, steps, tmp_path):
    live_db.upgrade(steps[0].revision, "Upgrading to step 1")
    live_db.insert("employees", EMPLOYEE_ROWS)
    live_db.upgrade(steps[1].revision, "Upgrading to step 2")
    live_db.insert("department", DEPARTMENT_ROWS)

    codes, logs = upgrade_all_at_once(app, tmp_path)

    assert codes == [0] * PROCESSES, "\n---\n".join(logs)
    assert migrations_run(logs) == sorted(
        [(steps[1].revision, steps[2].revision), (steps[2].revision, steps[3].revision)]
    )
    assert live_db.revision() == steps[-1].revision
    locations = [row["location"] for row in live_db.rows("departments", ["id", "location"])]
    assert locations == [row["address"] for row in DEPARTMENT_ROWS]


def invoke_while_lock_is_held(app, runner, args):
    """Run a `flask` command while another connection holds the migration lock."""
    app.config["MIGRATION_LOCK_TIMEOUT"] = 0.2
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
    try:
        with other.connect() as connection, migration_lock(connection, 5, terminal.say):
            # On SQLite the lock is taken by the first statement.
            connection.execute(text("SELECT 1"))
            return runner.invoke(args=args)
    finally:
        other.dispose()


def test_a_held_lock_times_out_with_a_clear_message(app, backend, runner, live_db):
    result = invoke_while_lock_is_held(app, runner, ["db", "upgrade"])

    assert result.exit_code == 1
    if backend.name == "sqlite":  # the write lock has no owner to name: any writer holds it
        assert "the database is locked by another connection that is writing to it" in (
            result.stderr)
    else:
        assert "another migration is running on this database" in result.stderr
    if backend.name != "sqlite":  # the server says who holds it: once waiting, once giving up
        holder = "MariaDB connection" if backend.is_mysql else "PostgreSQL process"
        said = re.findall(rf"held by {holder} \d+ since [\d:]+, between statements",
                          result.stderr)
        assert len(said) == 2, result.stderr
    assert "0.2 s" in result.stderr and isinstance(result.exception, SystemExit)
    assert live_db.schema() == {} and live_db.revision() is None


@pytest.mark.database_at_step(4)
def test_downgrades_wait_for_the_lock_too(app, runner, live_db, steps):

    result = invoke_while_lock_is_held(app, runner, ["db", "downgrade"])

    assert result.exit_code == 1
    assert "another migration is running" in result.stderr or "is locked" in result.stderr
    assert live_db.revision() == steps[-1].revision


@pytest.mark.database_at_step(4)
def test_migrate_does_not_wait_for_the_lock(app, runner, live_db, steps, tmp_path):
    """`flask db migrate` only reads the schema: a running upgrade must not block it."""
    migrations = copy_migrations(tmp_path)

    result = invoke_while_lock_is_held(app, runner, ["db", "migrate", "-d", str(migrations)])

    assert result.exit_code == 0, result.output
    assert "No changes in schema detected." in result.output


@pytest.mark.database_at_step(4)
def test_current_and_check_do_not_wait_for_the_lock(app, runner, live_db, steps):
    for command in (["db", "current"], ["db", "check"]):
        result = invoke_while_lock_is_held(app, runner, command)
        assert result.exit_code == 0, (command, result.output)


@pytest.mark.parametrize("value", ["soon", "-1", "Infinity", "1e12"])
def test_lock_timeout_must_be_a_number(monkeypatch, tmp_path, value):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    monkeypatch.setenv("FLASK_MIGRATION_LOCK_TIMEOUT", value)
    # Checked once, when the app is made: no command gets as far as the database.
    with pytest.raises(SettingError, match="^FLASK_MIGRATION_LOCK_TIMEOUT must be a number of "
                                           "seconds from 0 to 2147483, not "):
        create_app()
    assert not (tmp_path / "app.db").exists(), "nothing may be created"


def test_lock_timeout_is_read_from_the_config_or_defaults_to_60_seconds(database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "MIGRATION_LOCK_TIMEOUT": "2.5"})
    assert app.config["MIGRATION_LOCK_TIMEOUT"] == 2.5
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    assert app.config["MIGRATION_LOCK_TIMEOUT"] == DEFAULTS["MIGRATION_LOCK_TIMEOUT"] == 60


def test_a_sqlite_write_lock_of_another_program_is_not_called_a_migration(tmp_path):
    """The sqlite3 shell after BEGIN IMMEDIATE holds the same lock a migration takes. (SQLite
    only: the servers' locks are named, and the test above checks who they say holds them.)"""
    path = tmp_path / "app.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                      "MIGRATION_LOCK_TIMEOUT": 0.2})
    with app.app_context(), closing(sqlite3.connect(path, isolation_level=None)) as shell:
        shell.execute("BEGIN IMMEDIATE")
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        shell.rollback()
        db.engine.dispose()
        tables = shell.execute("SELECT name FROM sqlite_master").fetchall()
    assert result.exit_code == 1
    assert "another migration is running" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith(
        "Error: the database is locked by another connection that is writing to it (another "
        "migration, or a program such as the sqlite3 shell with a transaction open); gave up "
        "waiting for it after 0.2 s."), result.stderr
    assert tables == []


def test_a_run_waiting_for_the_lock_never_migrates_a_moved_sqlite_file(tmp_path, steps):
    """`flask lesson start` moves app.db away while an upgrade waits for SQLite's write lock:
    the upgrade stops and says why (SQLite alone says "attempt to write a readonly
    database"), and the copy in the backup folder is not migrated."""
    database, set_aside = tmp_path / "app.db", tmp_path / "backup" / "app.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    app.test_cli_runner_class = CliRunner
    with app.app_context():
        first = app.test_cli_runner().invoke(args=["db", "upgrade", steps[0].revision])
    assert first.exit_code == 0, first.output
    results = []

    def upgrade():
        with app.app_context():
            results.append(app.test_cli_runner().invoke(args=["db", "upgrade"]))

    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the lock, as `flask lesson start` holds it
    waiting = threading.Thread(target=upgrade)
    waiting.start()
    time.sleep(2)  # the upgrade has connected, and waits for the lock
    set_aside.parent.mkdir()
    os.replace(database, set_aside)
    holder.rollback()
    holder.close()
    waiting.join(60)
    with app.app_context():
        db.engine.dispose()

    (result,) = results
    assert result.exit_code == 1, result.output
    assert "moved or replaced while this run waited" in result.output, result.output
    with closing(sqlite3.connect(set_aside)) as moved:
        assert moved.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (steps[0].revision,)], "the run migrated the file set aside"
