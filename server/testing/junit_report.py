"""The JUnit XML every grading platform reads: one test case per point, named after the copy.

It follows the common JUnit schema (Jenkins' junit-10.xsd, which pytest's
own tests use) and what CodeGrade's reader takes: a <testsuites> holding one
<testsuite> named after the copy, whose only children are <testcase>s with
a name, a classname and a time, and no <properties> anywhere. A platform
that scores the passed fraction of test cases (CodeGrade) so gives exactly
the kit's points: a part worth two points is two test cases, passed or
failed together. The part is the test case's classname ("step 3",
"models.py"). An advisory backend's verdict is a <skipped> test case, which
such platforms leave out of the fraction. Each failure's message is the
scorecard's line; its text, every reason in full.
"""
import socket
import xml.etree.ElementTree as ElementTree
from datetime import datetime, timezone

LOST = "lost point"


def junit_xml(grade):
    """The grade as JUnit XML bytes."""
    suite = ElementTree.Element("testsuite", name=grade.copy_name)
    for part in grade.parts:
        seconds = sum(c.seconds for c in grade.checks if c.group == part.group) / max(part.worth, 1)
        for number in range(1, part.worth + 1):
            case = test_case(suite, part, point_name(part, number), seconds)
            if not part.passed:
                lost = next(v for v in part.graded if not v.passed)
                failure = ElementTree.SubElement(case, "failure", type=LOST, message=lost.line)
                failure.text = part.feedback(grade.history)
        for verdict in part.verdicts:
            if verdict.advisory:
                case = test_case(suite, part, f"{part.label} on {verdict.backend} (advisory, no "
                                                "points)", 0.0)
                ElementTree.SubElement(case, "skipped", type="advisory", message=verdict.line)
    cases = list(suite)
    counts = {"tests": len(cases), "failures": sum(c.find("failure") is not None for c in cases),
              "errors": 0, "skipped": sum(c.find("skipped") is not None for c in cases)}
    total = f"{sum(c.seconds for c in grade.checks):.3f}"
    suite.attrib.update({key: str(value) for key, value in counts.items()}, time=total,
                        timestamp=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                        hostname=socket.gethostname())
    suites = ElementTree.Element("testsuites", name=grade.copy_name, time=total,
                                 **{key: str(counts[key]) for key in ("tests", "failures",
                                                                      "errors")})
    suites.append(suite)
    return ElementTree.tostring(suites, encoding="utf-8", xml_declaration=True)


def test_case(suite, part, name, seconds):
    return ElementTree.SubElement(suite, "testcase", classname=part.label, name=name,
                                  time=f"{seconds:.3f}")


def point_name(part, number):
    name = f"{part.label}: {part.topic}"
    return name if part.worth == 1 else f"{name} (point {number} of {part.worth})"
