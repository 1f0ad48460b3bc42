"""Where things are: the repository's folders and the lesson's step models."""
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[2]
SERVER_DIR = REPO_DIR / "server"
MIGRATIONS_DIR = SERVER_DIR / "migrations"
LESSON_DIR = REPO_DIR / "lesson"


def step_models(number):
    """The text of models.py at the end of lesson step `number` (lesson/stepN_models.py)."""
    return (LESSON_DIR / f"step{number}_models.py").read_text()
