"""extras/seeding.py: `flask seed` adds the rows that fit the database's step, once, safely."""
import os
import subprocess

import pytest

from helpers.flask_process import FLASK, flask_env, start_flask
from helpers.migration_copies import copy_migrations
from helpers.paths import SERVER_DIR
from testing.lesson import DEPARTMENT_ROWS, EMPLOYEE_ROWS, SCHEMA_AFTER_STEP


def departments_at_step(step):
    """(table, column saying where) of the departments at `step`, from the kit's lesson."""
    for table_name, columns in SCHEMA_AFTER_STEP[step].items():
        if table_name != "employees":
            return table_name, "address" if "address" in columns else "location"
    return None


def assert_lesson_rows(live_db, step):
    employees = live_db.rows("employees", ["id", "name", "salary"])
    assert [(e["name"], e["salary"]) for e in employees] == [
        (e["name"], e["salary"]) for e in EMPLOYEE_ROWS]
    if departments_at_step(step):
        table_name, place = departments_at_step(step)
        departments = live_db.rows(table_name, ["id", "name", place])
        assert [(d["name"], d[place]) for d in departments] == [
            (d["name"], d["address"]) for d in DEPARTMENT_ROWS]


@pytest.mark.parametrize("step", [1, 2, 3, 4])
def test_seed_fits_each_step_and_runs_twice(runner, live_db, steps, step):
    live_db.upgrade(steps[step - 1].revision, f"Upgrading to step {step}")
    added = 2 if step == 1 else 4

    first = runner.invoke(args=["seed"])
    second = runner.invoke(args=["seed"])

    assert first.exit_code == 0 and f"Seeded {added} new rows for step {step}." in first.output
    assert second.exit_code == 0 and "already there" in second.output
    assert_lesson_rows(live_db, step)


def test_seed_after_a_step_adds_only_what_is_new(runner, live_db, steps):
    live_db.upgrade(steps[0].revision, "Upgrading to step 1")
    assert runner.invoke(args=["seed"]).exit_code == 0
    live_db.upgrade(steps[-1].revision, "Upgrading to head")

    result = runner.invoke(args=["seed"])

    assert "Seeded 2 new rows for step 4." in result.output
    assert_lesson_rows(live_db, 4)


def one_line_refusal(result):
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


def test_seed_refuses_an_empty_database(runner, live_db):
    line = one_line_refusal(runner.invoke(args=["seed"]))
    assert "no migrations applied yet" in line and "flask db upgrade" in line
    assert live_db.schema() == {}


@pytest.mark.database_at_step(4)
def test_seed_refuses_a_revision_it_does_not_know(runner, live_db, steps):
    live_db.stamp_unknown("0badc0ffee00")

    line = one_line_refusal(runner.invoke(args=["seed"]))

    assert "0badc0ffee00" in line and "wrote nothing" in line
    assert live_db.rows("employees", ["id"]) == []


def test_seed_refuses_a_stamped_database_without_tables(runner, live_db, steps):
    """`flask db stamp head` on an empty database: step 4's revision, no tables."""
    assert runner.invoke(args=["db", "stamp", "head"]).exit_code == 0

    line = one_line_refusal(runner.invoke(args=["seed"]))

    assert "table employees" in line and "wrote nothing" in line
    assert set(live_db.schema()) == set()


@pytest.mark.database_at_step(4)
def test_seed_with_two_heads_is_one_line(app, runner, live_db, steps, tmp_path):
    migrations = copy_migrations(tmp_path)
    branch = (migrations / "versions" / "b4a7c4000001_branch.py")
    branch.write_text(
        f'revision = "b4a7c4000001"\ndown_revision = "{steps[2].revision}"\n'
        "branch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    pass\n\n\n"
        "def downgrade():\n    pass\n"
    )
    app.extensions["migrate"].migrate.directory = str(migrations)

    line = one_line_refusal(runner.invoke(args=["seed"]))

    assert "two heads" in line and "b4a7c4000001_branch.py" in line
    assert live_db.rows("employees", ["id"]) == []


def test_seed_on_a_read_only_file_is_one_line(tmp_path, steps):
    database = tmp_path / "app.db"
    url = f"sqlite:///{database}"
    assert flask_run("db", "upgrade", database_url=url).returncode == 0
    before = database.read_bytes()
    database.chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        result = flask_run("seed", database_url=url, read_only_files=True)
    finally:
        tmp_path.chmod(0o755)

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "readonly" in lines[0], result.stderr
    assert database.read_bytes() == before


def flask_run(*args, database_url, read_only_files=False):
    """`flask *args` from server/; `read_only_files` takes root's power to ignore file modes."""
    prefix = []
    if read_only_files and os.geteuid() == 0:
        prefix = ["setpriv", "--bounding-set=-dac_override,-fowner", "--"]
    return subprocess.run([*prefix, str(FLASK), *args], cwd=SERVER_DIR, env=flask_env(database_url),
                          capture_output=True, text=True, timeout=120)


@pytest.mark.database_at_step(4)
def test_eight_seeds_at_once_add_each_row_once(database_url, live_db, steps):
    """The migration lock makes each seed check and insert alone, on every engine."""
    seeds = [start_flask("seed", database_url=database_url) for _ in range(8)]
    outputs = [seed.communicate(timeout=120) for seed in seeds]

    assert [seed.returncode for seed in seeds] == [0] * 8, outputs
    assert sum("Seeded 4 new rows" in out for out, _ in outputs) == 1, outputs
    assert len(live_db.rows("employees", ["id"])) == 2
    assert len(live_db.rows("departments", ["id"])) == 2
