"""Tools for following the lesson: its rows added at any step, its work set aside and back.

    seeding.py      `flask seed`: the rows that fit the database's step, once
    sample_rows.py  the lesson's rows, as each step's tables hold them
    backups.py      `flask lesson start` and `restore`: the files set aside, and back
    file_lock.py    one `flask lesson` command at a time, with a lock the system frees

The `flask` commands themselves are in extras/commands/.
"""
