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


def main():
    for name in NOT_PASSED_ON:
        os.environ.pop(name, None)
    import pytest

    return int(pytest.main(pytest_args(KIT_DIR, sys.argv[1:])))


if __name__ == "__main__":
    sys.exit(main())
