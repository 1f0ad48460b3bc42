"""`python -m class_grading`, from the top folder: `pipenv run grade-class`."""
from .cli import main

main()
