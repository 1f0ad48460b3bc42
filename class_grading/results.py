"""One row per copy: its points, from the kit's own JUnit XML; the table, CSV and JUnit of them.

A point per step (1 to 4) and one for models.py: earned when every check
of that group passed on every database kind. The kit tags each JUnit
testcase with its `backend` and `step` (server/testing/conftest.py), and
each failure's message is the reason in the learner's words. The history
earns no point of its own, but when it fails its reason is shown too: a
broken history is why every step failed.
"""
import csv
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field

POINT_GROUPS = ("1", "2", "3", "4", "models.py")
HEADINGS = ("step 1", "step 2", "step 3", "step 4", "models.py")
HISTORY = "history"
GRADED = "graded"
TIMED_OUT = "timed out"
NOT_FINISHED = "not finished"
CSV_COLUMNS = ("name", "status", *HEADINGS, "total", "out of", "reasons", "seconds")
SETUP_FAILURE = re.compile(r'^failed on \w+ with "(.*)"$', re.S)


@dataclass
class Row:
    name: str
    status: str  # GRADED, TIMED_OUT, NOT_FINISHED, or copies.NOT_A_LESSON / UNREADABLE
    points: dict = field(default_factory=lambda: dict.fromkeys(POINT_GROUPS, 0))
    reasons: list = field(default_factory=list)  # "step 3: why", one per lost point, or why not
    seconds: float = 0.0
    peak_rss: int = 0  # bytes, of the copy's kit run
    junit: bytes | None = None  # the kit's JUnit XML, when it wrote one

    @property
    def total(self):
        return sum(self.points.values())


def row_from_junit(name, xml_bytes, backends):
    """The Row of a finished kit run. `backends` orders the reasons: SQLite's first."""
    testcases = list(ElementTree.fromstring(xml_bytes).iter("testcase"))
    failures = {}  # group -> [(backend order, place in the file, " (backend)", reason)]
    groups_seen = set()
    for place, case in enumerate(testcases):
        properties = {p.get("name"): p.get("value") for p in case.iter("property")}
        group = properties.get("step")
        if group is None:
            continue
        groups_seen.add(group)
        failed = case.find("failure")
        if failed is None:
            failed = case.find("error")
        if failed is not None:
            backend = properties.get("backend")
            order = backends.index(backend) if backend in backends else len(backends)
            where = "" if order == 0 else f" ({backend})"
            failures.setdefault(group, []).append((order, place, where, reason(failed)))
    if not groups_seen:
        first = next((c for c in testcases if c.find("error") is not None
                      or c.find("failure") is not None), None)
        why = reason(first.find("error") if first.find("error") is not None
                     else first.find("failure")) if first is not None else "no checks ran"
        return Row(name, NOT_FINISHED, reasons=[f"the kit could not run: {why}"], junit=xml_bytes)
    row = Row(name, GRADED, junit=xml_bytes)
    said = {}
    for group, heading in zip(POINT_GROUPS, HEADINGS, strict=True):
        if group in failures or group not in groups_seen:
            row.points[group] = 0
            _, _, where, why = min(failures.get(group, [(0, 0, "", "not checked")]))
            row.reasons.append(f"{heading}{where}: {said.get(why, why)}")
            said.setdefault(why, f"as {heading}")
        else:
            row.points[group] = 1
    if HISTORY in failures:
        _, _, where, why = min(failures[HISTORY])
        row.reasons.append(f"history{where}: {why}")
    return row


def reason(element):
    """The first line of a JUnit failure's message, as the kit's scorecard words it."""
    text = element.get("message") or element.text or "failed"
    matched = SETUP_FAILURE.match(text.strip())
    text = (matched.group(1) if matched else text).strip().removeprefix("Failed: ")
    lines = text.strip().splitlines()
    return lines[0] if lines else "failed"


def table(rows, width=None):
    """The results as text: one line per copy, then one per further lost point's reason.

    `width` (a terminal's) cuts long reasons to fit; without it they are whole.
    """
    name_width = max([len("copy")] + [len(row.name) for row in rows])
    heading = (f"{'copy':<{name_width}}  " + "  ".join(HEADINGS) + "  total  "
               "first reason per lost point")
    cells = [len(h) for h in HEADINGS]
    lines = [heading]
    for row in rows:
        if row.status == GRADED:
            points = "  ".join(f"{row.points[group]:>{width}}"
                               for group, width in zip(POINT_GROUPS, cells, strict=True))
        else:
            points = "  ".join(f"{'-':>{width}}" for width in cells)
        total = f"{row.total}/{len(POINT_GROUPS)}"
        start = f"{row.name:<{name_width}}  {points}  {total:>5}  "
        reasons = row.reasons or [""]
        for number, why in enumerate(reasons):
            lead = start if number == 0 else " " * len(start)
            line = (lead + why).rstrip()
            if width and len(line) > width:
                line = line[:width - 1] + "…"
            lines.append(line)
    graded = sum(row.status == GRADED for row in rows)
    lines.append(f"{len(rows)} copies: {graded} graded, {len(rows) - graded} not")
    return "\n".join(lines)


def write_csv(rows, path):
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            writer.writerow([row.name, row.status, *(row.points[g] for g in POINT_GROUPS),
                             row.total, len(POINT_GROUPS), " | ".join(row.reasons),
                             f"{row.seconds:.1f}"])


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
                                      name=row.status.replace(" ", "_"))
        why = "; ".join(row.reasons) or row.status
        ElementTree.SubElement(case, "failure", message=why).text = why
        suites = ElementTree.Element("testsuites")
        suites.append(suite)
        ElementTree.ElementTree(suites).write(target, encoding="utf-8", xml_declaration=True)
