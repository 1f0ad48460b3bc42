"""benchmarks/: `pipenv run bench` works, prints its tables and writes valid JSON.

Smoke tests, not a benchmark: N = 100, one lap, and no assertion about
speed. The figures themselves come from a real run (README, "Performance").
The bench runs with pytest made unimportable: it uses plain helpers only.
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import pytest

from benchmarks.report import header, part_tables
from benchmarks.suite import summary
from helpers.paths import REPO_DIR
from testing.backends import backends_under_test

MOVES = {(step, direction) for step in (1, 2, 3, 4) for direction in ("up", "down")}
RENAMES = {(3, "up"), (4, "up"), (4, "down"), (3, "down")}
KIT_RUN = "python server/testing/grade.py -q"


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


@pytest.fixture(scope="session")  # a worker may run other modules' tests in between
def kit_run():
    """The kit alone, run the way the bench runs it, with pytest's --durations."""
    return subprocess.run([sys.executable, *shlex.split(KIT_RUN)[1:], "--durations=0"],
                          cwd=REPO_DIR, capture_output=True, text=True,
                          env=dict(os.environ, TEST_DATABASE_URLS=""))


@pytest.fixture(scope="session")
def bench_run(tmp_path_factory):
    """One small run of every part but the suite (it would run this test) and the CLI's."""
    folder = tmp_path_factory.mktemp("bench")
    docs = folder / "performance.md"
    shutil.copy(REPO_DIR / "docs" / "performance.md", docs)
    result, results = run_bench(folder, "--sizes", "100", "--repeat", "1", "--class-sizes", "1,2",
                                "--skip", "suite", "--skip", "cli", "--docs", str(docs))
    return result, results, docs


def test_bench_smoke_run_writes_json(bench_run):
    result, results, _ = bench_run
    assert results is not None, result.stderr

    assert results.keys() == {"machine", "settings", "chain", "suite", "grade", "class", "cli",
                              "drift", "elapsed_seconds"}
    assert results["machine"]["cpu_count"] >= 1
    assert results["machine"]["packages"]["flask-migrate"]
    assert results["settings"]["sizes"] == [100]
    assert results["suite"] is None and results["cli"] is None

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


def test_bench_times_the_drift_check_on_every_backend(bench_run):
    result, results, _ = bench_run
    assert list(results["drift"]) == [backend.name for backend in backends_under_test()]
    for backend, row in results["drift"].items():
        assert 0 < row["check_seconds"] <= row["check_median_seconds"], (backend, row)
        assert row["migrate_seconds"] > 0 and row["runs"] == 10, (backend, row)
        assert f"| {backend} ({row['server']}) | " in result.stdout, result.stdout


def test_bench_times_grading_one_copy(bench_run, kit_run):
    """The kit alone on SQLite; its outcome, passed or FAILED, is reported either way."""
    result, results, _ = bench_run
    commands = [KIT_RUN] + (["pipenv run grade -q"] if shutil.which("pipenv") else [])
    assert [row["command"] for row in results["grade"]] == commands
    for row in results["grade"]:  # the same kit, however it is started
        assert row["passed"] == (kit_run.returncode == 0), (row, kit_run.stdout[-2000:])
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


def test_bench_times_grading_a_class(bench_run):
    """grade-class on 1 and 2 correct copies: every copy gets full marks, figures are reported."""
    result, results, _ = bench_run
    assert [row["copies"] for row in results["class"]] == [1, 2]
    for row in results["class"]:
        assert row["full_marks"] == row["copies"], row
        assert row["seconds"] > 0 and row["copies_per_second"] > 0, row
        assert row["cpu_seconds"] > 0, row
        assert 10 < row["peak_rss_grader_mib"] < 1000, row
        assert 10 < row["peak_rss_largest_copy_mib"] < 1000, row
        assert f"| {row['copies']} | {row['seconds']:.1f} s |" in result.stdout, result.stdout


def test_bench_puts_each_part_where_the_docs_mark_it(bench_run):
    """The parts that ran replace their figures, headed by today's date; the others stay."""
    result, results, docs = bench_run
    original = (REPO_DIR / "docs" / "performance.md").read_text()
    written = docs.read_text()
    for part, tables in part_tables(results).items():
        block = written.split(f"<!-- bench: {part} -->\n", 1)[1].split(
            f"\n<!-- end of bench: {part} -->", 1)[0]
        assert block == f"{header(results)}\n\n{tables}", part
        assert tables in result.stdout, part
    for part in ("suite", "cli"):  # skipped: their earlier figures stay as they were
        start, end = f"<!-- bench: {part} -->", f"<!-- end of bench: {part} -->"
        assert original.split(start)[1].split(end)[0] == written.split(start)[1].split(end)[0]


def test_durations_are_read_from_pytests_own_report(kit_run):
    """The suite's slowest tests and its time per database kind, from --durations."""
    read = summary(kit_run)
    assert read["passed"] == (kit_run.returncode == 0)
    assert read["tests"] == int(re.search(r"(\d+) passed", kit_run.stdout).group(1))
    listed = [line for line in kit_run.stdout.splitlines() if re.match(r"^[0-9.]+s (setup|call|"
                                                                        r"teardown) ", line)]
    assert len(read["slowest"]) == min(len(listed), 10)
    assert read["slowest"][0]["seconds"] == max(float(line.split("s ")[0]) for line in listed)
    assert read["seconds_by_kind"]["sqlite"] > 0  # the kit's checks of each step, on SQLite
    assert sum(read["seconds_by_kind"].values()) == pytest.approx(
        sum(float(line.split("s ")[0]) for line in listed), abs=0.2)
