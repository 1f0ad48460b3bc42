"""The page's drift warning: the database against what its own migrations built (extras/drift).

A section of its own, apart from "the models and the database disagree":
that one is about models.py, this one about hand changes to the database.
schema.html includes templates/schema_page/drift.html, which calls
page_drift(), a template global registered by init_app().
"""
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from extras.core.database import current_revision
from extras.core.history import kept_history
from extras.schema_page.page_connection import page_connection


@dataclass
class PageDrift:
    differences: list = field(default_factory=list)  # one line each
    not_checked: str | None = None  # why there is no answer, in one line


def init_app(app):
    app.add_template_global(page_drift)


def page_drift():
    """The drift of the app's database, read on a page connection of its own."""
    # Imported here, as `flask db migrate` imports it: no other command pays for Alembic's
    # comparison code at start-up.
    from extras.drift.compare import find_drift, history_up_to
    from extras.drift.shadow import ShadowUnavailable

    migrate = current_app.extensions["migrate"]
    history = kept_history(migrate.migrate.get_config())
    try:
        with page_connection(migrate.db.engine,
                             current_app.config["SCHEMA_PAGE_LOCK_WAIT"]) as connection:
            scripts = history_up_to(history.chain, current_revision(connection))
            if scripts is None:
                return PageDrift()
            return PageDrift([str(difference) for difference in find_drift(connection, scripts)])
    except ShadowUnavailable as error:
        return PageDrift(not_checked=f"no shadow database could be made ({error})")
    except SQLAlchemyError as error:  # the rest of the page says what is wrong with the database
        return PageDrift(not_checked=str(getattr(error, "orig", None) or error).splitlines()[0])
