"""`python -m benchmarks.page_hammer`: the schema page under load while migrations run.

    python -m benchmarks.page_hammer                    2,000 requests, 20 at a time
    python -m benchmarks.page_hammer --requests 200 --at-once 10

Another process runs `upgrade` to head and `downgrade` to base in a loop,
through the app's own Flask-Migrate (the safety nets and the migration
lock included), while threads of this one ask /api/schema through Flask's
test client. Every answer is sorted:

- 200, **consistent**: its tables and their columns are those the lesson
  has at the revision it names (testing/lesson.py), none when it names none,
  and it says the models differ by every table when it names no revision,
  and by nothing at head;
- 200, **inconsistent**: anything else, e.g. a revision with the tables of
  another step;
- 503 saying a migration is running, the answer the page may give meanwhile;
- 503 for another reason, 500, or anything else: counted, and the first
  of each kind kept, for the report.

It runs on SQLite and every server in TEST_DATABASE_URLS, each in a
database of its own that it drops at the end. tests/test_page_hammer.py
runs a small hammer in the suite; this module imports nothing from tests/.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import click

from benchmarks import BenchError
from benchmarks.databases import bench_database, server_version

REPO_DIR = Path(__file__).resolve().parent.parent
# The migration loop says it is ready, then one line per finished run.
READY, DONE, FAILED = "ready", "done", "failed"
# How long the loop may take to start (importing the app, connecting).
START_SECONDS = 60


@dataclass
class Hammered:
    """What one hammer on one database got back."""

    backend: str
    requests: int
    at_once: int
    answers: Counter = field(default_factory=Counter)  # kind of answer: how many
    examples: dict = field(default_factory=dict)  # kind: the first one's text
    migration_runs: int = 0
    migration_failures: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def bad(self):
        """Answers the page must never give: 500s, inconsistent 200s, other 503s and codes."""
        return sum(n for kind, n in self.answers.items()
                   if kind not in ("200 consistent", "503 migration running"))

    def line(self):
        counts = ", ".join(f"{kind}: {n}" for kind, n in sorted(self.answers.items()))
        return (f"{self.backend}: {self.requests} requests, {self.at_once} at a time, in "
                f"{self.seconds:.1f} s, during {self.migration_runs} migration runs "
                f"({len(self.migration_failures)} failed). {counts}")


def expected_tables(answer):
    """{table: [columns]} the lesson has at the revision `answer` names, or None if unknown."""
    from testing.lesson import SCHEMA_AFTER_STEP

    revision = answer["revision"]
    if revision is None:
        return {}
    ids = [step["id"] for step in answer["history"]]
    if revision["id"] not in ids:
        return None
    step = ids.index(revision["id"]) + 1
    return {table: sorted(columns) for table, columns in SCHEMA_AFTER_STEP[step].items()}


def expected_differences(answer):
    """What the page must say differs from the app's models (the lesson's at head), where that
    is known: every table to add in an empty database, nothing at head."""
    if answer["revision"] is None:
        return ["add table `departments`: in the models but not in the database",
                "add table `employees`: in the models but not in the database"]
    if answer["revision"]["id"] == answer["head"]:
        return []
    return None


def sort_answer(response):
    """The kind of one /api/schema response, and a text to keep as an example."""
    body = response.get_data(as_text=True)
    if response.status_code == 200:
        answer = json.loads(body)
        shown = {t["name"]: sorted(c["name"] for c in t["columns"]) for t in answer["tables"]}
        expected = expected_tables(answer)
        revision = answer["revision"] and answer["revision"]["id"]
        if shown != expected:
            return "200 inconsistent", f"revision {revision}, tables {shown}; expected {expected}"
        differences = expected_differences(answer)
        if differences is not None and answer["differences"] != differences:
            return "200 inconsistent", (f"revision {revision}, differences "
                                        f"{answer['differences']}; expected {differences}")
        return "200 consistent", body
    if response.status_code == 503:
        error = json.loads(body).get("error")
        kind = "503 migration running" if error == "migration running" else f"503 {error}"
        return kind, body
    return str(response.status_code), body[:2000]


def ask_many(app, requests, at_once, hammered):
    """`requests` GETs of /api/schema from `at_once` threads, each answer sorted."""
    from flask import got_request_exception

    left = iter(range(requests))
    lock = threading.Lock()

    def keep_exception(sender, exception, **extra):
        with lock:
            hammered.examples.setdefault("500 exception", repr(exception))

    got_request_exception.connect(keep_exception, app)

    def worker():
        client = app.test_client()
        while True:
            with lock:
                if next(left, None) is None:
                    return
            kind, text = sort_answer(client.get("/api/schema"))
            with lock:
                hammered.answers[kind] += 1
                hammered.examples.setdefault(kind, text)

    threads = [threading.Thread(target=worker) for _ in range(at_once)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    got_request_exception.disconnect(keep_exception, app)


def hammer(url, backend_name, requests, at_once, pause=0.0, lock_wait=None):
    """Hammer the page of an app on `url` (an empty database) while migrations loop.

    `pause`: seconds the loop rests between two runs; `lock_wait`: the page's
    SCHEMA_PAGE_LOCK_WAIT (None: the app's default).
    """
    from app import create_app
    from models import db

    hammered = Hammered(backend_name, requests, at_once)
    settings = {"SQLALCHEMY_DATABASE_URI": url, "PROPAGATE_EXCEPTIONS": False}
    if lock_wait is not None:
        settings["SCHEMA_PAGE_LOCK_WAIT"] = lock_wait
    app = create_app(settings)
    with tempfile.TemporaryFile("w+") as log:
        loop = start_migration_loop(url, pause, log)
        started = time.monotonic()
        try:
            ask_many(app, requests, at_once, hammered)
        finally:
            hammered.seconds = time.monotonic() - started
            stop(loop)
            with app.app_context():
                db.engine.dispose()
        log.seek(0)
        for line in log.read().splitlines():
            if line == DONE:
                hammered.migration_runs += 1
            elif line.startswith(FAILED):
                hammered.migration_failures.append(line)
    return hammered


def start_migration_loop(url, pause, log):
    """The loop in a process of its own, started and ready; its lines go to `log`."""
    loop = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.page_hammer", "--migrate-in-a-loop", url,
         "--pause", str(pause)],
        cwd=REPO_DIR, stdout=log, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        log.seek(0)
        if log.read().startswith(READY) or loop.poll() is not None:
            break
        time.sleep(0.05)
    log.seek(0, os.SEEK_END)
    if loop.poll() is not None or time.monotonic() >= deadline:
        stop(loop)
        raise BenchError(f"the migration loop did not start on {url}")
    return loop


def stop(loop):
    if loop.poll() is None:
        os.killpg(loop.pid, signal.SIGTERM)
    loop.wait(timeout=30)


def migrate_in_a_loop(url, pause):
    """Upgrade to head, downgrade to base, again and again, until killed; a line per run."""
    import logging

    from flask_migrate import downgrade, upgrade

    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    logging.disable(logging.WARNING)  # Alembic's INFO lines, a hundred a second
    print(READY, flush=True)
    with app.app_context():
        while True:
            for run in (upgrade, lambda: downgrade(revision="base")):
                try:
                    run()
                except (Exception, SystemExit) as error:  # Flask-Migrate exits on an error
                    print(f"{FAILED}: {error!r}"[:300], flush=True)
                else:
                    print(DONE, flush=True)
                time.sleep(pause)


def hammer_every_backend(requests, at_once, pause, say):
    from testing.backends import backends_under_test

    results = []
    with tempfile.TemporaryDirectory() as folder:
        for backend in backends_under_test():
            with bench_database(backend, Path(folder) / str(backend)) as url:
                name = server_version(backend, url)
                say(f"Hammering the page on {name}...")
                results.append(hammer(url, name, requests, at_once, pause))
                say(results[-1].line())
    return results


@click.command(help=__doc__.split("\n\n")[0])
@click.option("--requests", type=click.IntRange(min=1), default=2000, show_default=True)
@click.option("--at-once", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--pause", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Seconds the migration loop rests between two runs.")
@click.option("--json", "json_file", type=click.File("w", lazy=False),
              help="Also write the results to this file as JSON.")
@click.option("--migrate-in-a-loop", "loop_url", hidden=True)
def main(requests, at_once, pause, json_file, loop_url):
    if loop_url:
        migrate_in_a_loop(loop_url, pause)
        return
    try:
        results = hammer_every_backend(requests, at_once, pause, click.echo)
    except BenchError as error:
        raise click.ClickException(str(error)) from None
    for result in results:
        for kind, text in result.examples.items():
            if kind not in ("200 consistent", "503 migration running"):
                click.echo(f"  {result.backend}, first {kind}: {text[:500]}")
        for failure in result.migration_failures[:3]:
            click.echo(f"  {result.backend}, migration {failure}")
    if json_file:
        json.dump([{**vars(r), "answers": dict(r.answers)} for r in results], json_file,
                  indent=2)
    if any(r.bad or r.migration_failures for r in results):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
