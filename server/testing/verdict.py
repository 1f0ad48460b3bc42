"""How a check fails: with the learner's words alone, not the kit's traceback."""
import pytest

from .safe_text import safe
from .walk import NotGraded


def fail(reason):
    """Fail the check; the reason quotes the copy, so it is made safe (safe_text.py) first."""
    pytest.fail(safe(reason), pytrace=False)


def graded(find, step):
    """find(step), or a failed check saying why that step cannot be judged."""
    try:
        return find(step)
    except NotGraded as why:
        fail(str(why))
