"""extras/renames/not_null.py: a NOT NULL column on a table with rows gets a value, or a warning.

Each test runs the real `flask db migrate` in a copy of server/ at head,
against the test's own database at step 4 holding the lesson's rows, on a
pseudo-terminal where a learner would answer the question.
"""
import pytest

from helpers.server_copies import CTRL_C, SALARY, Step2Project, body, copy_server
from models import db
from testing.lesson import DEPARTMENT_ROWS, EMPLOYEE_ROWS

pytestmark = pytest.mark.database_at_step(4)

EMAIL = "email = db.Column(db.String(255), nullable=False)"
QUESTION = ("The new column employees.email is NOT NULL, and employees has 2 rows. "
            "What should they hold? (Enter to leave it to you):")
ANSWER = "nobody@example.com"
HINT = "run `flask db migrate -x employees.email=VALUE`"


@pytest.fixture(scope="session")
def head_template(tmp_path_factory):
    """A copy of server/ at head, made once; each test copies it."""
    template = tmp_path_factory.mktemp("head") / "server"
    copy_server(template)
    return template


@pytest.fixture
def head(head_template, tmp_path, database_url, live_db):
    """A copy of server/ at head, its database at head with the lesson's rows."""
    project = Step2Project.copy(head_template, tmp_path / "server", database_url)
    live_db.insert("employees", EMPLOYEE_ROWS)
    live_db.insert("departments", [{"id": d["id"], "name": d["name"], "location": d["address"]}
                                   for d in DEPARTMENT_ROWS])
    return project


def change_employee(project, new_line):
    """models.py at head with Employee.salary's line replaced by `new_line`."""
    models = project.path / "models.py"
    text = models.read_text()
    assert text.count(SALARY) == 1, text
    models.write_text(text.replace(SALARY, new_line))


def assert_fills_and_undoes(project, live_db, value):
    """The new script adds email nullable, fills it, makes it NOT NULL; and runs both ways."""
    script = project.new_script()
    upgrade, downgrade = body(script, "upgrade"), body(script, "downgrade")
    add = upgrade.index("batch_op.add_column(sa.Column('email', sa.String(length=255), "
                        "nullable=True))")
    fill = upgrade.index("op.execute(sa.text('UPDATE employees SET email = :value WHERE email "
                         f"IS NULL')\n               .bindparams(value={value!r}))")
    not_null = upgrade.index("batch_op.alter_column('email',")
    assert add < fill < not_null, script
    assert "nullable=False" in upgrade[not_null:], script
    assert "batch_op.drop_column('email')" in downgrade and "execute" not in downgrade, script
    assert "WARNING" not in script, script

    project.upgrade(live_db)
    assert live_db.rows("employees", ["id", "email"]) == [
        {"id": row["id"], "email": value} for row in EMPLOYEE_ROWS]
    assert live_db.schema()["employees"]["email"].nullable is False
    project.downgrade(live_db)
    assert "email" not in live_db.schema()["employees"]
    assert live_db.rows("employees", ["id", "name", "salary"]) == EMPLOYEE_ROWS


def test_the_question_answered_with_a_value_writes_a_data_migration(head, live_db):
    change_employee(head, f"{SALARY}\n    {EMAIL}")

    run = head.flask_in_terminal("db", "migrate", "-m", "add email", answers=[ANSWER])

    assert run.returncode == 0, run.output
    assert run.questions == [QUESTION], run.output
    assert_fills_and_undoes(head, live_db, ANSWER)


def test_the_x_option_gives_the_same_migration_without_a_terminal(head, live_db):
    change_employee(head, f"{SALARY}\n    {EMAIL}")

    run = head.flask("db", "migrate", "-x", f"employees.email={ANSWER}", "-m", "add email")

    assert run.returncode == 0, run.output
    assert "WARNING" not in run.output, run.output
    assert_fills_and_undoes(head, live_db, ANSWER)


def test_without_a_terminal_nothing_is_assumed_and_a_warning_names_the_option(
        head, live_db, backend):
    change_employee(head, f"{SALARY}\n    {EMAIL}")

    run = head.flask("db", "migrate", "-m", "add email")

    assert run.returncode == 0, run.output
    assert "What should" not in run.output, run.output
    if backend.is_mysql:
        warning = ("gives the 2 rows of employees MariaDB's implicit default ('' or 0) in the "
                   "new NOT NULL column employees.email, not a value you chose: MySQL and "
                   "MariaDB do not fail here")
    else:
        warning = ("fails on upgrade: employees has 2 rows, and the new NOT NULL column "
                   "employees.email has no value for them")
    assert f"WARNING: the new migration {warning}." in run.output, run.output
    assert HINT in run.output, run.output
    lines = [line.strip() for line in body(head.new_script(), "upgrade").splitlines()]
    add = lines.index("batch_op.add_column(sa.Column('email', sa.String(length=255), "
                      "nullable=False))")
    assert lines[add - 1] == f"# WARNING: this {warning} (counted by `flask db migrate`).", lines
    assert "execute" not in head.new_script()


