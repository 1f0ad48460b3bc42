"""Flask-Migrate 4.1's env.py, as `flask db init` writes it, with this project's safety nets.

The numbered comments below mark every difference from the stock file:

1. fileConfig() keeps the loggers that were set up before it (pytest's).
2. get_engine() asks Flask-SQLAlchemy 3 for `db.engine`. The stock file
   tries `db.get_engine()` first, which Flask-SQLAlchemy 3.1 deprecates:
   a warning on every command.
3. The safety nets are whatever the app put in
   app.extensions["migration_safety_nets"] (server/extras does, in its
   init_app). Without them, everything below runs as the stock file does:
   this file imports nothing of this project's.
4. The hook for `flask db migrate` also hands the new script to the safety
   nets, which ask about likely renames and mark every drop that deletes
   data. The hook's stock job, skipping an empty script, is unchanged.
5. configure_args is copied, not changed in place: the stock file stores
   its first hook in the app for good, so a second run in the same process
   (the tests make many) would get the first run's.
6. A connection handed in through config.attributes["connection"] is used
   instead of a new one: that is how pytest-alembic runs the migrations.
7. The online run's connection comes from the safety nets: the commands
   that change the database take a migration lock and are all or nothing
   on SQLite, and database errors and mistakes in scripts end in one line.
8. The migrations run through the safety nets, which name a database that
   is newer than the code, or whose alembic_version holds several rows.
"""
import logging
from contextlib import contextmanager
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy.engine import Connection

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
fileConfig(config.config_file_name, disable_existing_loggers=False)  # (1)
logger = logging.getLogger('alembic.env')


def get_engine():
    return current_app.extensions['migrate'].db.engine  # (2)


def get_engine_url():
    return get_engine().url.render_as_string(hide_password=False).replace('%', '%%')


config.set_main_option('sqlalchemy.url', get_engine_url())
target_db = current_app.extensions['migrate'].db
safety_nets = current_app.extensions.get('migration_safety_nets')  # (3)


def get_metadata():
    if hasattr(target_db, 'metadatas'):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Run migrations in 'offline' mode: print the SQL (`flask db upgrade --sql`)."""
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url, target_metadata=get_metadata(), literal_binds=True
    )

    with context.begin_transaction():
        context.run_migrations()


@contextmanager
def connected(connectable):
    """Yield the run's connection, and what else context.configure() is to be given."""
    if safety_nets is not None:
        with safety_nets.guarded_connection(context, connectable) as guarded:  # (7)
            yield guarded
    elif isinstance(connectable, Connection):
        yield connectable, {}
    else:
        with connectable.connect() as connection:
            yield connection, {}


def run_migrations_online():
    """Run migrations in 'online' mode, on a connection to the database."""

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(migration_context, revision, directives):
        if getattr(config.cmd_opts, 'autogenerate', False):
            script = directives[0]
            if safety_nets is not None:
                safety_nets.review_new_script(context, migration_context, script)  # (4)
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info('No changes in schema detected.')

    conf_args = dict(current_app.extensions['migrate'].configure_args)  # (5)
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = config.attributes.get("connection") or get_engine()  # (6)

    with connected(connectable) as (connection, guard_args):
        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            **guard_args,
            **conf_args
        )

        with context.begin_transaction():
            if safety_nets is not None:
                safety_nets.run_migrations(context)  # (8)
            else:
                context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
