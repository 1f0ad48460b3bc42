"""The schema page under load while migrations run: no 500, no answer that mixes two moments.

A small run of benchmarks/page_hammer.py (docs/performance.md has the big
one): 200 requests, 10 at a time, while another process upgrades to head
and downgrades to base in a loop, on every backend.
"""
from benchmarks.page_hammer import hammer

REQUESTS, AT_ONCE = 100, 10
# The loop rests between runs, as a learner does, so that the page also reads between them;
# and the page gives up on a lock sooner than a learner's (MariaDB rounds it up to 1 s).
PAUSE, LOCK_WAIT = 0.3, 0.5


def test_the_page_answers_200_or_503_and_never_mixes_two_moments(backend, database_url):
    hammered = hammer(database_url, str(backend), REQUESTS, AT_ONCE, PAUSE, LOCK_WAIT)

    examples = "\n".join(f"first {kind}: {text[:400]}" for kind, text in hammered.examples.items())
    assert sum(hammered.answers.values()) == REQUESTS
    assert hammered.bad == 0, f"{hammered.line()}\n{examples}"
    assert hammered.answers["200 consistent"] > 0, hammered.line()
    assert hammered.migration_runs >= 2, f"the migrations must run meanwhile: {hammered.line()}"
    assert not hammered.migration_failures, hammered.migration_failures
