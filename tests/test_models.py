"""models.py and lesson/stepN_models.py: the models at the end of each step of the lesson."""
import importlib.util

import pytest

from helpers.live_database import LiveColumn, this_repository_schema
from helpers.paths import LESSON_DIR, SERVER_DIR


def load(path):
    """Import a models file under a name of its own: each has its own `db`."""
    spec = importlib.util.spec_from_file_location(f"lesson_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def schema_of(metadata):
    return {
        table.name: {col.name: LiveColumn(bool(col.nullable), col.primary_key)
                     for col in table.columns}
        for table in metadata.tables.values()
    }


@pytest.mark.parametrize("step", [1, 2, 3, 4])
def test_each_steps_models_describe_that_steps_schema(step):
    models = load(LESSON_DIR / f"step{step}_models.py")
    assert schema_of(models.db.metadata) == this_repository_schema(step)


def test_models_py_is_the_last_steps_models():
    """Their docstrings differ; step 4's says the code below it is the same, as it is."""
    def split_at_docstring(path):
        text = path.read_text()
        end = text.index('"""', 3) + 3
        return text[:end], text[end:]

    models_doc, models_code = split_at_docstring(SERVER_DIR / "models.py")
    step4_doc, step4_code = split_at_docstring(LESSON_DIR / "step4_models.py")
    assert models_code == step4_code
    assert models_doc != step4_doc
    assert "Below this docstring it is" in step4_doc and "the same code as" in step4_doc
