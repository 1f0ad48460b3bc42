"""A pytest plugin: an unclosed file, socket or database fails the test that left it.

Python warns (ResourceWarning) only when the garbage collector finally
frees such an object, which may be many tests later, or never in a short
run: on Python 3.13 a leak failed one test or another by luck. Here the
garbage is collected at the end of every test's teardown, with
ResourceWarning as an error, so the test whose objects are freed is the one
that leaked them, every time. With PYTHONTRACEMALLOC=20 the message also says
where the object was made.

tests/conftest.py loads it (`pytest_plugins`), for the kit's tests too when they run with ours.
"""
import gc
import sys
import tracemalloc
import warnings

import pytest


def pytest_collection_finish(session):
    """What collection made lives to the end: frozen, each test's collection skips it (about
    ten times faster; the tests' own objects are collected as usual)."""
    gc.collect()
    gc.freeze()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item):
    """After the test's fixtures are torn down, free its garbage; a leak fails the teardown."""
    result = yield
    leaks = collect_leaks()
    if leaks:
        pytest.fail(f"{item.nodeid} left {len(leaks)} unclosed resource(s):\n"
                    + "\n".join(leaks), pytrace=False)
    return result


def collect_leaks():
    """gc.collect() with ResourceWarning as an error: one line per leak, and where it was made."""
    leaks = []

    def caught(unraisable):
        # Python only warns inside __del__, so the error arrives here, not as an exception.
        line = f"{unraisable.exc_type.__name__}: {unraisable.exc_value}"
        made = tracemalloc.get_object_traceback(unraisable.object)
        if made is not None:
            line += "\n  made at:\n" + "\n".join(f"    {frame}" for frame in made.format())
        leaks.append(line)

    previous = sys.unraisablehook
    sys.unraisablehook = caught
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ResourceWarning)
            gc.collect()
    finally:
        sys.unraisablehook = previous
    return leaks
