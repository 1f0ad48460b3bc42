"""The grade of one run: the points of each part, and the scorecard's words for every lost one.

A part (a step, or models.py) earns its points (points.py) when every one
of its checks passed on every graded backend; an advisory backend
(ADVISORY_DATABASE_URLS) is reported the same way and costs nothing. A part
whose checks did not run (deselected) earns nothing. Every platform's
output (junit_report.py, gradescope.py, the terminal) is written from a
Grade, so they all give the same points in the same words.
"""
from dataclasses import dataclass, field

from .lesson import STEP_TOPICS
from .points import POINTS
from .scorecard import FAILED, HISTORY, MODELS, group_label

TOPICS = {**STEP_TOPICS, MODELS: "describes the lesson's tables at its end",
          HISTORY: "the history is the lesson's four migrations in one line"}
NOT_CHECKED = "not checked in this run"


@dataclass
class Verdict:
    """One part on one backend: the scorecard line and every reason it failed."""

    backend: str
    advisory: bool
    passed: bool
    line: str
    reasons: list = field(default_factory=list)  # each failed check's whole text, once


@dataclass
class Part:
    group: object  # a step number, MODELS or HISTORY
    worth: int
    verdicts: list  # graded backends first, then advisory ones

    @property
    def label(self):
        return group_label(self.group)

    @property
    def topic(self):
        return TOPICS[self.group]

    @property
    def graded(self):
        return [v for v in self.verdicts if not v.advisory]

    @property
    def passed(self):
        return all(v.passed for v in self.graded)

    @property
    def earned(self):
        return self.worth if self.passed else 0

    def feedback(self, history=None):
        """What the learner reads for this part: its scorecard lines, then every reason in full.

        A part lost because of the history also gets the history's words.
        """
        text = "\n".join(v.line + (" (advisory: costs no points)" if v.advisory else "")
                         for v in self.verdicts)
        reasons = list(dict.fromkeys(r for v in self.verdicts for r in v.reasons))
        if reasons:
            text += "\n\n" + "\n\n".join(reasons)
        if history is not None and not self.passed and not history.passed:
            text += "\n\n" + history.feedback()
        return text


@dataclass
class Grade:
    copy_name: str
    parts: list  # the parts that earn points, in the lesson's order
    history: Part | None
    checks: list  # every Check of the run

    @property
    def score(self):
        return sum(part.earned for part in self.parts)

    @property
    def max_score(self):
        return sum(part.worth for part in self.parts)

    @property
    def advisory(self):
        return list(dict.fromkeys(v.backend for part in self.parts for v in part.verdicts
                                  if v.advisory))

    def summary(self):
        """One line: the points, part by part, and what advisory backends cost (nothing)."""
        each = ", ".join(f"{part.label} {part.earned}/{part.worth}" for part in self.parts)
        line = f"{self.score}/{self.max_score} points ({each})"
        if self.advisory:
            line += f"; advisory, costing no points: {', '.join(self.advisory)}"
        return line


def grade_of(scorecard, backends, copy_name, only=None):
    """The Grade of a run from its scorecard; `only` limits it to one part (a group)."""
    groups = [group for group in POINTS if only is None or group == only]
    parts = [part_of(scorecard, backends, group, POINTS[group]) for group in groups]
    history = part_of(scorecard, backends, HISTORY, 0) if only is None else None
    return Grade(copy_name, parts, history, list(scorecard.checks))


def part_of(scorecard, backends, group, worth):
    verdicts = []
    for backend in sorted(backends, key=lambda b: b.advisory):
        checks = scorecard.checks_of(backend.name, group)
        if not checks:
            if backend.advisory and backend.name not in scorecard.backends():
                continue
            verdicts.append(Verdict(backend.name, backend.advisory, False,
                                    f"{group_label(group)}  {FAILED} {NOT_CHECKED}", [NOT_CHECKED]))
            continue
        failed = [check for check in checks if not check.passed]
        reasons = list(dict.fromkeys(check.details or check.reason for check in failed))
        verdicts.append(Verdict(backend.name, backend.advisory, not failed,
                                scorecard.line(backend.name, group), reasons))
    return Part(group, worth, verdicts)
