"""Flask-Migrate 4.1's env.py, as `flask db init` writes it, with this project's safety nets.

The numbered comments below mark every difference from the stock file:

1. fileConfig() keeps the loggers that were set up before it (pytest's).
2. get_engine() asks Flask-SQLAlchemy 3 for `db.engine`. The stock file
   tries `db.get_engine()` first, which Flask-SQLAlchemy 3.1 deprecates:
   a warning on every command.
3. The hook for `flask db migrate` also hands the new script to
   extras.renames, which asks about likely renames and marks every drop
   that deletes data; it is imported only when migrate runs. The hook's
   stock job, skipping an empty script, is unchanged.
4. configure_args is copied, not changed in place: the stock file stores
   its first hook in the app for good, so a second run in the same process
   (the tests make many) would get the first run's.
5. A connection handed in through config.attributes["connection"] is used
   instead of a new one: that is how pytest-alembic runs the migrations.
6. The online run goes through extras.guarded_runs: the commands that
   change the database take a migration lock (waiting at most the app's
   MIGRATION_LOCK_TIMEOUT, 60 s if it has none) and are all or nothing on
   SQLite; database errors and mistakes in scripts end in one line; and
   extras.newer_database names a database that is newer than the code, or
   whose alembic_version holds several rows.

Nothing else of this project's is needed: it works for any app with
`Migrate(app, db)`, as the grading kit builds one.
"""
import logging
import sys
from logging.config import fileConfig

from alembic import context
from flask import current_app

from extras.guarded_runs import command_changes_database, guarded_connection
from extras.locks import lock_timeout_seconds
from extras.newer_database import explain_newer_database

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


def run_migrations_online():
    """Run migrations in 'online' mode, on a connection to the database."""

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(migration_context, revision, directives):
        if getattr(config.cmd_opts, 'autogenerate', False):
            script = directives[0]
            from extras.renames import review_new_script  # (3)

            review_new_script(
                migration_context, script,
                x_arguments=context.get_x_argument(as_dictionary=True),
                terminal_attached=sys.stdin is not None and sys.stdin.isatty(),
            )
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info('No changes in schema detected.')

    conf_args = dict(current_app.extensions['migrate'].configure_args)  # (4)
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = config.attributes.get("connection") or get_engine()  # (5)

    guard = guarded_connection(  # (6)
        connectable,
        lock_timeout=lock_timeout_seconds(current_app.config),
        changes_database=command_changes_database(context),
    )
    with guard as (connection, guard_args):
        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            **guard_args,
            **conf_args
        )

        with context.begin_transaction():
            with explain_newer_database(context.get_context(), context.script):
                context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
