"""Grade this copy: `python server/testing/grade.py` from anywhere (docs/grading.md).

The kit runs with its own pytest settings alone (kit.ini), so that a copy
cannot grade itself: no conftest.py of the copy's outside this folder, none
of its pytest.ini, pyproject.toml, setup.cfg or tox.ini options, no
PYTEST_ADDOPTS or PYTEST_PLUGINS, no installed plugin but pytest-alembic,
and only this folder's codegrade_test.py is collected. This folder is taken
off the front of sys.path before anything is imported, so a learner's file
here (argparse.py, pytest.py) cannot stand in for a library, and the copy's
top folder is never put there (as `python -m pytest` would). Every other
option is pytest's or the kit's own (conftest.py): `--only 3`,
`--junitxml FILE`, `--gradescope FILE`, `--copy-name NAME`.

Plain Python and pytest: grade-class (class_grading/) builds the same
command line with pytest_args().
"""
import sys

if __name__ == "__main__":
    del sys.path[0]  # this folder: see above

import os  # noqa: E402
from pathlib import Path  # noqa: E402

KIT_DIR = Path(__file__).resolve().parent
NOT_PASSED_ON = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")


def pytest_args(kit_dir, extra=()):
    """The command line that runs the kit in `kit_dir` (a copy's server/testing) and nothing
    else of the copy's."""
    kit_dir = Path(kit_dir)
    return [str(kit_dir / "codegrade_test.py"), "-c", str(kit_dir / "kit.ini"),
            "--rootdir", str(kit_dir.parent.parent), "--confcutdir", str(kit_dir),
            "--disable-plugin-autoload", "-p", "pytest_alembic.plugin",
            "-p", "no:cacheprovider", *extra]


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
    import pytest

    return int(pytest.main(pytest_args(KIT_DIR, argv)))


if __name__ == "__main__":
    sys.exit(main())
