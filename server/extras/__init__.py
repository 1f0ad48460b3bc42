"""Everything in server/ beyond the lesson. While you learn, skip this folder.

The lesson is app.py, models.py and migrations/. This package adds what a
real project wants around them, and the lesson runs the same without it:
delete the folder, and app.py and migrations/env.py run as stock Flask-Migrate.

    core/           the bottom layer: settings, URLs, messages, the history, database facts
    safety_nets/    migrations that cannot half-apply, one at a time, failing in one line
    renames/        `flask db migrate` asks about renames and NOT NULL values, warns of data loss
    drift/          `flask db migrate`, `check` and the page notice a database changed by hand
    schema_page/    the page at / that shows where the database stands, live
    lesson_tools/   the lesson's rows at any step, its work set aside and back
    commands/       `flask seed`, `flask start`, `flask lesson`: the only users of click

app.py calls three functions here: install_error_boundary() before it
imports models.py, configure() before the extensions are made, init_app()
after. migrations/env.py finds the safety nets in
app.extensions["migration_safety_nets"] and imports nothing from here.
"""
from extras.commands import boundary, lesson, seed, terminal
from extras.core.database import current_revision
from extras.core.history import kept_history
from extras.core.settings import check_settings
from extras.core.urls import check_usable, with_driver
from extras.safety_nets import command_checks, connect_timeout
from extras.safety_nets.guarded_runs import command_changes_database, guarded_connection
from extras.safety_nets.newer_database import explain_newer_database
from extras.schema_page import drift_section, page

SAFETY_NETS = "migration_safety_nets"  # the app.extensions key env.py looks for
DRIFT_CHECKED = ("migrate", "check")  # the commands that look for drift (extras/drift)


def install_error_boundary():
    """A mistake in models.py or app.py, or a bad setting, stops `flask` with one line."""
    boundary.install()


def configure(app):
    """Check every setting and the database URL, before Flask-SQLAlchemy makes the engine.

    A driverless URL (postgresql://, mysql://) gets this project's driver.
    Raises a CommandError with one line for anything the app cannot use.
    """
    check_settings(app)
    url = with_driver(app.config["SQLALCHEMY_DATABASE_URI"])
    check_usable(url)
    app.config["SQLALCHEMY_DATABASE_URI"] = url


def init_app(app):
    """Add the safety nets, `flask seed`, `flask start`, `flask lesson` and the schema page."""
    connect_timeout.init_app(app)
    command_checks.init_app(app, terminal.running_command, terminal.running_revision)
    app.extensions[SAFETY_NETS] = SafetyNets(app.config)
    seed.init_app(app)
    lesson.init_app(app)
    page.init_app(app, drift_section.page_drift)


class SafetyNets:
    """What migrations/env.py calls when it finds this in app.extensions[SAFETY_NETS]."""

    def __init__(self, config):
        self.config = config

    def guarded_connection(self, context, connectable):
        """(connection, extra configure() arguments) for one run: locked, all or nothing."""
        return guarded_connection(connectable, self.config["MIGRATION_LOCK_TIMEOUT"],
                                  command_changes_database(context), terminal.say)

    def run_migrations(self, context):
        """context.run_migrations(), naming a database that is newer than the code.

        `migrate` and `check` first look for drift (extras/drift); `upgrade` never does.
        """
        command = terminal.running_command()
        if command in DRIFT_CHECKED:
            # Imported only for these two, as the rename code is.
            from extras.drift.check import check_drift

            connection = context.get_context().connection
            check_drift(connection, kept_history(context.config), current_revision(connection),
                        command, context.get_x_argument(as_dictionary=True), terminal)
        with explain_newer_database(context.get_context(), kept_history(context.config),
                                    context.script.versions):
            context.run_migrations()

    def review_new_script(self, context, migration_context, script):
        """`flask db migrate`'s new script: renames asked about, every drop marked."""
        # Only `flask db migrate` needs it (and Alembic's autogenerate renderers with it).
        from extras.renames.review import review_new_script

        review_new_script(migration_context, script,
                          context.get_x_argument(as_dictionary=True), terminal)
