"""The whole lesson, coded along through the real `flask` CLI from `flask lesson start`.

A copy of the repository (server/ and lesson/) stands where a learner's
clone would. Each step copies lesson/stepN_models.py over models.py, writes
the migration with `flask db migrate`, upgrades, seeds, and looks at the
page through Flask's test client, in a process of the copy's own.
"""
from helpers.code_along import CodeAlong
from helpers.paths import LESSON_DIR
from testing.lesson import DEPARTMENT_ROWS, EMPLOYEE_ROWS, SCHEMA_AFTER_STEP

MESSAGES = {1: "Initial migration.", 2: "add Department", 3: "rename department",
            4: "rename address"}
LESSONS_LOCATION = "location = db.Column(db.String, nullable=False)"
OUR_LOCATION = "location = db.Column(db.String(255))"

def step_models(step, location):
    text = (LESSON_DIR / f"step{step}_models.py").read_text()
    if step == 4:
        assert text.count(OUR_LOCATION) == 1
        text = text.replace(OUR_LOCATION, location)
    return text


def walk_the_lesson(along, location):
    """Steps 1 to 4 from an empty history; checks each step's script, seed and page."""
    for step in range(1, 5):
        (along.server / "models.py").write_text(step_models(step, location))
        before = along.scripts()
        answers = ["-x", "renames=yes"] if step >= 3 else []
        migrated, _, seeded, state = along.flask(
            ["db", "migrate", "-m", MESSAGES[step], *answers], ["db", "upgrade"], ["seed"], "page")
        assert "Detected" in migrated and "alembic.runtime.plugins" not in migrated, migrated
        (new_script,) = set(along.scripts().items()) - set(before.items())
        check_script(step, new_script[1], location)

        # Steps 1 and 2 add rows; the renames keep them, so 3 and 4 find them there.
        assert (f"for step {step}." if step <= 2 else f"for step {step} are already there") \
            in seeded, seeded

        assert [r["message"] for r in state["history"]] == [MESSAGES[n] for n in range(1, step + 1)]
        assert state["revision"]["id"] == state["head"] == state["history"][-1]["id"]
        assert state["differences"] == [], state["differences"]
        tables = {t["name"]: t for t in state["tables"]}
        assert set(tables) == set(SCHEMA_AFTER_STEP[step]), tables
        for name, t in tables.items():
            assert [c["name"] for c in t["columns"]] == list(SCHEMA_AFTER_STEP[step][name]), t
            assert t["rows"] == 2, t


def check_script(step, script, location):
    if step == 3:
        assert "op.rename_table('department', 'departments')" in script, script
        assert "drop_table" not in script, script
    if step == 4:
        assert "new_column_name='location'" in script and "drop_column" not in script, script
        if "nullable=False" in location:
            assert "nullable=False" in script, script


def test_code_along_from_lesson_start_to_head_and_back(tmp_path, backend, database_url):
    """SQLite the README's way, with step 4 as the lesson text writes it (NOT NULL); the
    servers through DATABASE_URL, with this repository's step 4 (MariaDB needs a length)."""
    if backend.server_url is None:
        code_along_and_restore(CodeAlong(tmp_path / "clone"), LESSONS_LOCATION)
    else:
        code_along_and_restore(CodeAlong(tmp_path / "clone", database_url), OUR_LOCATION)


def code_along_and_restore(along, location):
    on_server = along.database_file is None
    emptied = [["db", "downgrade", "base"]] if on_server else []  # a server is emptied by hand
    finished_work = along.flask(["db", "upgrade"], ["seed"], *emptied)
    finished = along.files()

    (started,) = along.flask(["lesson", "start"])

    (backup,) = (along.server / "instance" / "lesson-backups").iterdir()
    assert backup.name in started and len(finished_work) == 2 + len(emptied)
    step1 = (LESSON_DIR / "step1_models.py").read_bytes()
    assert (along.server / "models.py").read_bytes() == step1
    assert along.scripts() == {}
    assert on_server or not along.database_file.exists()
    (empty,) = along.flask("page")
    assert empty["revision"] is None and empty["history"] == [] and empty["tables"] == []

    walk_the_lesson(along, location)

    employees = along.rows("employees", ["name", "salary"])
    assert sorted(employees, key=str) == sorted(
        ({"name": e["name"], "salary": e["salary"]} for e in EMPLOYEE_ROWS), key=str)
    departments = along.rows("departments", ["name", "location"])
    assert sorted(departments, key=str) == sorted(
        ({"name": d["name"], "location": d["address"]} for d in DEPARTMENT_ROWS), key=str)

    along.flask(*emptied, ["lesson", "restore", backup.name])

    assert along.files() == finished
