"""The scorecard: one line per step, printed at the end of every grading run.

Each line gives the step, the learner's revision and message, ✓ or ✗, and
the first reason a check of that step failed; the notes that follow are
things worth knowing that cost no points (a warning a migration raised, a
models.py that keeps `location` NOT NULL). One block per backend. The same
lines are what every grading platform shows the learner (grades.py).
"""
from dataclasses import dataclass

from .safe_text import safe

PASSED, FAILED = "✓", "✗"
HISTORY = "history"
MODELS = "models.py"


@dataclass(frozen=True)
class Check:
    """One check's outcome on one backend, as the scorecard and the grade read it."""

    name: str  # e.g. "test_upgrade[sqlite-step3]"
    backend: str
    group: object  # a step number, HISTORY or MODELS
    passed: bool
    reason: str | None = None  # the first line of why it failed
    details: str | None = None  # the whole of why it failed
    seconds: float = 0.0


def group_label(group):
    return f"step {group}" if isinstance(group, int) else group


class Scorecard:
    def __init__(self):
        self.history = None  # the learner's History, for the steps' revisions and messages
        self.checks = []  # every Check, in the order they ran
        self.notes = {}  # backend -> {group: [note]}

    def record(self, check):
        self.checks.append(check)

    def note(self, backend, group, text):
        text = safe(text, newlines=False)  # a warning's words come from the copy
        notes = self.notes.setdefault(backend, {}).setdefault(group, [])
        if text not in notes:
            notes.append(text)

    def backends(self):
        return list(dict.fromkeys(check.backend for check in self.checks))

    def checks_of(self, backend, group):
        return [c for c in self.checks if c.backend == backend and c.group == group]

    def groups(self, backend):
        found = {check.group for check in self.checks if check.backend == backend}
        return sorted(g for g in found if isinstance(g, int)) + [
            g for g in (HISTORY, MODELS) if g in found]

    def blocks(self):
        """{backend: [line]} for every backend that ran a check."""
        return {backend: self.lines(backend) for backend in self.backends()}

    def lines(self, backend):
        """The backend's block: a line per group, a broken history said once, then the notes."""
        lines, said = [], {}
        for group in self.groups(backend):
            reason = self.first_reason(backend, group)
            if reason is not None and reason in said:  # a broken history stops every step alike
                lines.append(self.line(backend, group, f"{FAILED} (as {said[reason]})"))
                continue
            if reason is not None:
                said[reason] = group_label(group)
            lines.append(self.line(backend, group))
        for group, notes in self.notes.get(backend, {}).items():
            lines += [f"note ({group_label(group)}): {note}" for note in notes]
        return lines

    def first_reason(self, backend, group):
        failed = [c.reason for c in self.checks_of(backend, group) if not c.passed]
        return failed[0] if failed else None

    def line(self, backend, group, verdict=None):
        """The group's line, its labels aligned as in the backend's whole block."""
        if verdict is None:
            reason = self.first_reason(backend, group)
            verdict = PASSED if reason is None else f"{FAILED} {reason}"
        width = max(len(self.label(g)) for g in self.groups(backend) or [group])
        return f"{self.label(group):<{width}}  {verdict}"

    def label(self, group):
        if not isinstance(group, int):
            return group
        migration = self.history.step(group) if self.history else None
        return f"step {group}  {migration or '(none)'}"


def failure_text(report):
    """Why a test failed, whole, as the learner should read it."""
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    return text.removeprefix("Failed: ").strip() or "failed"


def first_reason(report):
    """The first line of why a test failed, as the learner should read it."""
    return failure_text(report).splitlines()[0]
