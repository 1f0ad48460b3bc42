"""Grade this copy: `python server/testing/grade.py` from anywhere (docs/grading.md).

It prints the scorecard and the grade line; `-v` adds pytest's own report
(each check, the failures in full, the counts), as does any other option of
pytest's report (-q, --durations, -r, --tb). The copy's code runs in
child processes only (learner_process.py); this process judges and writes.

The kit runs with its own pytest settings alone (kit.ini), so that nothing
in the copy configures the grader: no conftest.py of the copy's outside
this folder (none in tests/, none in a folder named like the copy), none
of its pytest.ini, pyproject.toml, setup.cfg or tox.ini options, no
PYTEST_ADDOPTS or PYTEST_PLUGINS, no installed plugin, no cache, and only
this folder's codegrade_test.py is collected. This folder is taken off the
front of sys.path before anything is imported, so a learner's file here
(argparse.py, pytest.py) cannot stand in for a library; the libraries the
kit uses are imported before pytest puts the copy's server folder on
sys.path, so a server/flask_migrate.py stands in for nothing either. The
kit's own options (`--only 3`, `--gradescope FILE`, `--copy-name NAME`,
and pytest's `--junitxml FILE`) are given to pytest as one word each, so
that no value of theirs is ever taken for a folder to collect.

Plain Python and pytest: grade-class (class_grading/) builds the same
command line with pytest_args().
"""
import sys

if __name__ == "__main__":
    del sys.path[0]  # this folder: see above

import importlib  # noqa: E402
import os  # noqa: E402
from pathlib import Path  # noqa: E402

KIT_DIR = Path(__file__).resolve().parent
NOT_PASSED_ON = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")
VALUE_OPTIONS = ("--only", "--gradescope", "--copy-name", "--junitxml", "--junit-xml",
                 "--basetemp")
# pytest's own report options: with any of them, pytest's report is shown too.
REPORT_OPTIONS = ("-v", "-q", "--verbose", "--quiet", "--durations", "-r", "--tb")
# Everything the kit imports from outside itself, imported before the copy is on sys.path.
# The child processes that run the copy's code inherit them: as `nobody` (learner_process.py)
# they may not be able to read the environment's files, so what a migration and a stock
# env.py import is here too.
LIBRARIES = ("sqlite3", "json", "xml.etree.ElementTree", "select", "ctypes", "logging.config",
             "flask", "flask_sqlalchemy", "flask_sqlalchemy.cli", "flask_migrate",
             "flask_migrate.cli",
             "alembic.command", "alembic.autogenerate", "alembic.runtime.migration", "alembic.op",
             "alembic.context", "alembic.ddl.sqlite", "alembic.ddl.postgresql",
             "alembic.ddl.mysql", "sqlalchemy", "sqlalchemy.dialects.sqlite",
             "sqlalchemy.dialects.postgresql", "sqlalchemy.dialects.mysql", "psycopg", "pymysql")


def one_word(args):
    """`--copy-name NAME` as `--copy-name=NAME`, and so on for every option with a value."""
    joined, args = [], list(args)
    while args:
        arg = args.pop(0)
        if arg in VALUE_OPTIONS and args:
            arg = f"{arg}={args.pop(0)}"
        joined.append(arg)
    return joined


def pytest_args(kit_dir, extra=()):
    """The command line that runs the kit in `kit_dir` (a copy's server/testing) and nothing
    else of the copy's."""
    kit_dir = Path(kit_dir)
    return [str(kit_dir / "codegrade_test.py"), "-c", str(kit_dir / "kit.ini"),
            "--rootdir", str(kit_dir.parent.parent), "--confcutdir", str(kit_dir),
            "--disable-plugin-autoload", "-p", "no:cacheprovider", "-p", "no:stepwise",
            # Its garbage collections at the end cost 0.15 s of the 1.5 s a copy takes; the
            # kit's own code raises nothing unraisable, and the copy's runs in other processes.
            "-p", "no:unraisableexception",
            *one_word(extra)]


def preload():
    """Import the libraries the kit uses from the environment alone, with neither the copy's
    top folder nor its server folder on sys.path (see above)."""
    copy = {str(KIT_DIR.parent), str(KIT_DIR.parent.parent)}
    saved = sys.path[:]
    sys.path[:] = [p for p in sys.path if p not in ("", ".") and
                   os.path.realpath(p) not in copy]
    try:
        for name in LIBRARIES:
            try:
                importlib.import_module(name)
            except ImportError:  # a driver this environment does not have: never used then
                pass
    finally:
        sys.path[:] = saved


def bad_input(argv):
    """One line saying what is wrong with the kit's own options in `argv`, or None."""
    values = dict(zip(argv, argv[1:], strict=False))
    values.update(arg.split("=", 1) for arg in argv if arg.startswith("--") and "=" in arg)
    only = values.get("--only")
    parts = ("1", "2", "3", "4", "models.py")  # points.py's parts; this file imports no kit module
    if "--only" in values and only not in parts:
        return f"--only takes one of {', '.join(parts)}, not {only!r}"
    for option in ("--gradescope", "--junitxml"):
        if option in values and not Path(values[option]).expanduser().absolute().parent.is_dir():
            return f"{option}: the folder {Path(values[option]).parent} does not exist"
    return None


def main():
    argv = sys.argv[1:]
    problem = bad_input(argv)
    if problem:
        print(f"grade.py: {problem}", file=sys.stderr)
        return 2
    for name in NOT_PASSED_ON:
        os.environ.pop(name, None)
    preload()
    import pytest

    verbose = any(arg.startswith(REPORT_OPTIONS) for arg in argv)
    quiet = [] if verbose else ["-p", "no:terminal"]  # the scorecard alone (conftest.py)
    code = int(pytest.main(pytest_args(KIT_DIR, quiet + argv)))
    if code not in (0, 1) and not verbose:
        print(f"grade.py: the kit could not grade this copy (pytest's exit code {code}); "
              "`-v` shows why", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