def test_an_empty_answer_leaves_the_script_as_autogenerate_writes_it(head):
    change_employee(head, f"{SALARY}\n    {EMAIL}")

    run = head.flask_in_terminal("db", "migrate", "-m", "add email", answers=[""])

    assert run.returncode == 0, run.output
    assert run.questions == [QUESTION], run.output
    assert "the new NOT NULL column employees.email" in run.output, run.output
    assert HINT in run.output, run.output
    script = head.new_script()
    assert "nullable=False))" in body(script, "upgrade") and "execute" not in script, script
    assert "# WARNING: this" in script, script


def test_ctrl_c_at_the_question_writes_no_script(head):
    change_employee(head, f"{SALARY}\n    {EMAIL}")

    run = head.flask_in_terminal("db", "migrate", "-m", "add email", answers=[CTRL_C])

    assert run.returncode == 1, run.output
    assert run.questions == [QUESTION], run.output
    assert "Error: stopped at a question: no migration was written." in run.output, run.output
    assert "Traceback" not in run.output, run.output
    assert set(head.migrations.glob("versions/*.py")) == head.step2_scripts


def test_a_value_that_is_not_the_columns_type_is_one_line(head):
    change_employee(head, f"{SALARY}\n    age = db.Column(db.Integer, nullable=False)")

    run = head.flask("db", "migrate", "-x", "employees.age=old", "-m", "add age")

    assert run.returncode == 1, run.output
    assert "Error: -x employees.age=old: Integer needs a number, not 'old'." in run.output
    assert set(head.migrations.glob("versions/*.py")) == head.step2_scripts


def test_an_x_option_for_a_column_that_needs_no_value_is_one_line(head):
    change_employee(head, f"{SALARY}\n    {EMAIL}")

    run = head.flask("db", "migrate", "-x", f"employees.emial={ANSWER}", "-m", "add email")

    assert run.returncode == 1, run.output
    assert ("Error: -x employees.emial=...: the new migration has no NOT NULL column "
            "employees.emial on a table with rows that needs a value") in run.output, run.output
    assert set(head.migrations.glob("versions/*.py")) == head.step2_scripts


def test_a_column_made_not_null_gets_its_nulls_filled(head, live_db):
    live_db.insert("employees", [{"id": 3, "name": "Ola Berg", "salary": None}])
    change_employee(head, "salary = db.Column(db.Integer, nullable=False)")

    run = head.flask("db", "migrate", "-x", "employees.salary=0", "-m", "salary NOT NULL")

    assert run.returncode == 0, run.output
    upgrade = body(head.new_script(), "upgrade")
    assert "UPDATE employees SET salary = :value WHERE salary IS NULL')\n" in upgrade, upgrade
    assert ".bindparams(value=0))" in upgrade, upgrade
    assert "WARNING" not in upgrade, upgrade
    head.upgrade(live_db)
    assert [row["salary"] for row in live_db.rows("employees", ["id", "salary"])] == [
        89000, 125000, 0]
    assert live_db.schema()["employees"]["salary"].nullable is False


def test_a_type_change_counts_the_values_that_will_not_convert(head):
    change_employee(head, SALARY)
    models = head.path / "models.py"
    text = models.read_text()
    models.write_text(text.replace("name = db.Column(db.String(255), nullable=False)\n    salary",
                                   "name = db.Column(db.Integer, nullable=False)\n    salary", 1))

    run = head.flask("db", "migrate", "-m", "name as a number")

    assert run.returncode == 0, run.output
    warning = ("changes employees.name to Integer, and 2 of its values ('Kai Uri', "
               "'Alena Lee') will not convert")
    assert f"WARNING: the new migration {warning}." in run.output, run.output
    assert f"# WARNING: this {warning}" in head.new_script()


def test_the_failed_upgrade_names_the_fix(head, live_db, backend):
    """The script written without a value, upgraded anyway: one line that says what to do."""
    if backend.is_mysql:  # MariaDB gives the rows '' and does not fail (the warning says so)
        change_employee(head, f"{SALARY}\n    {EMAIL}")
        head.flask("db", "migrate", "-m", "add email")
        head.upgrade(live_db)
        assert live_db.rows("employees", ["id", "email"]) == [
            {"id": row["id"], "email": ""} for row in EMPLOYEE_ROWS]
        return
    change_employee(head, f"{SALARY}\n    {EMAIL}")
    head.flask("db", "migrate", "-m", "add email")

    run = head.flask("db", "upgrade")

    assert run.returncode == 1, run.output
    error = [line for line in run.output.splitlines() if "Error:" in line]
    assert len(error) == 1, run.output
    assert ("A NOT NULL column needs a value in the rows the table has: delete this migration, "
            "run `flask db migrate` again and answer its question (or give "
            "-x TABLE.COLUMN=VALUE)") in error[0], run.output
    assert "nothing was changed" in error[0], run.output
    with live_db.app.app_context():
        assert "email" not in live_db.schema()["employees"], db.engine.url
