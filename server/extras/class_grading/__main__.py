"""`python -m server.extras.class_grading` from the top folder: what `pipenv run grade-class` runs."""
from .cli import main

main()
