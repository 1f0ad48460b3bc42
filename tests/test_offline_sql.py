"""`--sql` previews: look at the SQL before you run it, on every engine."""
import re


def test_upgrade_sql_renders_every_step(runner, steps, live_db):
    result = runner.invoke(args=["db", "upgrade", "--sql"])
    assert result.exit_code == 0, result.output
    sql = result.output
    previous = ""
    for step in steps:
        assert f"Running upgrade {previous} -> {step.revision}" in sql, f"{step} is not in the preview"
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
        assert f"Running downgrade {step.revision} ->" in result.output, f"{step} is not in the preview"
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
