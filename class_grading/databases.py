"""Each copy's databases on the servers in TEST_DATABASE_URLS: named by the copy, dropped by us.

The kit drops the databases it makes, but a run that is ended at its time
limit, or that crashes, cannot. So every run names its databases with a
prefix of its own (GRADING_DATABASE_PREFIX, see testing/backends.py), and
after the run has ended, whatever its end, the grader drops every database
with that prefix. A server may still be making one for a run that was
killed in the middle of its CREATE DATABASE, so the grader first waits for
the server to finish every statement that names the prefix. And at the
end, it drops whatever of the whole batch is left. SQLite files live in
the copy's private folder and go with it.
"""
import time
import uuid

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from server.testing.backends import (
    admin_engine,
    backends_under_test,
    database_prefix,
    drop_database,
)
from server.testing.places import database_words

from .runner import GraderError

LIST_DATABASES = {True: "SHOW DATABASES", False: "SELECT datname FROM pg_database"}
# Statements of other sessions still running that name a prefix (the kit's CREATE DATABASE).
STILL_RUNNING = {
    True: "SELECT count(*) FROM information_schema.PROCESSLIST "
          "WHERE INFO LIKE :pattern AND ID <> CONNECTION_ID()",
    False: "SELECT count(*) FROM pg_stat_activity "
           "WHERE state <> 'idle' AND query LIKE :pattern AND pid <> pg_backend_pid()",
}
SERVER_PATIENCE = 30  # seconds to wait for a killed run's statements to end on a server


def servers():
    """The servers TEST_DATABASE_URLS lists (the kit's own reading of it)."""
    return backends_under_test()[1:]


def new_batch():
    """The start of every database name prefix in one grade-class run: GRADING_DATABASE_PREFIX
    (`lesson_` when unset) and a random part."""
    return f"{database_prefix()}{uuid.uuid4().hex[:6]}"


def new_prefix(batch):
    """A database name prefix no other copy, and no other run of the kit, uses."""
    return f"{batch}{uuid.uuid4().hex[:6]}_"


def database_names(backend):
    engine = admin_engine(backend)
    try:
        with engine.connect() as connection:
            return [row[0] for row in connection.execute(text(LIST_DATABASES[backend.is_mysql]))]
    finally:
        engine.dispose()


def check_servers():
    """Every listed server answers; otherwise the grader cannot run (GraderError)."""
    for backend in servers():
        try:
            database_names(backend)
        except SQLAlchemyError as error:
            raise GraderError(f"TEST_DATABASE_URLS lists {backend.name}, which cannot be "
                              f"reached: {database_words(error)}") from None


def drop_databases(prefix):
    """Drop every database whose name starts with `prefix`, on every listed server."""
    for backend in servers():
        engine = admin_engine(backend)
        try:
            with engine.connect() as connection:
                wait_for_statements(connection, backend, prefix)
                for (name,) in connection.execute(text(LIST_DATABASES[backend.is_mysql])):
                    if name.startswith(prefix):
                        drop_database(connection, backend, name)
        except SQLAlchemyError as error:
            raise GraderError(f"the databases {prefix}* on {backend.name} could not be "
                              f"dropped: {database_words(error)}") from None
        finally:
            engine.dispose()


def wait_for_statements(connection, backend, prefix):
    query = text(STILL_RUNNING[backend.is_mysql])
    deadline = time.monotonic() + SERVER_PATIENCE
    while (connection.execute(query, {"pattern": f"%{prefix}%"}).scalar()
           and time.monotonic() < deadline):
        time.sleep(0.1)
