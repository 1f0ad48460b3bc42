"""Helpers shared by the project's own tests (tests/) and its benchmark (benchmarks/).

    paths.py             where the repository's folders and the lesson's step models are
    flask_process.py     the real `flask`, run the way a learner runs it
    forked_flask.py      those processes, forked from one that has imported the libraries
    flask_fork_server.py   the process they are forked from (a script, not imported)
    flask_batches.py     several `flask` commands in one such process
    cli_runner.py        Flask's in-process CLI runner, logging as a new process has it
    databases.py         each test's database: pooled when empty, copied when migrated
    lesson_copies.py     the lesson's files copied for a test, and create_app settings for them
    live_database.py     a test's handle on its database: migrate it, look inside
    live_server.py       a real `flask run` or `flask start` on a free port
    migration_copies.py  copies of migrations/ with an extra script written into them
    server_copies.py     copies of server/ for running `flask db migrate` in
    code_along.py        a learner's clone, its `flask` run step by step
    held_locks.py        hold the locks a running migration holds, from the test
    learner_copies.py, grading_*.py   learners' copies graded by the kit, and its outputs read

paths.py and flask_process.py are plain Python, so the benchmark uses them
too; the others are for the tests alone. The grading kit (server/testing/)
uses none of them.
"""
