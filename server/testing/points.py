"""What each part of the lesson is worth: the one place to change the points.

A point per step and one for models.py by default. Every output of the kit
uses these numbers: the scorecard's total, the JUnit XML (one test case per
point), Gradescope's results.json and `pipenv run grade-class`'s table. The
GitHub Classroom workflow (.github/workflows/classroom.yml) states each
step's points as its `max-score`; a test fails when they differ from these.
The history earns no points of its own: when it is not the lesson's, every
step it breaks is lost.
"""
from .scorecard import MODELS

POINTS = {1: 1, 2: 1, 3: 1, 4: 1, MODELS: 1}
