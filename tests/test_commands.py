"""extras/commands.py: `flask seed` adds the lesson's rows once, and only to a database at head."""
from helpers.migration_copies import copy_migrations
from testing.lesson import DEPARTMENT_ROWS, EMPLOYEE_ROWS


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


def test_seed_with_two_heads_is_one_line(app, runner, live_db, steps, tmp_path):
    live_db.upgrade(steps[-1].revision, "Upgrading to head")
    migrations = copy_migrations(tmp_path)
    branch = (migrations / "versions" / "b4a7c4000001_branch.py")
    branch.write_text(
        f'revision = "b4a7c4000001"\ndown_revision = "{steps[2].revision}"\n'
        "branch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    pass\n\n\n"
        "def downgrade():\n    pass\n"
    )
    app.extensions["migrate"].migrate.directory = str(migrations)

    result = runner.invoke(args=["seed"])

    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "two heads" in result.output and "b4a7c4000001_branch.py" in result.output, result.output
    assert live_db.rows("employees", ["id"]) == []
