"""Timing the whole test suite: the README's test command (the Pipfile's `test` script).

SQLite alone, SQLite with each listed server, and everything at once: the
suite always runs on SQLite, and TEST_DATABASE_URLS adds servers to it.
Each run also reports pytest's own --durations: the slowest tests, and the
test time spent on each database kind (summed over setup, call and
teardown of the tests that kind parametrizes).
"""
import os
import re
import shlex
import subprocess
import sys
import time

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from helpers.paths import REPO_DIR
from testing.backends import backends_under_test

SLOWEST = 10
DURATION = re.compile(r"^([0-9.]+)s (setup|call|teardown)\s+(\S+)$")
KINDS = ("sqlite", "postgresql", "mysql")


def test_command():
    """The Pipfile's `test` script, with this Python: what `pipenv run test` runs."""
    program, *args = shlex.split(tomllib.loads((REPO_DIR / "Pipfile").read_text())["scripts"]
                                 ["test"])
    return [sys.executable, "-m", program, *args]


def suite_configurations(servers=True):
    """(label, TEST_DATABASE_URLS) for each way the suite is timed.

    SQLite alone; then, unless `servers` is False, SQLite with each server
    and SQLite with every server, as CI runs it.
    """
    configurations = [("sqlite", "")]
    listed = backends_under_test()[1:] if servers else []
    configurations += [(f"sqlite + {backend.name}", backend.server_url) for backend in listed]
    if len(listed) > 1:
        configurations.append(("all backends", ",".join(backend.server_url for backend in listed)))
    return configurations


def time_suite(repeat, say, servers=True):
    """One JSON-ready row per configuration: best wall time, tests, passed, slowest tests."""
    command = [*test_command(), "-q", "-p", "no:cacheprovider", "--durations=0"]
    return [
        {"backends": label, **best_of(command, urls, repeat, say, f"the test suite on {label}")}
        for label, urls in suite_configurations(servers)
    ]


def best_of(command, test_database_urls, repeat, say, what):
    """Run `command` from the top folder up to `repeat` times: {runs, seconds, tests, passed}.

    The best wall time counts, and its run's durations (when pytest printed
    them). A failing run is reported, not timed again. PIPENV_ACTIVE, which
    `pipenv run bench` sets, is not passed on: a `pipenv run` under it would
    leave the active virtual environment for one of its own.
    """
    env = {key: value for key, value in os.environ.items() if key != "PIPENV_ACTIVE"}
    env["TEST_DATABASE_URLS"] = test_database_urls
    best = None
    runs = 0
    for lap in range(repeat):
        say(f"{what}, run {lap + 1} of {repeat}")
        start = time.perf_counter()
        result = subprocess.run(command, cwd=REPO_DIR, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        runs += 1
        if best is None or result.returncode != 0 or seconds < best[0]:
            best = (seconds, result)
        if result.returncode != 0:
            break
    seconds, result = best
    return {"runs": runs, "seconds": seconds, **summary(result)}


def summary(result):
    """What a finished pytest run says of itself: tests, passed, and its --durations if any."""
    counts = re.findall(r"(\d+) (passed|failed|errors?)", result.stdout)
    row = {"tests": sum(int(n) for n, _ in counts), "passed": result.returncode == 0}
    durations = [(float(m.group(1)), m.group(2), m.group(3))
                 for m in map(DURATION.match, result.stdout.splitlines()) if m]
    if durations:
        row["slowest"] = [{"seconds": s, "when": when, "test": test}
                          for s, when, test in sorted(durations, reverse=True)[:SLOWEST]]
        row["seconds_by_kind"] = seconds_by_kind(durations)
    return row


def seconds_by_kind(durations):
    """Test seconds per database kind, from the test ids' parameters ([sqlite], [mysql-3], ...)."""
    totals = dict.fromkeys((*KINDS, "any"), 0.0)
    for seconds, _, test in durations:
        kind = next((k for k in KINDS if re.search(rf"[\[-]{k}\d*[\]-]", test)), "any")
        totals[kind] += seconds
    return {kind: round(total, 1) for kind, total in totals.items()}
