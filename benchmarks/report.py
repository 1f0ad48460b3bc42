"""The results: tables for people (Markdown, so they paste into the README), JSON for tools."""
import json
import os
import platform
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version

from benchmarks import BenchError

PACKAGES = ("flask", "flask-sqlalchemy", "flask-migrate", "alembic", "sqlalchemy",
            "psycopg", "pymysql", "pytest", "pytest-alembic")
RENAME_STEPS = (3, 4)


def machine():
    """What the figures were measured on."""
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": {name: installed_version(name) for name in PACKAGES},
    }


def installed_version(name):
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def write_json(results, file):
    json.dump(results, file, indent=2)
    file.write("\n")


def tables(results):
    """Every table of `results`, as Markdown text."""
    return "\n\n".join([header(results), *part_tables(results).values()]) + "\n"


def part_tables(results):
    """{part: its tables as Markdown} for each part that ran."""
    parts = {}
    if results["chain"] is not None:
        sizes = results["settings"]["sizes"]
        repeat = results["settings"]["repeat"]
        parts["chain"] = "\n\n".join(
            [renames_table(results["chain"], sizes)]
            + [chain_table(backend, chain, sizes, repeat)
               for backend, chain in results["chain"].items()])
    if results["suite"] is not None:
        parts["suite"] = suite_table(results["suite"])
    if results["grade"] is not None:
        parts["grade"] = grading_table(results["grade"])
    if results["class"] is not None:
        parts["class"] = class_table(results["class"])
    if results["cli"] is not None:
        parts["cli"] = cli_table(results["cli"])
    if results.get("drift") is not None:
        parts["drift"] = drift_table(results["drift"])
    return parts


def update_docs(results, path):
    """Put each part's tables, headed by what they were measured on, into `path`.

    The file marks where each part goes, `<!-- bench: suite -->` to `<!-- end
    of bench: suite -->`; the parts this run skipped keep their earlier
    figures, with their own date. Returns the parts written.
    """
    text = path.read_text()
    written = []
    for part, markdown in part_tables(results).items():
        start, end = f"<!-- bench: {part} -->", f"<!-- end of bench: {part} -->"
        if start not in text or end not in text:
            raise BenchError(f"{path} has no place for the {part} figures ({start} ... {end})")
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        text = f"{before}{start}\n{header(results)}\n\n{markdown}\n{end}{after}"
        written.append(part)
    path.write_text(text)
    return written


def header(results):
    m = results["machine"]
    packages = ", ".join(f"{name} {v}" for name, v in m["packages"].items() if v)
    return (f"{m['date'][:10]}, {m['cpu_count']} CPUs, Python {m['python']} on {m['platform']}.\n"
            f"{packages}.")


