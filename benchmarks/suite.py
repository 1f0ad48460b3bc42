"""Timing the whole test suite: `pytest` from the top folder, the project's tests and the kit.

SQLite alone, SQLite with each listed server, and everything at once: the
suite always runs on SQLite, and TEST_DATABASE_URLS adds servers to it.
"""
import os
import re
import subprocess
import sys
import time

from helpers.paths import REPO_DIR
from testing.backends import backends_under_test


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
    """One JSON-ready row per configuration: best wall time, tests run, passed or not."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    return [
        {"backends": label, **best_of(command, urls, repeat, say, f"the test suite on {label}")}
        for label, urls in suite_configurations(servers)
    ]


def best_of(command, test_database_urls, repeat, say, what):
    """Run `command` from the top folder up to `repeat` times: {runs, seconds, tests, passed}.

    The best wall time counts. A failing run is reported, not timed again.
    """
    env = dict(os.environ, TEST_DATABASE_URLS=test_database_urls)
    times = []
    for lap in range(repeat):
        say(f"{what}, run {lap + 1} of {repeat}")
        start = time.perf_counter()
        result = subprocess.run(command, cwd=REPO_DIR, env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            break
    counts = re.findall(r"(\d+) (passed|failed|errors?)", result.stdout)
    return {
        "runs": len(times),
        "seconds": min(times),
        "tests": sum(int(n) for n, _ in counts),
        "passed": result.returncode == 0,
    }
