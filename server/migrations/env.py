"""How Alembic reaches the app's database: Flask-Migrate's env.py, updated.

Differences from the stock file, each on purpose:
- it asks Flask-SQLAlchemy 3 for `db.engine` instead of the deprecated
  `get_engine()`;
- it uses a connection handed in through `config.attributes["connection"]`
  when there is one, which is how pytest-alembic runs the migrations on a
  test database;
- it keeps loggers that were set up before it (pytest's, for one);
- every online run goes through `migration_guard`: one run at a time per
  database, all or nothing on SQLite and PostgreSQL, and one-line errors;
- `flask db migrate` asks about likely renames and marks every drop that
  deletes data (`rename_detection`).
"""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from migration_guard import database_ahead_of_code, guarded_run, lock_timeout_seconds

config = context.config

if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def run_migrations_offline():
    """Print the SQL instead of running it (`flask db upgrade --sql`)."""
    url = target_db.engine.url.render_as_string(hide_password=False)
    context.configure(url=url, target_metadata=target_db.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def is_autogenerate():
    """True inside `flask db migrate`, which only compares and writes a script."""
    return getattr(config.cmd_opts, "autogenerate", False)


def has_destination():
    """True for upgrade, downgrade and stamp, the commands that change the database.

    current, check and migrate only read it, so they take no migration lock.
    """
    try:
        context.get_revision_argument()
    except KeyError:  # no destination was given to this command
        return False
    except Exception:  # one was given but does not resolve: the run will say so
        return True
    return True


def skip_empty_autogenerate(context, revision, directives):
    """Write no script when `flask db migrate` finds no change (stock behaviour)."""
    if is_autogenerate():
        script = directives[0]
        if script.upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")


def review_then_skip_empty(context, revision, directives):
    """`flask db migrate`: ask about renames and mark data loss, then skip an empty script.

    The questions and warnings are this project's addition, not stock
    Flask-Migrate (see rename_detection.py). Imported here, on first use, so
    every other `flask db` command starts as fast as without it.
    """
    if is_autogenerate():
        from rename_detection import review_renames_and_drops

        review_renames_and_drops(context, directives)
    skip_empty_autogenerate(context, revision, directives)


def run_migrations_online():
    """Run the migrations on a live connection."""
    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", review_then_skip_empty)

    connectable = config.attributes.get("connection") or target_db.engine
    lock_timeout = lock_timeout_seconds(current_app.config)
    guard = guarded_run(connectable, lock_timeout, changes_schema=has_destination())
    with guard as (connection, transaction_args):
        context.configure(
            connection=connection,
            target_metadata=target_db.metadata,
            **transaction_args,
            **conf_args,
        )
        with context.begin_transaction():
            with database_ahead_of_code(context.get_context(), context.script):
                context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
