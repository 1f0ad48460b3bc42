"""Helpers shared by the project's own tests (tests/) and its benchmark (benchmarks/).

    paths.py           where the repository's folders and the lesson's step models are
    flask_process.py   the real `flask` executable, run the way a learner runs it
    live_database.py   a test's handle on its database: migrate it, look inside
    migration_copies.py  copies of migrations/ with an extra script written into them
    server_copies.py   copies of server/ for running `flask db migrate` in
    held_locks.py      hold the locks a running migration holds, from the test

paths.py and flask_process.py are plain Python, so the benchmark uses them
too; the others fail a test with pytest.fail and are for the tests alone.
The grading kit (server/testing/) uses none of them.
"""
