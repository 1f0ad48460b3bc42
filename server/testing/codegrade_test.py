"""The grading suite: every step's schema, both directions, and the data.

Each failure names the step and says, in a learner's words, what to fix.
"""
import pytest

# The generic checks come from pytest-alembic: one head, every migration
# upgrades, each downgrade undoes its upgrade, and the models match the
# schema at head (no pending autogenerate operations).
from pytest_alembic.tests import (  # noqa: F401  (pytest collects these)
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)

from testing.lesson import (
    DEPARTMENT_ROWS,
    EMPLOYEE_ROWS,
    SCHEMA_AFTER_STEP,
    schema_problems,
)

STEP_NUMBERS = [1, 2, 3, 4]


def assert_schema(live_db, step_number, where):
    problems = schema_problems(live_db.schema(), SCHEMA_AFTER_STEP[step_number])
    assert not problems, f"{where}: " + "; ".join(problems) + "."


def assert_revision(live_db, expected, where):
    actual = live_db.revision()
    assert actual == expected, (
        f"{where}: alembic_version holds {actual or 'nothing'}, expected {expected or 'nothing'}."
    )


@pytest.mark.parametrize("k", STEP_NUMBERS)
def test_upgrade_to_step(k, live_db, steps):
    """From an empty database, upgrade to step k: exactly step k's tables and columns."""
    step = steps[k - 1]
    live_db.upgrade(step.revision, f"Upgrading an empty database to {step}")
    where = f"After upgrading to {step}"
    assert_schema(live_db, k, where)
    assert_revision(live_db, step.revision, where)


@pytest.mark.parametrize("k", list(reversed(STEP_NUMBERS)))
def test_downgrade_undoes_step(k, live_db, steps):
    """Downgrading step k restores exactly the schema of step k-1."""
    step = steps[k - 1]
    previous = steps[k - 2].revision if k > 1 else "base"
    live_db.upgrade(step.revision, f"Upgrading to {step}")
    live_db.downgrade(previous, f"The downgrade of {step}")
    where = f"After the downgrade of {step}"
    assert_schema(live_db, k - 1, where)
    assert_revision(live_db, None if k == 1 else previous, where)


def test_round_trip_empty_head_empty_head(live_db, steps):
    head = steps[-1].revision
    for lap in ("first", "second"):
        live_db.upgrade(head, f"The {lap} upgrade from empty to head")
        assert_schema(live_db, 4, f"After the {lap} upgrade to head")
        if lap == "first":
            live_db.downgrade("base", "Downgrading from head to base")
            assert_schema(live_db, 0, "After downgrading from head to base")
    assert_revision(live_db, head, "After the round trip")


def test_renames_keep_every_row(live_db, steps):
    """The lesson's rows survive steps 3 and 4 and both downgrades, ids and values unchanged."""
    s1, s2, s3, s4 = steps

    def check_employees(where):
        rows = live_db.rows("employees", list(EMPLOYEE_ROWS[0]))
        assert rows == EMPLOYEE_ROWS, (
            f"{where}, the rows of `employees` changed: expected {EMPLOYEE_ROWS}, found {rows}. "
            "A migration that does not touch `employees` must leave its rows alone."
        )

    def check_departments(table, value_column, who, old_table, old_column, fix):
        """Fail with `fix` unless `table` holds the lesson's rows, values in `value_column`."""
        expected = [
            {"id": row["id"], "name": row["name"], value_column: row["address"]}
            for row in DEPARTMENT_ROWS
        ]
        rows = live_db.rows(table, ["id", "name", value_column])
        if len(rows) != len(expected):
            lost = (f"lost the rows of `{old_table}`: `{table}` has {len(rows)} "
                    f"of the {len(expected)} rows")
        elif rows != expected:
            lost = (f"lost the values of `{old_column}`: `{table}` holds {rows}, "
                    f"expected {expected}")
        else:
            return
        pytest.fail(f"{who} {lost}. {fix}", pytrace=False)

    live_db.upgrade(s1.revision, f"Upgrading to {s1}")
    live_db.insert("employees", EMPLOYEE_ROWS)
    live_db.upgrade(s2.revision, f"Upgrading to {s2}")
    live_db.insert("department", DEPARTMENT_ROWS)

    live_db.upgrade(s3.revision, f"Upgrading to {s3}")
    assert_schema(live_db, 3, f"After upgrading to {s3}")
    check_departments(
        "departments", "address", s3.title, "department", "address",
        "Autogenerate writes a table rename as create_table plus drop_table, which deletes "
        "the data: replace them with op.rename_table('department', 'departments') in "
        "upgrade() and op.rename_table('departments', 'department') in downgrade().",
    )
    check_employees(f"After {s3}")

    live_db.upgrade(s4.revision, f"Upgrading to {s4}")
    assert_schema(live_db, 4, f"After upgrading to {s4}")
    check_departments(
        "departments", "location", s4.title, "departments", "address",
        "Autogenerate writes a column rename as add_column plus drop_column, which deletes "
        "the values: replace them with op.alter_column('departments', 'address', "
        "new_column_name='location') in upgrade() and the reverse in downgrade().",
    )
    check_employees(f"After {s4}")

    live_db.downgrade(s3.revision, f"The downgrade of {s4}")
    check_departments(
        "departments", "address", f"The downgrade of {s4}", "departments", "location",
        "Its downgrade() must rename the column back with op.alter_column('departments', "
        "'location', new_column_name='address'), not drop and re-add it.",
    )
    check_employees(f"After the downgrade of {s4}")

    live_db.downgrade(s2.revision, f"The downgrade of {s3}")
    check_departments(
        "department", "address", f"The downgrade of {s3}", "departments", "address",
        "Its downgrade() must rename the table back with "
        "op.rename_table('departments', 'department'), not drop and re-create it.",
    )
    check_employees(f"After the downgrade of {s3}")

    live_db.downgrade(s1.revision, f"The downgrade of {s2}")
    check_employees(f"After the downgrade of {s2}")
