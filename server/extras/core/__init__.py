"""The bottom layer: small facts and helpers that every feature above uses, each written once.

    settings.py   every FLASK_* setting: its default, its range, its one-line message
    urls.py       database URLs: this project's drivers, SQLite files, passwords hidden
    messages.py   an error in one line, and the place in the learner's files it comes from
    history.py    the migration history, read once per command, and what is wrong with it
    database.py   what a live database holds, and how each kind says it gave up
    sqlite.py     SQLite made to behave for migrations: its own transactions, Ctrl-C
    migration_lock.py  the migration lock's names, and whether someone holds it

Nothing here imports click or another part of extras. The grading kit
(testing/) stays self-contained; where both need the same helper, this
layer imports the kit's (error places, driver names, the file scanner), so
there is one of each, or a test pins the two (the version table, a type's
name: tests/test_architecture.py).
"""
