"""The lesson's own commands, run the way a learner runs them, on every backend.

The `flask` executable from server/, the walk down to step 3 and back, a
start from step 1's models, and the `--sql` previews.
"""
import re

from helpers.flask_process import flask
from helpers.paths import step_models
from helpers.server_copies import copy_server
from testing.lesson import DEPARTMENT_ROWS


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


# `--sql` previews: look at the SQL before you run it, on every backend.


def test_upgrade_sql_renders_every_step(runner, steps, live_db):
    result = runner.invoke(args=["db", "upgrade", "--sql"])
    assert result.exit_code == 0, result.output
    sql = result.output
    previous = ""
    for step in steps:
        assert f"Running upgrade {previous} -> {step.revision}" in sql, f"{step} is not shown"
        previous = step.revision
    step3 = section(sql, "upgrade", steps[2].revision)
    step4 = section(sql, "upgrade", steps[3].revision)
    assert "RENAME" in step3.upper() and "DROP TABLE" not in step3.upper(), step3
    assert "location" in step4 and "DROP" not in step4.upper(), step4
    assert live_db.schema() == {}, "a --sql preview must not touch the database"


def test_downgrade_sql_renders_every_step(runner, steps):
    head = steps[-1].revision
    result = runner.invoke(args=["db", "downgrade", "--sql", f"{head}:base"])
    assert result.exit_code == 0, result.output
    for step in steps:
        assert f"Running downgrade {step.revision} ->" in result.output, f"{step} is not shown"
    step3 = section(result.output, "downgrade", steps[2].revision)
    assert "RENAME" in step3.upper() and "DROP TABLE" not in step3.upper(), step3


def test_downgrade_sql_between_two_revisions(runner, steps):
    step3, head = steps[2].revision, steps[-1].revision
    result = runner.invoke(args=["db", "downgrade", "--sql", f"{head}:{step3}"])
    assert result.exit_code == 0, result.output
    assert f"Running downgrade {head} -> {step3}" in result.output
    assert "Running downgrade " + step3 not in result.output


def section(sql, direction, revision):
    """The part of the preview that runs one migration."""
    arrow = rf"\S* ?-> {revision}" if direction == "upgrade" else rf"{revision} -> \S*"
    match = re.search(rf"-- Running {direction} {arrow}\n(.*?)(?=-- Running|\Z)", sql, re.S)
    assert match, f"no {direction} section for {revision} in:\n{sql}"
    return match.group(1)
