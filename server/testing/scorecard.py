"""The scorecard: one line per step, printed at the end of every grading run.

Each line gives the step, the learner's revision and message, ✓ or ✗, and
the first reason a check of that step failed; the notes that follow are
things worth knowing that cost no points (a warning a migration raised, a
models.py that keeps `location` NOT NULL). One block per backend.
"""
PASSED, FAILED = "✓", "✗"
HISTORY = "history"
MODELS = "models.py"


class Scorecard:
    def __init__(self):
        self.history = None  # the learner's History, for the steps' revisions and messages
        self.outcomes = {}  # backend -> {group: [(passed, reason)]}
        self.notes = {}  # backend -> {group: [note]}

    def record(self, backend, group, passed, reason=None):
        self.outcomes.setdefault(backend, {}).setdefault(group, []).append((passed, reason))

    def note(self, backend, group, text):
        notes = self.notes.setdefault(backend, {}).setdefault(group, [])
        if text not in notes:
            notes.append(text)

    def blocks(self):
        """{backend: [line]} for every backend that ran a check."""
        return {backend: self.lines(backend) for backend in self.outcomes}

    def lines(self, backend):
        groups = self.outcomes[backend]
        ordered = sorted(g for g in groups if isinstance(g, int)) + [
            g for g in (HISTORY, MODELS) if g in groups]
        labels = {group: self.label(group) for group in ordered}
        width = max(len(label) for label in labels.values())
        lines, said = [], {}
        for group in ordered:
            failed = [reason for passed, reason in groups[group] if not passed]
            if not failed:
                verdict = PASSED
            elif failed[0] in said:  # a broken history stops every step alike
                verdict = f"{FAILED} (as {said[failed[0]]})"
            else:
                verdict = f"{FAILED} {failed[0]}"
                said[failed[0]] = group if not isinstance(group, int) else f"step {group}"
            lines.append(f"{labels[group]:<{width}}  {verdict}")
        for group, notes in self.notes.get(backend, {}).items():
            where = f"step {group}" if isinstance(group, int) else group
            lines += [f"note ({where}): {note}" for note in notes]
        return lines

    def label(self, group):
        if not isinstance(group, int):
            return group
        migration = self.history.step(group) if self.history else None
        return f"step {group}  {migration or '(none)'}"


def first_reason(report):
    """The first line of why a test failed, as the learner should read it."""
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    text = text.removeprefix("Failed: ")
    return text.strip().splitlines()[0] if text.strip() else "failed"
