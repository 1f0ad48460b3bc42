"""Several `flask` commands in one process of their own, through flask's own command line.

A test that needs a process of its own (a copy's own models.py) but not one
per command runs them here in turn, in one process forked as forked_flask.py
forks `flask`: each through flask.cli's `cli`,
the group the `flask` executable runs, which loads .flaskenv and makes the
app afresh every time, just as `flask` does. "page" in place of a command
loads / and reads /api/schema through the app's test client (its exit code
is the status of /).
"""
import json
from dataclasses import dataclass

from helpers.flask_process import flask_env
from helpers.forked_flask import forks

MARK = "\x1e--- next command ---"
RUNNER = f"""
import json, sys
from flask.cli import cli

for args in json.loads(sys.argv[1]):
    print({MARK!r}, flush=True)
    print({MARK!r}, file=sys.stderr, flush=True)
    page = None
    if args == "page":
        from app import create_app
        client = create_app().test_client()
        code = client.get("/").status_code
        page = client.get("/api/schema").get_json()
    else:
        try:
            cli.main(args, prog_name="flask")
        except SystemExit as stopped:
            code = stopped.code if isinstance(stopped.code, int) else (stopped.code and 1)
    print(json.dumps({{"exit": code, "page": page}}), flush=True)
"""
TIMEOUT = 120  # seconds for the whole batch; a hang fails the test instead of the suite


@dataclass
class Finished:
    """What one command of a batch did."""

    args: list
    exit_code: int  # for "page", the HTTP status
    stdout: str
    stderr: str
    page: dict | None = None

    @property
    def output(self):
        return self.stdout + self.stderr


def run_batch(commands, cwd, database_url=None):
    """Run `commands` (each a list of `flask` arguments, or "page") in `cwd`, in one process."""
    done = forks().run(json.dumps(commands), code=RUNNER, cwd=cwd, env=flask_env(database_url),
                       timeout=TIMEOUT)
    stdouts = done.stdout.split(MARK + "\n")[1:]
    stderrs = done.stderr.split(MARK + "\n")[1:]
    assert done.returncode == 0 and len(stdouts) == len(commands), (
        f"the batch of {commands} stopped:\n{done.stdout}{done.stderr}")
    finished = []
    for args, stdout, stderr in zip(commands, stdouts, stderrs, strict=True):
        *printed, outcome = stdout.rstrip("\n").split("\n")
        result = json.loads(outcome)
        finished.append(Finished(args, result["exit"], "\n".join(printed), stderr,
                                 result["page"]))
    return finished
