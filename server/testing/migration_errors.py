"""Why a learner's migration failed, in one line a learner can act on.

The line gives the database's own words ("no such table: departments"),
the script and line that ran the statement, and, for mistakes that only
one kind of database refuses, what to write instead.
"""
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from .places import database_words, error_place, error_text

# (words in the error, what to do): mistakes that only some databases refuse.
ENGINE_HINTS = [
    ("VARCHAR requires a length",
     "MySQL and MariaDB need a length: write String(255) in models.py and in the migration"),
    ("require the existing type",
     "MySQL and MariaDB rename a column with CHANGE COLUMN, which restates its type: give "
     "op.alter_column existing_type=sa.String(255) and existing_nullable=True"),
    ("No support for ALTER of constraints in SQLite",
     "SQLite cannot change a column's type or NULL rule in place: make the change inside "
     "`with op.batch_alter_table('<table>') as batch_op:`"),
]


def causes(error):
    """`error` and the errors it was raised from, outermost first, down to the database's.

    This repository's env.py turns a failure into a one-line CommandError
    raised from the original; a stock env.py lets the original through.
    SQLAlchemy's own error is the last one taken: it holds the driver's.
    """
    chain = [error]
    while (not isinstance(chain[-1], DBAPIError) and chain[-1].__cause__ is not None
           and chain[-1].__cause__ not in chain):
        chain.append(chain[-1].__cause__)
    return chain


def engine_hint(errors):
    """What to write instead, if any of `errors` is a mistake only some databases refuse."""
    for words, hint in ENGINE_HINTS:
        if any(words in str(error) for error in errors):
            return hint
    return None


def failure_reason(error, server_dir):
    """One line: what the database (or Python) said, where, and any hint."""
    chain = causes(error)
    root = chain[-1]
    reason = engine_hint(chain)
    if reason is None:
        reason = database_words(root) if isinstance(root, SQLAlchemyError) else error_text(root)
    place = next(filter(None, (error_place(link, server_dir) for link in reversed(chain))), None)
    return f"{reason} ({place})" if place else reason
