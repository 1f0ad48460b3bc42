"""Tools for following the lesson: its rows added at any step, its work set aside and back.

    seeding.py      `flask seed`: the rows that fit the database's step, once
    sample_rows.py  the lesson's rows, as each step's tables hold them
    backups.py      `flask lesson start` and `restore`: the finished work set aside, and back

The `flask` commands themselves are in extras/commands/.
"""
