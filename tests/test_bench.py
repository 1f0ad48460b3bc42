"""benchmarks/: `pipenv run bench` works, prints its tables and writes valid JSON.

Smoke tests, not a benchmark: N = 100, one lap, and no assertion about
speed. The figures themselves come from a real run (README, "Performance").
The bench runs with pytest made unimportable: it uses plain helpers only.
"""
import json
import os
import shlex
import shutil
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
KIT_RUN = "python -m pytest server/testing -q -p no:cacheprovider"


def bench_command():
    """The Pipfile's `bench` script, run with this environment's Python and without pytest.

    `sys.modules["pytest"] = None` makes every `import pytest` fail, so a
    bench that needs pytest fails this test.
    """
    scripts = tomllib.loads((REPO_DIR / "Pipfile").read_text())["scripts"]
    program, flag, module, *args = shlex.split(scripts["bench"])
    assert (program, flag) == ("python", "-m"), f"expected `python -m ...`: {scripts['bench']}"
    code = ("import runpy, sys; sys.modules['pytest'] = None; "
            f"runpy.run_module({module!r}, run_name='__main__', alter_sys=True)")
    return [sys.executable, "-c", code, *args]


def run_bench(tmp_path, *args):
    output = tmp_path / "bench.json"
    result = subprocess.run(
        [*bench_command(), *args, "--json", str(output)], cwd=REPO_DIR, capture_output=True,
        text=True, env=dict(os.environ, PYTHONWARNINGS="error"),  # the bench runs warning-free
    )
    return result, (json.loads(output.read_text()) if output.exists() else None)


def test_bench_smoke_run_writes_json(tmp_path):
    result, results = run_bench(tmp_path, "--sizes", "100", "--repeat", "1",
                                "--skip", "suite", "--skip", "grade", "--skip", "class",
                                "--skip", "cli")
    assert result.returncode == 0, result.stderr

    assert results.keys() == {"machine", "settings", "chain", "suite", "grade", "class", "cli",
                              "elapsed_seconds"}
    assert results["machine"]["cpu_count"] >= 1
    assert results["machine"]["packages"]["flask-migrate"]
    assert results["settings"]["sizes"] == [100]
    assert results["suite"] is None and results["grade"] is None and results["cli"] is None
    assert results["class"] is None

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


def test_bench_times_grading_one_copy(tmp_path):
    """The kit alone on SQLite; its outcome, passed or FAILED, is reported either way."""
    kit = subprocess.run([sys.executable, *shlex.split(KIT_RUN)[1:]], cwd=REPO_DIR,
                         capture_output=True, text=True,
                         env=dict(os.environ, TEST_DATABASE_URLS=""))
    result, results = run_bench(tmp_path, "--repeat", "1", "--skip", "chain",
                                "--skip", "suite", "--skip", "class", "--skip", "cli")

    assert results is not None, result.stderr
    commands = [KIT_RUN] + (["pipenv run grade"] if shutil.which("pipenv") else [])
    assert [row["command"] for row in results["grade"]] == commands
    assert results["grade"][0]["passed"] == (kit.returncode == 0), kit.stdout[-2000:]
    for row in results["grade"]:
        assert row["runs"] == 1 and row["seconds"] > 0, row
        assert isinstance(row["passed"], bool) and row["tests"] >= 0, row
        outcome = "" if row["passed"] else " (FAILED)"
        assert f"| {row['command']} | {row['tests']} | 1 | {row['seconds']:.1f} s{outcome} |" in (
            result.stdout), result.stdout
    all_passed = all(row["passed"] for row in results["grade"])
    assert result.returncode == (0 if all_passed else 1), result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    if all_passed:
        assert errors == [], result.stderr
    else:
        assert len(errors) == 1 and "to see why" in errors[0], result.stderr


def test_bench_times_grading_a_class(tmp_path):
    """grade-class on 1 and 3 correct copies: every copy gets full marks, figures are reported."""
    result, results = run_bench(tmp_path, "--class-sizes", "1,3", "--skip", "chain",
                                "--skip", "suite", "--skip", "grade", "--skip", "cli")
    assert result.returncode == 0, result.stderr
    assert [row["copies"] for row in results["class"]] == [1, 3]
    for row in results["class"]:
        assert row["full_marks"] == row["copies"], row
        assert row["seconds"] > 0 and row["copies_per_second"] > 0, row
        assert row["cpu_seconds"] > 0, row
        assert 10 < row["peak_rss_grader_mib"] < 1000, row
        assert 10 < row["peak_rss_largest_copy_mib"] < 1000, row
        assert f"| {row['copies']} | {row['seconds']:.1f} s |" in result.stdout, result.stdout
