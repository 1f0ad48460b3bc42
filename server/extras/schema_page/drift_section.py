"""The page's drift warning: the database against what its own migrations built (extras/drift).

A section of its own, apart from "the models and the database disagree":
that one is about models.py, this one about hand changes to the database.
page.py asks for it after its consistent read, and only for a database
that is there and has a revision: the check never creates a database.
"""
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from extras.core.database import current_revision
from extras.core.history import kept_history
from extras.core.migration_lock import migration_lock_held
from extras.schema_page.page_connection import page_connection

MIGRATION_RUNNING = "a migration is running; reload in a moment"


@dataclass
class PageDrift:
    differences: list = field(default_factory=list)  # one line each
    not_checked: str | None = None  # why there is no answer, in one line


def page_drift(state):
    """The drift of the app's database at the revision `state` read, on a connection of its own.

    A migration that runs meanwhile would look like drift, so one that holds
    the lock, or moves the revision during the check, gives no answer.
    """
    if not state.database_exists or state.revision is None:
        return PageDrift()
    # Imported here, as `flask db migrate` imports it: no other command pays for Alembic's
    # comparison code at start-up.
    from extras.drift.compare import find_drift, history_up_to
    from extras.drift.shadow import ShadowUnavailable

    migrate = current_app.extensions["migrate"]
    history = kept_history(migrate.migrate.get_config())
    try:
        with page_connection(migrate.db.engine,
                             current_app.config["SCHEMA_PAGE_LOCK_WAIT"]) as connection:
            if migration_lock_held(connection):
                return PageDrift(not_checked=MIGRATION_RUNNING)
            revision = current_revision(connection)
            scripts = history_up_to(history.chain, revision)
            if scripts is None:
                return PageDrift()
            found = [str(difference) for difference in find_drift(connection, scripts)]
            if found and (migration_lock_held(connection)
                          or current_revision(connection) != revision):
                return PageDrift(not_checked=MIGRATION_RUNNING)
            return PageDrift(found)
    except ShadowUnavailable as error:
        return PageDrift(not_checked=f"no shadow database could be made ({error})")
    except SQLAlchemyError as error:  # the rest of the page says what is wrong with the database
        return PageDrift(not_checked=str(getattr(error, "orig", None) or error).splitlines()[0])
