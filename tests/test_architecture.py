"""The shape of server/extras, read from its imports: layers, click's one home, a lesson apart.

extras/core is the bottom layer; the features stand on it, and extras/__init__
on them. Counting floors, a module that imports nothing of extras is on the
first, and every other one stands one floor above the highest it imports.
"""
import ast

from helpers.paths import SERVER_DIR

EXTRAS = SERVER_DIR / "extras"
MAX_FLOORS = 4


def module_name(path):
    parts = path.relative_to(SERVER_DIR).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path, root=SERVER_DIR):
    """Every module `path` imports by name (`from a.b import c` counts a.b and a.b.c).

    Modules are named from `root`, so a relative import is too: `from .runner
    import x` in class_grading/cli.py counts class_grading.runner.
    """
    package = path.relative_to(root).parent.parts
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                kept = package[:len(package) - node.level + 1]
                base = ".".join([*kept, *([base] if base else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def extras_graph():
    """{module: the extras modules it imports}, for every module in server/extras."""
    modules = {module_name(path): path for path in EXTRAS.rglob("*.py")}
    return {name: sorted(imported_modules(path) & set(modules) - {name})
            for name, path in modules.items()}


def floors(graph):
    found = {}

    def floor(name, path=()):
        assert name not in path, f"an import cycle: {' -> '.join(path + (name,))}"
        if name not in found:
            found[name] = 1 + max((floor(used, path + (name,)) for used in graph[name]),
                                  default=0)
        return found[name]

    for name in graph:
        floor(name)
    return found


def test_extras_stands_on_at_most_four_floors():
    graph = extras_graph()
    found = floors(graph)
    highest = max(found.values())
    chain = [max(found, key=found.get)]
    while graph[chain[-1]]:
        chain.append(max(graph[chain[-1]], key=found.get))
    assert highest <= MAX_FLOORS, f"{highest} floors: {' -> '.join(chain)}"
    assert found["extras"] == highest, "extras/__init__ should be the top: it wires the rest"


def test_the_bottom_layer_imports_nothing_above_it():
    graph = extras_graph()
    for name, used in graph.items():
        if name.startswith("extras.core"):
            above = [module for module in used if not module.startswith("extras.core")]
            assert not above, f"{name} imports {above}"


def test_click_is_imported_only_by_the_command_modules():
    for path in EXTRAS.rglob("*.py"):
        uses_click = any(name == "click" or name.startswith("click.")
                         for name in imported_modules(path))
        in_commands = path.parent == EXTRAS / "commands"
        assert not uses_click or in_commands, f"{path.relative_to(SERVER_DIR)} imports click"


def test_the_lesson_and_the_kit_import_nothing_from_extras_but_app_py():
    """env.py reaches the safety nets through app.extensions; models.py and the kit, never."""
    lesson = [SERVER_DIR / "models.py", SERVER_DIR / "migrations" / "env.py",
              *(SERVER_DIR / "migrations" / "versions").glob("*.py"),
              *(SERVER_DIR / "testing").glob("*.py")]
    for path in lesson:
        used = [name for name in imported_modules(path) if name.split(".")[0] == "extras"]
        assert not used, f"{path.relative_to(SERVER_DIR)} imports {used}"


def test_the_grader_uses_the_kit_as_a_library_and_nothing_of_the_app():
    for path in (SERVER_DIR.parent / "class_grading").glob("*.py"):
        names = imported_modules(path, root=SERVER_DIR.parent)
        assert not [n for n in names if n.split(".")[0] in ("extras", "app", "models")], path
        assert "sys.path" not in path.read_text() or path.name == "preloaded_kit.py", path


def test_what_extras_and_the_kit_both_know_is_the_same():
    """Two small facts written twice on purpose, so no `flask` command imports the kit's
    database module: Alembic's table, and how a reflected type is named."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import Integer, String, create_engine
    from sqlalchemy.dialects import mysql, postgresql, sqlite
    from sqlalchemy.types import NullType

    from extras.core import database as ours
    from testing import database as kits

    engine = create_engine("sqlite://")
    with engine.connect() as connection:
        assert MigrationContext.configure(connection)._version.name == ours.VERSION_TABLE
    engine.dispose()  # the pool's connection, closed now rather than by the garbage collector
    assert ours.VERSION_TABLE == kits.VERSION_TABLE
    for dialect in (sqlite.dialect(), postgresql.dialect(), mysql.dialect()):
        for sql_type in (Integer(), String(255), NullType()):
            assert ours.type_name(sql_type, dialect) == kits.type_name(sql_type, dialect)
