"""The `flask` side of everything beyond the lesson: the only place that imports click.

    seed.py       `flask seed`, and `flask start` (upgrade, seed, serve)
    lesson.py     `flask lesson start` and `flask lesson restore`
    terminal.py   what the safety nets say and ask on the terminal
    boundary.py   the one error boundary: every failure below is one `Error:` line

Everything below raises Alembic's CommandError (or a subclass) with the
line to print; boundary.py turns it into click's one-line error here, and
Flask-Migrate's own commands print it the same way.
"""