def renames_table(chain, sizes):
    small, large = str(min(sizes)), str(max(sizes))
    lines = [
        f"Steps 3 and 4 (ms, N = {int(small):,} and {int(large):,} rows; growth is the ratio)",
        "",
        f"| backend | step | ours {n(small)} | ours {n(large)} | growth | naive {n(small)} "
        f"| naive {n(large)} | growth |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for backend, result in chain.items():
        by_key = {(row["step"], row["direction"], row["path"]): row for row in result["steps"]}
        for row in result["steps"]:
            if row["step"] not in RENAME_STEPS or row["path"] != "ours":
                continue
            naive = by_key[row["step"], row["direction"], "naive"]
            lines.append(
                f"| {backend} | {row['step']} {row['direction']} "
                f"| {ms(row['seconds'][small])} | {ms(row['seconds'][large])} "
                f"| {times(row['growth'])} "
                f"| {ms(naive['seconds'][small])} | {ms(naive['seconds'][large])} "
                f"| {times(naive['growth'])} |"
            )
    return "\n".join(lines)


def chain_table(backend, chain, sizes, repeat):
    lines = [
        f"{backend} ({chain['server']}): every step, best of {repeat}, ms",
        "",
        "| step | what | path | " + " | ".join(n(size) for size in sizes)
        + " | growth | × floor | peak RSS |",
        "| --- | --- | --- | " + " | ".join("---:" for _ in sizes) + " | ---: | ---: | ---: |",
    ]
    for row in chain["steps"]:
        cells = [ms(row["seconds"][str(size)]) for size in sizes]
        ratio = times(row["floor_ratio"]) if row["floor_ratio"] is not None else ""
        lines.append(
            f"| {row['step']} {row['direction']} | {row['what']} | {row['path']} | "
            + " | ".join(cells)
            + f" | {times(row['growth'])} | {ratio} | {row['peak_rss_mib']:.0f} MiB |"
        )
    return "\n".join(lines)


def suite_table(rows):
    """The suite's wall time per configuration, where its time went, and its slowest tests."""
    parts = [runs_table("The test suite (`pipenv run test` from the top folder: tests/ and "
                        "server/testing/), best of the runs", "backends", rows)]
    timed = [row for row in rows if row.get("seconds_by_kind")]
    if timed:
        kinds = list(timed[0]["seconds_by_kind"])
        lines = ["Test time by database kind (setup, call and teardown summed over the workers; "
                 "`any`: tests no kind parametrizes)", "",
                 "| backends | " + " | ".join(kinds) + " |",
                 "| --- | " + " | ".join("---:" for _ in kinds) + " |"]
        for row in timed:
            lines.append(f"| {row['backends']} | "
                         + " | ".join(f"{row['seconds_by_kind'][k]:.1f} s" for k in kinds) + " |")
        parts.append("\n".join(lines))
        widest = timed[-1]
        lines = [f"The slowest tests ({widest['backends']}, pytest's --durations)", "",
                 "| seconds | phase | test |", "| ---: | --- | --- |"]
        lines += [f"| {item['seconds']:.2f} | {item['when']} | `{item['test']}` |"
                  for item in widest["slowest"]]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def grading_table(rows):
    return runs_table("Grading one copy (the kit alone, SQLite, from the top folder), "
                      "best of the runs", "command", rows)


def runs_table(title, key, rows):
    lines = [title, "", f"| {key} | tests | runs | wall time |", "| --- | ---: | ---: | ---: |"]
    for row in rows:
        outcome = "" if row["passed"] else " (FAILED)"
        lines.append(f"| {row[key]} | {row['tests']} | {row['runs']} "
                     f"| {row['seconds']:.1f} s{outcome} |")
    return "\n".join(lines)


def class_table(rows):
    lines = [
        f"Grading a class (`grade-class`: copies of this repository, SQLite, "
        f"{rows[0]['jobs']} at a time)",
        "",
        "| copies | wall time | copies per second | CPU time | full marks | peak RSS grader "
        "| peak RSS largest copy's run |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(f"| {row['copies']} | {row['seconds']:.1f} s | {row['copies_per_second']:.2f} "
                     f"| {row['cpu_seconds']:.1f} s | {row['full_marks']} "
                     f"| {row['peak_rss_grader_mib']:.0f} MiB "
                     f"| {row['peak_rss_largest_copy_mib']:.0f} MiB |")
    return "\n".join(lines)


def cli_table(cli):
    lines = [
        f"`flask db current` on a SQLite database at head, {cli['runs']} runs each",
        "",
        "| app | best wall time | median wall time | of which imports | instructions |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    counted = cli["instructions"] or {}
    for app, label in (("lesson", "this repository"), ("bare", "bare Flask-Migrate, one file")):
        wall, median = ms(cli["seconds"][app]), ms(cli["median_seconds"][app])
        imports = ms(cli["import_seconds"][app])
        instructions = f"{counted[app] / 1e9:.3f} G" if app in counted else "not counted"
        lines.append(f"| {label} | {wall} ms | {median} ms | {imports} ms | {instructions} |")
    extras = ", ".join(f"{item['module']} {ms(item['seconds'])} ms"
                       for item in cli["extra_imports"])
    by_instructions = (f", {cli['instruction_ratio']:.2f}× by instructions"
                       if cli["instruction_ratio"] else "")
    lines += ["", f"Ratio: {cli['ratio']:.2f}× by best wall time, {cli['median_ratio']:.2f}× by "
                  f"median{by_instructions}. Imports only this repository makes: "
                  f"{extras or 'none'}."]
    return "\n".join(lines)


def drift_table(drift):
    runs = next(iter(drift.values()))["runs"]
    lines = [
        f"The drift check in `flask db migrate`, on a database at head, {runs} runs each "
        "(`flask db upgrade` runs none)",
        "",
        "| backend | check, best | check, median | goal | `flask db migrate` in-process, best |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for backend, row in drift.items():
        met = "" if row["check_seconds"] <= row["goal_seconds"] else " (MISSED)"
        lines.append(f"| {backend} ({row['server']}) | {ms(row['check_seconds'])} ms{met} "
                     f"| {ms(row['check_median_seconds'])} ms | ≤ {ms(row['goal_seconds'])} ms "
                     f"| {ms(row['migrate_seconds'])} ms |")
    return "\n".join(lines)


def n(size):
    return f"N={int(size):,}"


def ms(seconds):
    """Milliseconds, with as many digits as mean something."""
    value = seconds * 1000
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def times(ratio):
    return f"{ratio:.1f}×" if ratio < 100 else f"{ratio:,.0f}×"
