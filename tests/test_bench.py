"""`pipenv run bench` works: a tiny run prints its tables and writes valid JSON.

A smoke test, not a benchmark: N = 100, one lap, no suite or CLI timing,
and no assertion about speed. The figures themselves come from a real run
(README, "Performance").
"""
import json
import os
import shlex
import subprocess
import sys

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from helpers.paths import REPO_DIR
from testing.backends import backends_under_test

MOVES = {(step, direction) for step in (1, 2, 3, 4) for direction in ("up", "down")}
RENAMES = {(3, "up"), (4, "up"), (4, "down"), (3, "down")}


def bench_command():
    """The Pipfile's `bench` script, run with this environment's Python."""
    scripts = tomllib.loads((REPO_DIR / "Pipfile").read_text())["scripts"]
    program, *args = shlex.split(scripts["bench"])
    assert program == "python", f"the bench script should start with python: {scripts['bench']}"
    return [sys.executable, *args]


def test_bench_smoke_run_writes_json(tmp_path):
    output = tmp_path / "bench.json"
    result = subprocess.run(
        [*bench_command(), "--sizes", "100", "--repeat", "1",
         "--skip", "suite", "--skip", "cli", "--json", str(output)],
        cwd=REPO_DIR, capture_output=True, text=True,
        env=dict(os.environ, PYTHONWARNINGS="error"),  # the bench, too, runs without warnings
    )
    assert result.returncode == 0, result.stderr

    results = json.loads(output.read_text())
    assert results.keys() == {"machine", "settings", "chain", "suite", "cli", "elapsed_seconds"}
    assert results["machine"]["cpu_count"] >= 1
    assert results["machine"]["packages"]["flask-migrate"]
    assert results["settings"]["sizes"] == [100]
    assert results["suite"] is None and results["cli"] is None  # skipped

    backends = [backend.name for backend in backends_under_test()]
    assert list(results["chain"]) == backends
    for backend, chain in results["chain"].items():
        rows = {(row["step"], row["direction"], row["path"]): row for row in chain["steps"]}
        expected = ({(*move, "ours") for move in MOVES} | {(*move, "floor") for move in MOVES}
                    | {(*move, "naive") for move in RENAMES})
        assert rows.keys() == expected, f"{backend}: {sorted(rows.keys() ^ expected)}"
        for key, row in rows.items():
            assert row["seconds"]["100"] > 0, f"{backend} {key}"
            assert (row["floor_ratio"] is not None) == (row["path"] == "ours"), f"{backend} {key}"
        # Our renames keep their rows: one fill of each table serves every lap of them.
        fills = chain["rename_fills"]
        assert fills["ours"]["100"] == 2, (
            f"{backend}: our rename laps needed {fills['ours']['100']} table fills, not 2: "
            "a rename step lost its rows"
        )
        assert fills["naive"]["100"] > 2, f"{backend}: the naive renames kept their rows: {fills}"

    assert "| 3 up | rename the table | ours |" in result.stdout
