"""`pipenv run grade-class PATH...`: grade every learner's copy in PATH, side by side.

Exit code 0 when every copy got its row, whatever the grades; 1 (with one
line on stderr) only when the grader itself cannot run.
"""
import os
import shutil
import signal
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import click

from server.testing.backends import backends_under_test

from .copies import MEGABYTE, Limits, NotAClass, find_submissions, one_line
from .databases import check_servers, drop_databases, new_batch
from .grading import grade
from .results import NOT_FINISHED, Row, table, write_csv, write_junit
from .runner import GraderError, KitRunner

PROG_NAME = "pipenv run grade-class"


@click.command(help="Grade every learner's copy in PATH: a folder, a .zip, a .tar.gz or a git "
                    "bundle, or a folder of them (one copy per entry). Each copy is graded by "
                    "this repository's kit in a private folder, on fresh databases: SQLite, plus "
                    "every server in TEST_DATABASE_URLS.")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...",
                type=click.Path(exists=True, path_type=Path))
@click.option("--jobs", type=click.IntRange(min=1), default=os.cpu_count() or 1,
              show_default="the CPU count", help="Copies graded at once.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=60.0,
              show_default=True, help="Seconds one copy may take; then its processes are ended.")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the results to this CSV file, one row per copy.")
@click.option("--junit", "junit_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also write one JUnit XML file per copy into this folder.")
@click.option("--max-size", type=click.IntRange(min=1), default=100, show_default=True,
              metavar="MB", help="Megabytes one copy may unpack to; a bigger one is refused.")
@click.option("--max-files", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Files one copy may unpack to; one with more is refused.")
def grade_class(paths, jobs, timeout, csv_file, junit_dir, max_size, max_files):
    for target in (csv_file.parent if csv_file else None, junit_dir and junit_dir.parent):
        if target is not None and not target.is_dir():
            raise click.UsageError(f"the folder {target} does not exist")
    try:
        submissions = find_submissions(paths, Limits(max_size * MEGABYTE, max_files))
    except NotAClass as error:
        raise click.UsageError(str(error)) from None
    if not submissions:
        raise click.UsageError("no learner's copies in " + ", ".join(map(str, paths)))
    try:
        check_servers()
        rows = grade_all(submissions, jobs, timeout)
    except GraderError as error:
        raise click.ClickException(str(error)) from None
    on_terminal = sys.stdout.isatty()
    backends = backends_under_test()
    click.echo(table(rows, backends, shutil.get_terminal_size().columns if on_terminal else None))
    if csv_file:
        write_csv(rows, backends, csv_file)
    if junit_dir:
        write_junit(rows, junit_dir)


def grade_all(submissions, jobs, timeout):
    """One Row per submission, in their order; a progress bar on a terminal."""
    rows = {}
    batch = new_batch()
    with KitRunner() as runner:
        if runner.sandbox_problem:
            click.echo(f"grade-class: no sandbox here ({runner.sandbox_problem}); each copy runs "
                       "in a process group of its own, which can write outside its folder",
                       err=True)
        pool = ThreadPoolExecutor(max_workers=jobs)
        try:
            futures = {pool.submit(grade, submission, runner, timeout, batch): submission
                       for submission in submissions}
            with progress(len(futures)) as bar:
                for future in as_completed(futures):
                    rows[futures[future]] = row_of(future, futures[future])
                    bar.update(1)
        except BaseException:  # Ctrl+C, or a grader error: start no more, end the runs going
            pool.shutdown(wait=False, cancel_futures=True)
            runner.close()
            raise
        finally:
            pool.shutdown(wait=True)  # each copy's databases are dropped as its run ends
            drop_databases(batch)  # and whatever a server finished making after that
    return [rows[submission] for submission in submissions]


def row_of(future, submission):
    """The copy's Row; one copy that breaks the grader never stops the class."""
    try:
        return future.result()
    except GraderError:
        raise
    except Exception as error:  # whatever a hostile copy made go wrong, said in its row
        return Row(submission.name, NOT_FINISHED,
                   reasons=[f"the grader failed on this copy: {one_line(error)}"])


def progress(length):
    if sys.stderr.isatty():
        return click.progressbar(length=length, label="grading", file=sys.stderr,
                                 show_pos=True, show_eta=True)
    return NoProgress()


class NoProgress:
    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        pass

    def update(self, steps):
        pass


def main():
    """Run the command; bad options and a grader that cannot run end in one line on stderr."""
    signal.signal(signal.SIGTERM, stop)  # as Ctrl+C: end the runs, drop their databases
    try:
        code = grade_class.main(prog_name=PROG_NAME, standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Error: stopped.", err=True)
        sys.exit(1)
    except click.ClickException as error:
        click.echo(f"Error: {error.format_message()}", err=True)
        sys.exit(error.exit_code)
    sys.exit(code or 0)


def stop(signum, frame):
    raise KeyboardInterrupt
