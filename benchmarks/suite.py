"""Timing the grading suite: `pytest` from the top folder, as instructors run it.

SQLite alone, SQLite with each listed server, and everything at once: the
suite always runs on SQLite, and TEST_DATABASE_URLS adds servers to it.
"""
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from helpers.paths import REPO_DIR
from testing.backends import backends_under_test

PYTEST = Path(sys.executable).with_name("pytest")


def suite_configurations(servers=True):
    """(label, TEST_DATABASE_URLS) for each way the suite is timed.

    SQLite alone; then, unless `servers` is False, SQLite with each server
    and SQLite with every server, as instructors grade.
    """
    configurations = [("sqlite", "")]
    listed = backends_under_test()[1:] if servers else []
    configurations += [(f"sqlite + {backend.name}", backend.server_url) for backend in listed]
    if len(listed) > 1:
        configurations.append(("all backends", ",".join(backend.server_url for backend in listed)))
    return configurations


def time_suite(repeat, say, servers=True):
    """One JSON-ready row per configuration: best wall time, tests run, passed or not."""
    rows = []
    for label, urls in suite_configurations(servers):
        times, outcome = [], None
        for lap in range(repeat):
            say(f"grading suite on {label}, run {lap + 1} of {repeat}")
            seconds, outcome = run_suite(urls)
            times.append(seconds)
            if outcome["returncode"] != 0:
                break  # a failing suite is reported, not timed again
        rows.append({
            "backends": label,
            "runs": len(times),
            "seconds": min(times),
            "tests": outcome["tests"],
            "passed": outcome["returncode"] == 0,
        })
    return rows


def run_suite(urls):
    env = dict(os.environ, TEST_DATABASE_URLS=urls)
    start = time.perf_counter()
    result = subprocess.run([str(PYTEST), "-q"], cwd=REPO_DIR, env=env,
                            capture_output=True, text=True)
    seconds = time.perf_counter() - start
    counts = re.findall(r"(\d+) (passed|failed|errors?)", result.stdout)
    return seconds, {"returncode": result.returncode, "tests": sum(int(n) for n, _ in counts)}
