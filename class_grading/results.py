"""One row per copy: its points, from the kit's own results.json; the table, CSV and JUnit of them.

The kit writes Gradescope's results.json (server/testing/gradescope.py):
one test per part with its points, and in its `extra_data` each backend's
verdict, with the reasons in the learner's words. A part earns its points
(server/testing/points.py) when it passed on every graded backend; each
backend also gets a column of the points it alone would give, so that
"correct on SQLite, needs String lengths on MariaDB" shows without the
copy losing its grade when MariaDB is advisory. The history earns no point
of its own, but when it fails its reason is shown too: a broken history is
why every step failed.
"""
import csv
import json
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field

from server.testing.points import POINTS
from server.testing.scorecard import HISTORY, group_label

POINT_GROUPS = tuple(str(group) for group in POINTS)
HEADINGS = tuple(group_label(group) for group in POINTS)
WORTH = {str(group): worth for group, worth in POINTS.items()}
OUT_OF = sum(POINTS.values())
GRADED = "graded"
TIMED_OUT = "timed out"
NOT_FINISHED = "not finished"


@dataclass
class Row:
    name: str
    status: str  # GRADED, TIMED_OUT, NOT_FINISHED, or copies.NOT_A_LESSON / UNREADABLE
    points: dict = field(default_factory=lambda: dict.fromkeys(POINT_GROUPS, 0))
    engines: dict = field(default_factory=dict)  # backend name -> the points it alone gives
    reasons: list = field(default_factory=list)  # "step 3: why", one per lost point, or why not
    seconds: float = 0.0
    peak_rss: int = 0  # bytes, of the copy's kit run
    junit: bytes | None = None  # the kit's JUnit XML, when it wrote one

    @property
    def total(self):
        return sum(self.points.values())


def row_from_results(name, text, backends):
    """The Row of a finished kit run, from its results.json. `backends` are the kit's."""
    tests = {test["extra_data"]["part"]: test for test in json.loads(text)["tests"]
             if "verdicts" in test.get("extra_data", {})}
    if not tests:
        return Row(name, NOT_FINISHED, reasons=["the kit could not run: no checks ran"])
    row = Row(name, GRADED, engines={backend.name: 0 for backend in backends})
    said, advisory = {}, []
    for group, heading in [*zip(POINT_GROUPS, HEADINGS, strict=True), (HISTORY, HISTORY)]:
        verdicts = tests[group]["extra_data"]["verdicts"] if group in tests else []
        graded = [v for v in verdicts if not v["advisory"]]
        first = next((v for v in graded if not v["passed"]), None)
        if group != HISTORY:
            row.points[group] = WORTH[group] if graded and first is None else 0
            for verdict in verdicts:
                if verdict["passed"]:
                    row.engines[verdict["backend"]] = (row.engines.get(verdict["backend"], 0)
                                                       + WORTH[group])
        why = first_line(first) if first else None
        if group != HISTORY and not graded:
            why = "not checked"
        if why is not None:
            where = "" if first is None or first is graded[0] else f" ({first['backend']})"
            shown = why if group == HISTORY else said.get(why, why)
            row.reasons.append(f"{heading}{where}: {shown}")
            said.setdefault(why, f"as {heading}")
        advisory += [f"{heading} ({v['backend']}, advisory): {first_line(v)}" for v in verdicts
                     if v["advisory"] and not v["passed"] and first_line(v) != why]
    row.reasons += advisory
    return row


def first_line(verdict):
    """The verdict's first reason's first line: the scorecard's words."""
    reasons = verdict["reasons"] or ["failed"]
    return reasons[0].strip().splitlines()[0]


def engine_headings(backends):
    return [f"{b.name} (advisory)" if b.advisory else b.name for b in backends]


def engine_cells(row, backends):
    if row.status != GRADED:
        return ["-"] * len(backends)
    return [f"{row.engines.get(b.name, 0)}/{OUT_OF}" for b in backends]


def table(rows, backends, width=None):
    """The results as text: one line per copy, then one per further lost point's reason.

    With servers listed, a column per backend gives the points it alone would
    give. `width` (a terminal's) cuts long reasons to fit; without it they are whole.
    """
    shown = backends if len(backends) > 1 else []
    engines = engine_headings(shown)
    name_width = max([len("copy")] + [len(row.name) for row in rows])
    heading = "  ".join([f"{'copy':<{name_width}}", *HEADINGS, "total", *engines,
                         "first reason per lost point"])
    cells = [len(h) for h in HEADINGS]
    lines = [heading]
    for row in rows:
        if row.status == GRADED:
            points = [f"{row.points[group]:>{w}}"
                      for group, w in zip(POINT_GROUPS, cells, strict=True)]
        else:
            points = [f"{'-':>{w}}" for w in cells]
        per_engine = [f"{cell:>{len(h)}}" for cell, h in
                      zip(engine_cells(row, shown), engines, strict=True)]
        total = f"{row.total}/{OUT_OF}"
        start = "  ".join([f"{row.name:<{name_width}}", *points, f"{total:>5}", *per_engine]) + "  "
        for number, why in enumerate(row.reasons or [""]):
            lead = start if number == 0 else " " * len(start)
            line = (lead + why).rstrip()
            if width and len(line) > width:
                line = line[:width - 1] + "…"
            lines.append(line)
    graded = sum(row.status == GRADED for row in rows)
    lines.append(f"{len(rows)} copies: {graded} graded, {len(rows) - graded} not")
    return "\n".join(lines)


def write_csv(rows, backends, path):
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["name", "status", *HEADINGS, "total", "out of",
                         *engine_headings(backends), "reasons", "seconds"])
        for row in rows:
            writer.writerow([row.name, row.status, *(row.points[g] for g in POINT_GROUPS),
                             row.total, OUT_OF, *engine_cells(row, backends),
                             " | ".join(row.reasons), f"{row.seconds:.1f}"])


def write_junit(rows, folder):
    """One XML file per copy: the kit's own, or one failed testcase saying why there is none."""
    folder.mkdir(parents=True, exist_ok=True)
    for row in rows:
        target = folder / f"{row.name.replace('/', '_')}.xml"
        if row.junit is not None:
            target.write_bytes(row.junit)
            continue
        suite = ElementTree.Element("testsuite", name=row.name, tests="1", failures="1",
                                    errors="0", skipped="0", time=f"{row.seconds:.3f}")
        case = ElementTree.SubElement(suite, "testcase", classname="grade-class",
                                      name=row.status, time="0.000")
        why = "; ".join(row.reasons) or row.status
        ElementTree.SubElement(case, "failure", type=row.status, message=why).text = why
        suites = ElementTree.Element("testsuites", name=row.name, tests="1", failures="1",
                                     errors="0")
        suites.append(suite)
        ElementTree.ElementTree(suites).write(target, encoding="utf-8", xml_declaration=True)
