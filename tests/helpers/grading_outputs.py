"""What the grading platforms read, read as they read it, and checked against their rules.

JUnit XML: the element and attribute rules of the common JUnit schema
(Jenkins' junit-10.xsd, which pytest's own tests validate against), then
the reading of CodeGrade's AutoTest (its `CGJunit`): every child of a
<testsuite> is a <testcase>, whose first child, if any, says how it ended;
`tests`, `failures`, `errors` and `skipped` must match the cases; the
score is the weight of passed cases over that of cases not skipped.
results.json: the fields of Gradescope's "Autograder Specifications".
Each reader fails with an AssertionError saying which rule is broken.
"""
import json
import re
import xml.etree.ElementTree as ElementTree

from testing.points import POINTS

# junit-10.xsd: {element: (allowed attributes, required attributes, allowed children)}.
JUNIT_SCHEMA = {
    "testsuites": ({"name", "time", "tests", "failures", "errors"}, set(), {"testsuite"}),
    "testsuite": ({"name", "tests", "failures", "errors", "group", "time", "skipped",
                   "timestamp", "hostname", "id", "package", "file", "log", "url", "version"},
                  {"name", "tests", "failures", "errors"},
                  {"testsuite", "properties", "testcase", "system-out", "system-err"}),
    "properties": (set(), set(), {"property"}),
    "property": ({"name", "value"}, {"name", "value"}, set()),
    "testcase": ({"name", "time", "classname", "group"}, {"name"},
                 {"skipped", "errors", "failure", "rerunFailure", "rerunError", "flakyFailure",
                  "flakyError", "system-out", "system-err"}),
    "failure": ({"type", "message"}, set(), set()),
    "skipped": ({"type", "message"}, set(), set()),
    "errors": ({"type", "message"}, set(), set()),
    "system-out": (set(), set(), set()),
    "system-err": (set(), set(), set()),
}
SUREFIRE_TIME = re.compile(r"^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]{0,3})?$")
GRADESCOPE_VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
GRADESCOPE_TOP = {"score", "execution_time", "output", "output_format", "test_output_format",
                  "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests",
                  "leaderboard"}
GRADESCOPE_TEST = {"score", "max_score", "status", "name", "name_format", "number", "output",
                   "output_format", "tags", "visibility", "extra_data"}


def check_junit_schema(element):
    assert element.tag in JUNIT_SCHEMA, f"<{element.tag}> is not in the JUnit schema"
    allowed, required, children = JUNIT_SCHEMA[element.tag]
    assert set(element.attrib) <= allowed, (element.tag, set(element.attrib) - allowed)
    assert required <= set(element.attrib), (element.tag, required - set(element.attrib))
    for name in ("time",):
        if name in element.attrib and element.tag in ("testsuite", "testsuites"):
            assert SUREFIRE_TIME.match(element.attrib[name]), (element.tag, element.attrib)
    for child in element:
        assert child.tag in children, f"<{child.tag}> inside <{element.tag}>"
        check_junit_schema(child)


def codegrade_cases(xml_bytes):
    """[(classname, name, outcome, message)] as CodeGrade's reader takes them; its rules hold."""
    root = ElementTree.fromstring(xml_bytes)
    check_junit_schema(root)
    suites = list(root) if root.tag == "testsuites" else [root]
    cases = []
    for suite in suites:
        assert suite.tag == "testsuite", suite.tag
        assert {"name", "errors", "failures", "tests"} <= set(suite.attrib), suite.attrib
        found = []
        for case in suite:
            assert case.tag == "testcase", f"CodeGrade reads only <testcase> in a suite: {case.tag}"
            assert {"name", "classname"} <= set(case.attrib), case.attrib
            float(case.attrib["time"])  # CodeGrade needs it, and a number
            first = case[0] if len(case) else None
            outcome = "passed" if first is None else first.tag
            assert outcome in ("passed", "failure", "error", "skipped"), outcome
            found.append((case.get("classname"), case.get("name"), outcome,
                          None if first is None else first.get("message")))
        for outcome, attribute in (("failure", "failures"), ("error", "errors"),
                                   ("skipped", "skipped")):
            assert sum(c[2] == outcome for c in found) == int(suite.get(attribute, 0)), (
                attribute, suite.attrib)
        assert len(found) == int(suite.get("tests")), suite.attrib
        cases += found
    return cases


def junit_points(xml_bytes, max_points):
    """The points a CodeGrade unit test step worth `max_points` gives: the passed fraction."""
    cases = codegrade_cases(xml_bytes)
    counted = [case for case in cases if case[2] != "skipped"]
    passed = sum(case[2] == "passed" for case in counted)
    points = max_points * passed / len(counted)
    assert points == int(points), (passed, len(counted))
    return int(points)


def results_points(text):
    """{part: score} from results.json, once its fields follow Gradescope's specification."""
    results = json.loads(text)
    assert set(results) <= GRADESCOPE_TOP, set(results) - GRADESCOPE_TOP
    assert results["visibility"] in GRADESCOPE_VISIBILITY, results["visibility"]
    tests = results["tests"]
    for test in tests:
        assert set(test) <= GRADESCOPE_TEST, set(test) - GRADESCOPE_TEST
        assert 0 <= test["score"] <= test["max_score"], test
        assert test["status"] in ("passed", "failed"), test
        assert test["visibility"] in GRADESCOPE_VISIBILITY, test
        assert isinstance(test["output"], str) and isinstance(test["name"], str), test
    assert results["score"] == sum(test["score"] for test in tests), results["score"]
    scored = [test for test in tests if test["max_score"] > 0]
    parts = [test["extra_data"]["part"] for test in scored]
    assert sorted(parts) == sorted(set(parts)), f"a part has more than one entry: {parts}"
    worth = {str(part): points for part, points in POINTS.items()}
    for test in scored:
        assert test["max_score"] == worth[test["extra_data"]["part"]], test
    return {test["extra_data"]["part"]: test["score"] for test in scored}
