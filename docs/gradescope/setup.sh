#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image:
# the grading kit's locked packages (Pipfile.lock, from the zip) in /autograder/venv.
set -euo pipefail
apt-get install -y -qq python3 python3-venv >/dev/null
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install -q pipenv
cd /autograder/source
VIRTUAL_ENV=/autograder/venv PIPENV_VERBOSITY=-1 /autograder/venv/bin/pipenv sync --dev
