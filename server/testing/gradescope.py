"""Gradescope's results.json (gradescope-autograders.readthedocs.io, "Autograder Specifications").

One test per part with its points (`score` of `max_score`), its scorecard
lines and every reason in full as `output`, each followed by one test per
check and backend, worth nothing, saying what that check found; the history
last, worth nothing. The top-level `score` is the sum of the tests' scores.
Every test is `visible` to the learner; change VISIBILITY to
"after_published" to show them only once grades are published.
`extra_data` holds what `grade-class` reads back: the part, and each
backend's verdict.
"""
import json

VISIBILITY = "visible"


def results_json(grade):
    """The grade as the text of Gradescope's results.json."""
    tests = []
    parts = grade.parts + ([grade.history] if grade.history is not None else [])
    for number, part in enumerate(parts, start=1):
        tests.append(part_test(part, grade, number))
        checks = [check for check in grade.checks if check.group == part.group]
        tests += [check_test(check, grade, f"{number}.{index}")
                  for index, check in enumerate(checks, start=1)]
    results = {
        "score": float(grade.score),
        "output": f"{grade.copy_name}: {grade.summary()}",
        "visibility": VISIBILITY,
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    return json.dumps(results, indent=2, ensure_ascii=False)


def part_test(part, grade, number):
    return {
        "name": f"{part.label}: {part.topic}",
        "number": str(number),
        "score": float(part.earned), "max_score": float(part.worth),
        "status": "passed" if part.passed else "failed",
        "output": part.feedback(None if part is grade.history else grade.history),
        "tags": [part.label],
        "visibility": VISIBILITY,
        "extra_data": {"part": str(part.group), "verdicts": [
            {"backend": v.backend, "advisory": v.advisory, "passed": v.passed, "line": v.line,
             "reasons": v.reasons} for v in part.verdicts]},
    }


def check_test(check, grade, number):
    kind = "advisory" if check.backend in grade.advisory else "graded"
    return {
        "name": f"{check.name} ({kind}, no points of its own)",
        "number": number,
        "score": 0.0, "max_score": 0.0,
        "status": "passed" if check.passed else "failed",
        "output": "passed" if check.passed else (check.details or check.reason),
        "tags": [str(check.group), check.backend],
        "visibility": VISIBILITY,
        "extra_data": {"part": str(check.group), "backend": check.backend},
    }
