"""The page at / and its JSON at /api/schema: where the database stands, live.

A learner runs `flask db upgrade` or `downgrade` in one terminal and reloads
this page to see what changed, on SQLite, PostgreSQL or MariaDB alike. It
only reads: nothing from the request reaches SQL. docs/safety-nets.md ("The
schema page") says all this for users.

    page.py             the blueprint: its two views, and every reason for a 503
    state.py            what the page shows, read from the live database
    differences.py      how the models differ from the database, in words
    page_connection.py  a connection of its own per request, quick to give up on a lock
    protection.py       only the hosts it serves; safety headers on every response
"""
