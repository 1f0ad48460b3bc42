"""What every `flask db` command, `flask seed` and the page check before they start.

Registered as a Flask-Migrate configure callback, which runs whenever the
app's Alembic config is made: the database URL can keep the command's work,
and the scripts in versions/ form one line (core/history.py). Both end in
one `Error:` line. The history read here is kept on that config, so the
command, the page and env.py all walk this one.
"""
from alembic.script import ScriptDirectory

from extras.core.history import SEVERAL_HEADS_ALLOWED, keep_history, read_history
from extras.core.urls import DatabaseURLError, in_memory_sqlite, masked_url

# Commands whose work is lost with an in-memory database. Those that only
# read (current, history, heads, show, check) and the page may use one.
# `migrate` would compare the models with an empty database that then vanishes.
LOST_IN_MEMORY = ("upgrade", "downgrade", "stamp", "migrate", "seed", "start")


def init_app(app, running_command):
    """Check before every use of the app's Alembic config.

    `running_command()` names the `flask` command being run ("upgrade",
    "seed"), or None outside one (the page).
    """
    state = app.extensions["migrate"]

    @state.migrate.configure
    def check_before_running(config):
        command = running_command()
        if command == "init":  # it makes the folder; there is no history yet
            return config
        refuse_lost_work(state.db.engine.url, command)
        history = read_history(ScriptDirectory.from_config(config))
        history.check(several_heads_allowed=command in SEVERAL_HEADS_ALLOWED)
        keep_history(config, history)
        return config


def refuse_lost_work(url, command):
    """Refuse `command` (its name, as `flask` was given it) when its work would vanish with it."""
    if command in LOST_IN_MEMORY and in_memory_sqlite(url):
        raise DatabaseURLError(
            f"DATABASE_URL={masked_url(url)} is a SQLite database in memory, which vanishes "
            f"when `{command}` ends, and its work with it: give a file, as in "
            "sqlite:///instance/app.db.")
