"""extras/safety_nets/newer_database.py: a database stamped by code this copy does not have."""
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from extras.core.history import BrokenHistory, read_history
from helpers.migration_copies import copy_migrations


def stamp_unknown_revision(app, revision):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :rev"), {"rev": revision})
    engine.dispose()


@pytest.mark.database_at_step(4)
def test_database_ahead_of_the_code(app, runner, live_db, steps):
    stamp_unknown_revision(app, "c0ffee000000")
    schema = live_db.schema()

    for command in (["db", "upgrade"], ["db", "downgrade"], ["db", "current"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 1, command
        [line] = [line for line in result.stderr.splitlines() if "Error:" in line]
        assert "the database is at revision c0ffee000000" in line and "newer than this code" in line
    assert live_db.revision() == "c0ffee000000" and live_db.schema() == schema

    # The way out the message names works.
    assert runner.invoke(args=["db", "stamp", "--purge", steps[-1].revision]).exit_code == 0
    assert live_db.revision() == steps[-1].revision


def test_only_an_unknown_revision_counts_as_newer_code(steps, tmp_path):
    """A loop in the history is the history's fault (core/history.py names it), not newer code."""
    migrations = copy_migrations(tmp_path)
    history = read_history(ScriptDirectory(str(migrations)))
    assert "c0ffee000000" not in history and steps[-1].revision in history
    first = migrations.parent / steps[0].file
    first.write_text(first.read_text().replace(
        "down_revision = None", f"down_revision = '{steps[-1].revision}'", 1))
    looped = read_history(ScriptDirectory(str(migrations)))
    with pytest.raises(BrokenHistory, match="point at each other through down_revision"):
        looped.check()
