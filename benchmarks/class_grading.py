"""Timing `grade-class` on a class: N copies of this repository, each with its own revision ids.

SQLite only, as many copies at once as there are CPUs, through the
grader's own machinery (class_grading/) in this process, so the
grader's peak RSS is measured here and each copy's kit run's by the
process that forks it. 1 copy next to 100 shows what the batch costs
beyond grading one copy alone.
"""
import os
import resource
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from benchmarks import BenchError
from benchmarks.measure import measure
from helpers.learner_copies import LearnerCopy

FULL_CLASS_SIZES = (1, 100)
QUICK_CLASS_SIZES = (1, 20)
MIB = 1024 * 1024


def time_class(sizes, folder, say):
    """One JSON-ready row per class size."""
    from class_grading.cli import grade_all
    from class_grading.copies import find_submissions

    rows = []
    for size in sizes:
        class_dir = Path(folder) / f"class-{size}"
        say(f"grading a class of {size}: making the copies")
        for number in range(size):
            LearnerCopy.of_this_repository(class_dir / f"learner{number:03}").new_revision_ids()
        submissions = find_submissions([class_dir])
        say(f"grading a class of {size}")
        graded = []
        cpu_before = cpu_seconds()
        with sqlite_only():
            sample = measure(partial(grade_into, graded, grade_all, submissions))
        cpu = cpu_seconds() - cpu_before
        full_marks = sum(row.total == 5 for row in graded)
        rows.append({
            "copies": size,
            "jobs": os.cpu_count() or 1,
            "seconds": sample.seconds,
            "copies_per_second": size / sample.seconds,
            "cpu_seconds": cpu,
            "full_marks": full_marks,
            "peak_rss_grader_mib": sample.peak_rss / MIB,
            "peak_rss_largest_copy_mib": max(row.peak_rss for row in graded) / MIB,
        })
        if full_marks != size:
            not_full = next(row for row in graded if row.total != 5)
            raise BenchError(f"a correct copy got {not_full.total}/5 from grade-class: "
                             f"{'; '.join(not_full.reasons)}")
    return rows


def grade_into(graded, grade_all, submissions):
    graded.extend(grade_all(submissions, os.cpu_count() or 1, 60))


def cpu_seconds():
    """CPU time of this process and of every process it has waited for, with theirs.

    The runs' CPU is counted once the preloaded process they were forked from
    has ended, which grade_all waits for. Unlike wall time, it does not grow
    when other work shares the machine.
    """
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                          resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@contextmanager
def sqlite_only():
    """No server, graded or advisory, for the copies' runs while the block runs."""
    names = ("TEST_DATABASE_URLS", "ADVISORY_DATABASE_URLS")
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(dict.fromkeys(names, ""))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value
