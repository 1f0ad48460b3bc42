"""Each copy's databases on the servers in TEST_DATABASE_URLS: named by the copy, dropped by us.

The kit drops the databases it makes, but a run that is ended at its time
limit, or that crashes, cannot. So every run names its databases with a
prefix of its own (GRADING_DATABASE_PREFIX, see testing/backends.py), and
after the run has ended, whatever its end, the grader drops every database
with that prefix. SQLite files live in the copy's private folder and go
with it.
"""
import uuid

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from testing.backends import admin_engine, backends_under_test, drop_database
from testing.places import database_words

from .runner import GraderError

LIST_DATABASES = {True: "SHOW DATABASES", False: "SELECT datname FROM pg_database"}


def servers():
    """The servers TEST_DATABASE_URLS lists (the kit's own reading of it)."""
    return backends_under_test()[1:]


def new_prefix():
    """A database name prefix no other copy, and no other run of the kit, uses."""
    return f"lesson_{uuid.uuid4().hex[:8]}_"


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
        try:
            left = [name for name in database_names(backend) if name.startswith(prefix)]
            if left:
                engine = admin_engine(backend)
                try:
                    with engine.connect() as connection:
                        for name in left:
                            drop_database(connection, backend, name)
                finally:
                    engine.dispose()
        except SQLAlchemyError as error:
            raise GraderError(f"the databases {prefix}* on {backend.name} could not be "
                              f"dropped: {database_words(error)}") from None
