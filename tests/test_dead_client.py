"""extras/locks.py: a `flask db upgrade` killed mid-statement does not hold the lock for long.

The killed run's migration is blocked in a 60-second statement. PostgreSQL
notices the vanished client within a second (client_connection_check_interval)
and SQLite's lock dies with the process; MariaDB keeps running the orphan's
statement, so there the next run names the orphan's connection and ending
it with KILL, as docs/safety-nets.md says, lets the next run through.
"""
import os
import re
import signal
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from helpers.flask_process import start_flask
from helpers.migration_copies import EXTRA_REVISION, copy_with_extra_migration

LONG_STATEMENT = {
    "postgresql": "SELECT pg_sleep(60)",
    "mysql": "SELECT SLEEP(60)",
    "sqlite": ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
               "WHERE i < 3000000000) SELECT count(*) FROM n"),
}
# While the file `hold` exists, the extra migration says it started, then blocks.
BLOCKING_MIGRATION = '''\
    import pathlib
    if pathlib.Path(r"{hold}").exists():
        pathlib.Path(r"{started}").touch()
        op.execute("{statement}")
'''
FREED_WITHIN = 5  # seconds the next run may wait for the lock (MariaDB: from the KILL)


def start_upgrade(database_url, migrations, **settings):
    return start_flask("db", "upgrade", "-d", migrations, database_url=database_url,
                       settings=settings, merged=True)


def wait_for(condition, what, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {seconds} s", pytrace=False)
        time.sleep(0.1)


def sessions_running(engine, statement):
    """Server-side ids of the sessions running `statement` (PostgreSQL or MariaDB)."""
    query = ("SELECT pid FROM pg_stat_activity WHERE query = :statement"
             if engine.dialect.name == "postgresql" else
             "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO = :statement")
    with engine.connect() as connection:
        return {row[0] for row in connection.execute(text(query), {"statement": statement})}


@pytest.mark.database_at_step(4)
def test_a_killed_upgrade_frees_its_lock_within_seconds(backend, database_url, live_db, steps,
                                                        tmp_path):
    kind = "mysql" if backend.is_mysql else backend.name.rstrip("0123456789")
    statement = LONG_STATEMENT[kind]
    hold, started = tmp_path / "hold", tmp_path / "started"
    hold.touch()
    migrations = copy_with_extra_migration(
        tmp_path, down_revision=steps[-1].revision,
        upgrade=BLOCKING_MIGRATION.format(hold=hold, started=started, statement=statement))
    engine = None if kind == "sqlite" else create_engine(database_url, poolclass=NullPool)

    killed = start_upgrade(database_url, migrations)
    wait_for(started.exists, "the first upgrade reaching its long statement")
    orphans = set()
    if engine is not None:
        wait_for(lambda: sessions_running(engine, statement), "the long statement starting")
        orphans = sessions_running(engine, statement)
    killed.send_signal(signal.SIGKILL)
    killed.communicate()
    hold.unlink()

    if kind == "mysql":  # the orphan runs on: end it, as the next run's line says
        waiting = start_upgrade(database_url, migrations, FLASK_MIGRATION_LOCK_TIMEOUT="30")
        first_line = waiting.first_line(timeout=30)
        [orphan] = orphans
        assert re.search(rf"held by MariaDB connection {orphan} since [\d:]+, running: "
                         rf"{re.escape(statement)}", first_line), first_line
        killed_at = time.monotonic()
        with engine.connect() as connection:
            connection.execute(text(f"KILL {orphan}"))
        output = waiting.communicate(timeout=60)[0]
        returncode = waiting.returncode
        assert time.monotonic() - killed_at < FREED_WITHIN, output
    else:  # the next run gives up unless it has the lock within FREED_WITHIN seconds
        finished = start_upgrade(database_url, migrations,
                                 FLASK_MIGRATION_LOCK_TIMEOUT=str(FREED_WITHIN))
        output = finished.communicate(timeout=60)[0]
        returncode = finished.returncode

    assert returncode == 0, output
    assert live_db.revision() == EXTRA_REVISION
    if engine is not None:
        assert not orphans & sessions_running(engine, statement), "the killed run's session lives"
        engine.dispose()
    if kind == "sqlite":
        assert not os.path.exists(f"{database_url.removeprefix('sqlite:///')}-journal")
