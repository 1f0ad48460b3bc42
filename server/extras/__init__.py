"""Everything in server/ beyond the lesson. While you learn, skip this folder.

The lesson is app.py, models.py and migrations/. This package adds what a
real project wants around them; the lesson works the same without it.

    database_url.py       which database: DATABASE_URL, or a SQLite file in instance/
    connect_timeout.py    connecting to a server gives up after 10 s instead of hanging
    command_checks.py     before each command: a URL that keeps its work, a sound history
    histories.py          a broken history or alembic_version, in one line
    commands.py           `flask seed` and `flask start`
    seeding.py            `flask seed`: the rows that fit the database's step, once
    sample_rows.py        the lesson's rows, as each step's tables hold them
    schema_page/          the page at / that shows where the database stands
    database_state.py     what the live database holds, for that page
    schema_differences.py how the models differ from the database, in words

and the safety nets that migrations/env.py plugs into every `flask db` run:

    guarded_runs.py       puts the four below around each run
    locks.py              one migration run at a time per database
    sqlite_transactions.py  all or nothing on SQLite, as on PostgreSQL
    one_line_errors.py    one line instead of a traceback, never a password
    newer_database.py     a database stamped by code you do not have
    renames/              `flask db migrate` asks about renames and warns before drops

Importing this package also makes a mistake in models.py or app.py one
line (lesson_file_errors.py). app.py calls init_app() below; nothing else
in the lesson's files knows about this package except migrations/env.py,
whose docstring lists how.
"""

from extras import lesson_file_errors

# Imported by app.py, before it imports models.py: a mistake there is then one line.
lesson_file_errors.install()


def init_app(app):
    """Add the connect timeout, `flask seed`, `flask start` and the schema page to `app`."""
    from extras import command_checks, commands, connect_timeout, schema_page

    connect_timeout.init_app(app)
    command_checks.init_app(app)
    commands.init_app(app)
    schema_page.init_app(app)
