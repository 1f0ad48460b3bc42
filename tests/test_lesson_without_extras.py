"""Without server/extras, the lesson runs as stock Flask-Migrate: its four migrations up and down.

app.py imports extras/ only if it is there, and migrations/env.py imports
nothing of it. A copy of server/ without the folder runs `flask db upgrade`
and `flask db downgrade` one step at a time, through flask's own CLI, in a
process of its own (forked_flask.py), where `extras` cannot be imported from
this repository.
"""
import json
import shutil

from helpers.flask_process import flask_env
from helpers.forked_flask import forks
from helpers.live_database import this_repository_schema
from helpers.server_copies import copy_server

# flask's own command line, run once per command in one process (each run loads the app
# afresh, as `flask` does), with the tables after each: {"exit": code, "schema": ...}.
RUN_COMMANDS = """
import json, sys
from flask.cli import cli
from sqlalchemy import create_engine, inspect

url = sys.argv[1]
for args in json.loads(sys.argv[2]):
    try:
        cli.main(args, prog_name="flask")
    except SystemExit as stopped:
        code = stopped.code
    engine = create_engine(url)
    inspector = inspect(engine)
    schema = {name: {c["name"]: bool(c["nullable"]) for c in inspector.get_columns(name)}
              for name in inspector.get_table_names() if name != "alembic_version"}
    engine.dispose()
    print(json.dumps({"args": args, "exit": code, "schema": schema,
                      "extras": "extras" in sys.modules}))
"""


def test_the_four_migrations_run_up_and_down_without_extras(tmp_path, steps):
    server = tmp_path / "server"
    copy_server(server)
    shutil.rmtree(server / "extras")
    url = f"sqlite:///{tmp_path / 'lesson.db'}"
    revisions = [step.revision for step in steps]
    commands = ([["db", "upgrade", revision] for revision in revisions]
                + [["db", "downgrade", revision] for revision in reversed(revisions[:-1])]
                + [["db", "downgrade", "base"], ["seed"]])

    done = forks().run(url, json.dumps(commands), code=RUN_COMMANDS, cwd=server,
                       env=flask_env(url), timeout=120)

    assert done.returncode == 0, done.stderr
    runs = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [run["args"] for run in runs] == commands, done.stdout + done.stderr
    expected = ([this_repository_schema(n) for n in range(1, 5)]
                + [this_repository_schema(n) for n in (3, 2, 1)] + [{}])
    for run, schema in zip(runs[:-1], expected, strict=True):
        assert run["exit"] == 0, (run["args"], done.stderr)
        shown = {table: {name: column.nullable for name, column in columns.items()}
                 for table, columns in schema.items()}
        assert run["schema"] == shown, run["args"]
        assert run["extras"] is False, "nothing of extras/ may be imported"
    # `flask seed` is one of extras' commands: without the folder there is none.
    assert runs[-1]["exit"] == 2 and "No such command 'seed'" in done.stderr
