"""The lesson's commands, run the way a learner runs them, on every engine."""
from testing.lesson import DEPARTMENT_ROWS, EMPLOYEE_ROWS

from helpers.flask_process import flask
from helpers.paths import step_models
from helpers.server_copies import copy_server


def test_flask_cli_from_server_folder(database_url, live_db, steps):
    upgraded = flask("db", "upgrade", "head", database_url=database_url)
    assert upgraded.returncode == 0, upgraded.stderr
    seeded = flask("seed", database_url=database_url)
    assert seeded.returncode == 0, seeded.stderr
    assert live_db.revision() == steps[-1].revision
    assert len(live_db.rows("departments", ["id"])) == len(DEPARTMENT_ROWS)


def test_downgrade_to_step_3_and_back_keeps_rows(runner, live_db, steps):
    """The lesson's walk: upgrade head, seed, downgrade to step 3, upgrade again."""
    step3, head = steps[2].revision, steps[-1].revision
    names = [row["name"] for row in DEPARTMENT_ROWS]

    assert runner.invoke(args=["db", "upgrade", "head"]).exit_code == 0
    assert runner.invoke(args=["seed"]).exit_code == 0

    assert runner.invoke(args=["db", "downgrade", step3]).exit_code == 0
    rows = live_db.rows("departments", ["id", "name", "address"])
    assert [row["name"] for row in rows] == names
    assert [row["address"] for row in rows] == [row["address"] for row in DEPARTMENT_ROWS]

    assert runner.invoke(args=["db", "upgrade", "head"]).exit_code == 0
    rows = live_db.rows("departments", ["id", "name", "location"])
    assert [row["location"] for row in rows] == [row["address"] for row in DEPARTMENT_ROWS]
    assert live_db.revision() == head

    check = runner.invoke(args=["db", "check"])
    assert check.exit_code == 0, check.output


def test_seed_adds_the_lesson_rows_once(runner, live_db):
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    first = runner.invoke(args=["seed"])
    second = runner.invoke(args=["seed"])
    assert first.exit_code == 0 and "Seeded 4 new rows." in first.output
    assert second.exit_code == 0 and "already there" in second.output
    employees = live_db.rows("employees", ["id", "name", "salary"])
    assert [(e["name"], e["salary"]) for e in employees] == [
        (e["name"], e["salary"]) for e in EMPLOYEE_ROWS
    ]
    departments = live_db.rows("departments", ["id", "name", "location"])
    assert [(d["name"], d["location"]) for d in departments] == [
        (d["name"], d["address"]) for d in DEPARTMENT_ROWS
    ]


def test_seed_refuses_a_database_not_at_head(runner, live_db, steps):
    step2, head = steps[1].revision, steps[-1].revision
    assert runner.invoke(args=["db", "upgrade", step2]).exit_code == 0

    result = runner.invoke(args=["seed"])

    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert step2 in lines[0] and head in lines[0] and "flask db upgrade" in lines[0]
    assert live_db.rows("employees", ["id"]) == []
    assert live_db.revision() == step2


def test_seed_refuses_an_empty_database(runner, live_db):
    result = runner.invoke(args=["seed"])
    assert result.exit_code != 0
    assert "(empty)" in result.output
    assert live_db.schema() == {}


def test_shell_starts_with_the_lesson_names(app):
    with app.app_context():
        context = app.make_shell_context()
    assert {"db", "Employee", "Department"} <= context.keys()


def test_the_lesson_starts_from_step_1_models(tmp_path):
    """The README's "do it yourself" start: no scripts, models.py with Employee only."""
    project = tmp_path / "server"
    copy_server(project)
    for script in (project / "migrations" / "versions").glob("*.py"):
        script.unlink()
    (project / "models.py").write_text(step_models(1))

    result = flask("db", "migrate", "-m", "Initial migration.", cwd=project,
                   database_url=f"sqlite:///{tmp_path / 'app.db'}")

    assert result.returncode == 0, result.stderr
    [script] = (project / "migrations" / "versions").glob("*_initial_migration.py")
    assert "op.create_table('employees'" in script.read_text()
