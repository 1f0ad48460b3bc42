"""What every `flask db` command, `flask seed` and the page check before they start.

Registered as a Flask-Migrate configure callback, which runs whenever the
app's Alembic config is made: the database URL can keep the command's work
(database_url.py), and the scripts in versions/ form one line (histories.py).
Both end in one `Error:` line.
"""
import click
from alembic.script import ScriptDirectory

from extras.database_url import refuse_lost_work
from extras.histories import SEVERAL_HEADS_ALLOWED, check_history


def running_command():
    """The name `flask` was given for the running command ("upgrade", "seed"), or None."""
    context = click.get_current_context(silent=True)
    return context.info_name if context is not None else None


def init_app(app):
    state = app.extensions["migrate"]

    @state.migrate.configure
    def check_before_running(config):
        command = running_command()
        if command == "init":  # it makes the folder; there is no history yet
            return config
        refuse_lost_work(state.db.engine.url, command)
        check_history(ScriptDirectory.from_config(config),
                      several_heads_allowed=command in SEVERAL_HEADS_ALLOWED)
        return config
