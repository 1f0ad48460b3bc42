"""What every `flask db` command, `flask seed` and the page check before they start.

Registered as a Flask-Migrate configure callback, which runs whenever the
app's Alembic config is made: the database URL can keep the command's work,
and the scripts in versions/ form one line (core/history.py). Both end in
one `Error:` line. The history read here is kept on that config, so the
command, the page and env.py all walk this one.
"""
from alembic.script import ScriptDirectory
from alembic.script.revision import ResolutionError
from alembic.util import CommandError

from extras.core.history import SEVERAL_HEADS_ALLOWED, keep_history, read_history
from extras.core.urls import DatabaseURLError, in_memory_sqlite, masked_url

# Commands whose work is lost with an in-memory database. Those that only
# read (current, history, heads, show, check) and the page may use one.
# `migrate` would compare the models with an empty database that then vanishes.
LOST_IN_MEMORY = ("upgrade", "downgrade", "stamp", "migrate", "seed", "start")


def init_app(app, running_command, running_revision):
    """Check before every use of the app's Alembic config.

    `running_command()` names the `flask` command being run ("upgrade",
    "seed"), or None outside one (the page); `running_revision()` is its
    revision argument, if it has one.
    """
    state = app.extensions["migrate"]

    @state.migrate.configure
    def check_before_running(config):
        command = running_command()
        if command == "init":  # it makes the folder; there is no history yet
            return config
        refuse_lost_work(state.db.engine.url, command)
        script = ScriptDirectory.from_config(config)
        history = read_history(script)
        history.check(several_heads_allowed=command in SEVERAL_HEADS_ALLOWED)
        refuse_unknown_revision(script, command, running_revision())
        keep_history(config, history)
        return config


def refuse_lost_work(url, command):
    """Refuse `command` (its name, as `flask` was given it) when its work would vanish with it."""
    if command in LOST_IN_MEMORY and in_memory_sqlite(url):
        raise DatabaseURLError(
            f"DATABASE_URL={masked_url(url)} is a SQLite database in memory, which vanishes "
            f"when `{command}` ends, and its work with it: give a file, as in "
            "sqlite:///instance/app.db.")


def refuse_unknown_revision(script, command, revision):
    """Refuse a revision argument that Alembic would meet with a bare AssertionError.

    `flask db upgrade ''`, `upgrade head+999` and `show ''` fail deep in
    Alembic's revision map, with no words. The same resolution is tried here
    first, before the database is touched; anything Alembic words itself
    (an unknown id, `+3` past the end) is left for it to say.
    """
    if not isinstance(revision, str):
        return
    if not revision.strip():
        raise CommandError(f"`flask db {command} ''` names no revision: give one, such as head, "
                           "or leave it out.")
    if ":" in revision:  # --sql's start:end
        start, _, end = revision.partition(":")
        if not start.strip() or not end.strip():
            raise CommandError(f"`flask db {command} --sql {revision}` needs a revision on "
                               "both sides of the colon, as in 51f20aa4768b:head.")
        for part in (start, end):
            refuse_unknown_revision(script, command, part)
        return
    try:
        script.revision_map.get_revisions(revision)
    except ResolutionError:  # a relative one, head+2 or base+1: walk it from its end
        try:
            list(script.iterate_revisions(revision, "base"))
        except AssertionError:
            raise CommandError(
                f"there is no revision {revision!r}: it goes past the first or the last "
                "migration (`flask db history` lists them).") from None
        except Exception:  # Alembic's own one-line errors, said when the command runs
            pass
    except AssertionError:
        raise CommandError(f"there is no revision {revision!r} (`flask db history` lists "
                           "them).") from None
