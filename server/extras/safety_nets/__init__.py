"""The safety nets around every `flask db` command: migrations that cannot half-apply.

migrations/env.py imports nothing from here. extras.init_app() puts a
SafetyNets object in app.extensions["migration_safety_nets"], and env.py
uses it when it is there; without extras/ env.py runs as stock Flask-Migrate.

    command_checks.py   before each command: a URL that keeps its work, a sound history
    guarded_runs.py     what each run is wrapped in: the lock, the transaction, one line
    locks.py            one migration run at a time per database
    lock_holders.py     who holds that lock, for the line that says so
    failures.py         a failed run in one line: what went wrong, what state it left
    newer_database.py   a database stamped by code you do not have
    connect_timeout.py  connecting to a server gives up after 10 s instead of hanging
"""
