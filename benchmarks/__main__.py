"""`pipenv run bench`: time the migrations, the suite, grading one copy and a class, the CLI, drift.

    pipenv run bench                  N = 1,000, 100,000 and 1,000,000; best of 3; a class of 100
    pipenv run bench --quick          N = 1,000 and 100,000, suite once on SQLite only, class of 20
    pipenv run bench --json out.json  also write every figure as JSON
    pipenv run bench --docs docs/performance.md   and put the tables there

Run it from the top folder. It uses SQLite and every server listed in
TEST_DATABASE_URLS, each in a database of its own that it drops at the end.
"""
import logging
import tempfile
import time
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from benchmarks import BenchError
from benchmarks.chain import run_chain
from benchmarks.class_grading import FULL_CLASS_SIZES, QUICK_CLASS_SIZES, time_class
from benchmarks.cli_startup import time_cli
from benchmarks.drift import time_drift
from benchmarks.grading import time_grading
from benchmarks.report import machine, tables, update_docs, write_json
from benchmarks.suite import time_suite

FULL_SIZES = (1_000, 100_000, 1_000_000)
QUICK_SIZES = (1_000, 100_000)
# Start-up takes half a second and wobbles with whatever else the machine
# does, so it gets more runs than the other parts; they are interleaved.
CLI_RUNS, QUICK_CLI_RUNS = 10, 5
DRIFT_RUNS, QUICK_DRIFT_RUNS = 10, 3
PARTS = ("chain", "suite", "grade", "class", "cli", "drift")


def parse_sizes(ctx, param, value):
    if value is None:
        return None
    try:
        sizes = sorted({int(part.replace("_", "")) for part in value.split(",") if part.strip()})
    except ValueError:
        raise click.BadParameter(
            "give whole numbers separated by commas, e.g. 1000,100000") from None
    if not sizes or sizes[0] < 1:
        raise click.BadParameter("give at least one size, each 1 or more")
    return sizes


@click.command(help=__doc__.split("\n\n")[0])
@click.option("--quick", is_flag=True,
              help="N = 1,000 and 100,000; the suite and grading once, on SQLite only.")
@click.option("--sizes", callback=parse_sizes, metavar="N,N,...",
              help="Table sizes to use instead (comma-separated).")
@click.option("--repeat", type=click.IntRange(min=1), default=3, show_default=True,
              help="Laps per migration step, runs of the suite and of grading; the best counts.")
@click.option("--class-sizes", callback=parse_sizes, metavar="N,N,...",
              help="Class sizes to grade with grade-class instead (comma-separated).")
@click.option("--skip", multiple=True, type=click.Choice(PARTS),
              help="Leave out a part (can be given more than once).")
@click.option("--json", "json_file", type=click.File("w", lazy=False),
              help="Also write the results to this file as JSON.")
@click.option("--docs", "docs_file", type=click.Path(exists=True, dir_okay=False,
                                                     path_type=Path),
              help="Also put each part's tables into this Markdown file, where it marks them "
                   "(docs/performance.md does).")
def main(quick, sizes, repeat, class_sizes, skip, json_file, docs_file):
    # Alembic tells of every step it runs; thousands of those lines would bury the tables.
    logging.disable(logging.INFO)
    try:
        sizes = sizes or list(QUICK_SIZES if quick else FULL_SIZES)
        class_sizes = class_sizes or list(QUICK_CLASS_SIZES if quick else FULL_CLASS_SIZES)
        results = run_parts(sizes, repeat, quick, skip, class_sizes)
    except BenchError as error:
        raise click.ClickException(one_line(error)) from None
    except SQLAlchemyError as error:
        reason = one_line(getattr(error, "orig", error))
        raise click.ClickException(f"a database refused: {reason}") from None

    click.echo(tables(results))
    if json_file:
        write_json(results, json_file)
        say(f"wrote {json_file.name}")
    if docs_file:
        try:
            written = update_docs(results, docs_file)
        except BenchError as error:
            raise click.ClickException(str(error)) from None
        say(f"wrote the {', '.join(written)} figures into {docs_file}")
    say(f"done in {results['elapsed_seconds']:.0f} s")
    failed = [f"the test suite on {row['backends']}"
              for row in results["suite"] or [] if not row["passed"]]
    failed += [f"`{row['command']}`" for row in results["grade"] or [] if not row["passed"]]
    if failed:
        raise click.ClickException(f"{' and '.join(failed)} failed: run `pipenv run test` "
                                   "(or `pipenv run grade`, the kit alone) to see why.")


def run_parts(sizes, repeat, quick, skip, class_sizes=FULL_CLASS_SIZES):
    """Every figure, with what it was measured on; a skipped part is None."""
    started = time.perf_counter()
    results = {
        "machine": machine(),
        "settings": {"sizes": sizes, "repeat": repeat, "quick": quick, "skipped": list(skip),
                     "class_sizes": class_sizes},
        "chain": None,
        "suite": None,
        "grade": None,
        "class": None,
        "cli": None,
        "drift": None,
    }
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        if "chain" not in skip:
            results["chain"] = run_chain(sizes, repeat, folder, say)
        if "suite" not in skip:
            results["suite"] = time_suite(1 if quick else repeat, say, servers=not quick)
        if "grade" not in skip:
            results["grade"] = time_grading(1 if quick else repeat, say)
        if "class" not in skip:
            results["class"] = time_class(class_sizes, folder, say)
        if "cli" not in skip:
            results["cli"] = time_cli(folder, QUICK_CLI_RUNS if quick else CLI_RUNS, say,
                                      count_instructions=not quick)
        if "drift" not in skip:
            results["drift"] = time_drift(folder, QUICK_DRIFT_RUNS if quick else DRIFT_RUNS, say)
    results["elapsed_seconds"] = round(time.perf_counter() - started, 1)
    return results


def one_line(error):
    """Drivers often add a hint on a second line; keep it, on the first."""
    return " ".join(str(error).split())


def say(message):
    """Progress, on stderr, so stdout holds only the tables."""
    click.echo(f"bench: {message}", err=True)


if __name__ == "__main__":
    main(prog_name="pipenv run bench")
