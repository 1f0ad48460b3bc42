"""extras/renames: `flask db migrate` notices renames and warns before data loss.

Each test changes step 2's models in a copy of server/ and runs the real
`flask db migrate` there, on a pseudo-terminal when a learner would answer
questions, against the test's own database holding the lesson's rows.
"""
import io
import os
import shutil

import pytest
from alembic.autogenerate import produce_migrations
from alembic.runtime.migration import MigrationContext
from alembic.util import CommandError
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, text

from extras.commands import terminal
from extras.renames.answers import choose_answerer
from extras.renames.operations import RenamedColumn
from extras.renames.pairing import RenamePairing
from helpers.migration_copies import copy_migrations
from helpers.paths import REPO_DIR
from helpers.server_copies import SALARY, STOCK_ENV_PY, Step2Project, body, make_step2_copy
from models import db
from testing.lesson import DEPARTMENT_ROWS, EMPLOYEE_ROWS

LOCATION = "location = db.Column(db.String(255))"


@pytest.fixture(scope="session")
def step2_template(tmp_path_factory):
    """Made once; each test copies it, which costs milliseconds."""
    template = tmp_path_factory.mktemp("step2") / "server"
    make_step2_copy(template)
    return template


@pytest.fixture
def step2(step2_template, tmp_path, database_url, live_db, steps):
    """A copy of server/ at step 2, its database at step 2 with the lesson's rows."""
    project = Step2Project.copy(step2_template, tmp_path / "server", database_url)
    live_db.upgrade(steps[1].revision, f"Upgrading to {steps[1]}")
    live_db.insert("employees", EMPLOYEE_ROWS)
    live_db.insert("department", DEPARTMENT_ROWS)
    return project


def departments_with(value_column):
    return [{"id": row["id"], "name": row["name"], value_column: row["address"]}
            for row in DEPARTMENT_ROWS]


def test_table_rename_answered_yes_keeps_the_rows(step2, live_db):
    step2.write_models(department_table="departments")

    run = step2.flask_in_terminal("db", "migrate", "-m", "rename department", answers=["y"])

    assert run.returncode == 0, run.output
    assert run.questions == ["Did you rename table department to departments? [y/N]"], run.output
    script = step2.new_script()
    upgrade, downgrade = body(script, "upgrade"), body(script, "downgrade")
    assert "op.rename_table('department', 'departments')" in upgrade, script
    assert "op.rename_table('departments', 'department')" in downgrade, script
    assert "drop_table" not in script and "create_table" not in script, script
    assert "Detected as a rename" in upgrade and "Detected as a rename" in downgrade, script

    step2.upgrade(live_db)
    assert live_db.rows("departments", ["id", "name", "address"]) == DEPARTMENT_ROWS
    step2.downgrade(live_db)
    assert live_db.rows("department", ["id", "name", "address"]) == DEPARTMENT_ROWS


def test_column_renames_answered_yes_keep_the_values_and_pair_each_column_once(step2, live_db):
    # Two columns dropped and two added in one table, all four nullable strings.
    with live_db.app.app_context(), db.engine.begin() as connection:
        connection.execute(text("ALTER TABLE department ADD phone VARCHAR(255)"))
    step2.write_models(department_columns=f"{LOCATION}\nmobile = db.Column(db.String(255))")

    # phone was added by hand, which is drift (extras/drift): this migration is meant to drop it.
    run = step2.flask_in_terminal("db", "migrate", "-x", "drift=undo", "-m", "rename address",
                                  answers=["y", "y"])

    assert run.returncode == 0, run.output
    # Once `location` is taken, phone -> location is never asked.
    assert run.questions == [
        "Did you rename column department.address to department.location? [y/N]",
        "Did you rename column department.phone to department.mobile? [y/N]",
    ], run.output
    script = step2.new_script()
    upgrade, downgrade = body(script, "upgrade"), body(script, "downgrade")
    # Plain alter_column, not in a batch: on SQLite it is one RENAME COLUMN, no table copy.
    assert "op.alter_column('department', 'address'," in upgrade, script
    assert "op.alter_column('department', 'phone'," in upgrade, script
    assert "op.alter_column('department', 'location'," in downgrade, script
    assert "op.alter_column('department', 'mobile'," in downgrade, script
    for function, new_names in ((upgrade, ("location", "mobile")),
                                (downgrade, ("address", "phone"))):
        for new_name in new_names:
            assert function.count(f"new_column_name='{new_name}'") == 1, script
        # What MySQL and MariaDB need to restate a column, in a type every backend reads.
        assert function.count("existing_type=sa.String(length=255)") == 2, script
        assert function.count("existing_nullable=True") == 2, script
        assert function.count("Detected as a rename") == 2, script
    assert "batch_alter_table" not in script, script
    assert "add_column" not in script and "drop_column" not in script, script

    step2.upgrade(live_db)
    assert live_db.rows("department", ["id", "name", "location"]) == departments_with("location")
    step2.downgrade(live_db)
    assert live_db.rows("department", ["id", "name", "address"]) == DEPARTMENT_ROWS


def test_without_a_terminal_drops_stay_and_carry_warnings(step2, live_db):
    # A third employee without a salary: the column warning counts values, not rows.
    live_db.insert("employees", [{"id": 3, "name": "Ola Berg", "salary": None}])
    step2.write_models(department_table="departments",
                       employee_columns="pay = db.Column(db.Integer)")

    run = step2.flask("db", "migrate", "-m", "rename department and salary")

    assert run.returncode == 0, run.output
    assert "Did you rename" not in run.output
    script = step2.new_script()
    lines = [line.strip() for line in body(script, "upgrade").splitlines()]
    assert "op.create_table('departments'," in lines, script
    assert "batch_op.add_column(sa.Column('pay', sa.Integer(), nullable=True))" in lines, script
    # The comment stands right above each drop, with what the database held.
    table_drop = lines.index("op.drop_table('department')")
    assert lines[table_drop - 1] == (
        "# WARNING: this deletes 2 rows of department (counted by `flask db migrate`)."), script
    column_drop = lines.index("batch_op.drop_column('salary')")
    assert lines[column_drop - 1] == (
        "# WARNING: this deletes 2 values of employees.salary "
        "(counted by `flask db migrate`)."), script
    assert "rename_table" not in script and "new_column_name" not in script, script
    assert "WARNING: the new migration deletes 2 rows of department." in run.output
    assert "WARNING: the new migration deletes 2 values of employees.salary." in run.output
    assert "department -> departments may be a rename" in run.output
    assert "-x renames=yes" in run.output
    # The README shows these lines word for word (step 3, after the `n`).
    readme = (REPO_DIR / "README.md").read_text()
    shown = readme.split("After your `n` it warns you", 1)[1].split("```", 2)[1].strip()
    for line in shown.splitlines():
        assert line in run.output, f"the README shows {line!r}; the tool prints:\n{run.output}"


def test_x_renames_yes_renames_without_asking_but_never_across_a_type_change(step2, live_db):
    # salary (Integer) -> pay (String): a rename plus a type change, not offered.
    step2.write_models(department_table="departments",
                       employee_columns="pay = db.Column(db.String(255))")

    run = step2.flask_in_terminal("db", "migrate", "-x", "renames=yes", "-m", "renames")

    assert run.returncode == 0, run.output
    assert run.questions == [], run.output
    script = step2.new_script()
    upgrade = body(script, "upgrade")
    assert "op.rename_table('department', 'departments')" in upgrade, script
    assert "drop_table" not in script, script
    assert "new_column_name" not in script, script
    assert "batch_op.add_column(sa.Column('pay', sa.String(length=255)" in upgrade, script
    assert "batch_op.drop_column('salary')" in upgrade, script
    assert "WARNING: the new migration deletes 2 values of employees.salary." in run.output

    step2.upgrade(live_db)
    assert live_db.rows("departments", ["id", "name", "address"]) == DEPARTMENT_ROWS


def test_a_change_without_drops_comes_out_as_stock_flask_migrate_writes_it(
        step2, step2_template, tmp_path):
    """Compared with what Flask-Migrate's own env.py template writes in an identical copy."""
    stock = Step2Project.copy(step2_template, tmp_path / "stock", step2.database_url)
    shutil.copy(STOCK_ENV_PY, stock.migrations / "env.py")
    for project in (step2, stock):
        project.write_models(employee_columns=f"{SALARY}\nphone = db.Column(db.String(40))")
    args = ("db", "migrate", "-m", "add phone", "--rev-id", "a1b2c3d4e5f6")

    # Both only read the database, so they run side by side: half the wait.
    ours, theirs = [project.finish(running) for project, running in
                    [(step2, step2.start_flask(*args)), (stock, stock.start_flask(*args))]]

    assert ours.returncode == 0, ours.output
    assert theirs.returncode == 0, theirs.output
    our_script = step2.new_script()
    assert "batch_op.add_column(sa.Column('phone'" in our_script, our_script
    assert "WARNING" not in ours.output, ours.output

    def without_date(script):
        return [line for line in script.splitlines() if not line.startswith("Create Date:")]

    assert without_date(our_script) == without_date(stock.new_script())


@pytest.mark.database_at_step(4)
def test_a_bad_x_renames_is_one_clear_error(runner, live_db, tmp_path):
    migrations = copy_migrations(tmp_path)  # a regression must not write into the repository
    versions = migrations / "versions"
    scripts_before = set(versions.iterdir())

    result = runner.invoke(args=["db", "migrate", "-d", str(migrations), "-x", "renames=maybe"])

    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if not line.startswith("INFO")]
    assert errors == ["Error: -x renames must be yes or no, not 'maybe'."]
    assert set(versions.iterdir()) == scripts_before


def test_who_answers_the_questions(monkeypatch):
    master, follower = os.openpty()  # a real terminal, as a learner's shell has
    with open(follower) as a_terminal:
        monkeypatch.setattr("sys.stdin", a_terminal)
        assert choose_answerer({"renames": "yes"}, terminal)("q?") is True
        assert choose_answerer({"renames": "no"}, terminal)("q?") is False
        assert choose_answerer({}, terminal) is terminal.ask
        monkeypatch.setattr("sys.stdin", io.StringIO(""))  # a pipe or a file: nobody is there
        assert choose_answerer({}, terminal) is None  # nobody: keep Alembic's drops
        with pytest.raises(CommandError):
            choose_answerer({"renames": "y"}, terminal)
    os.close(master)


def test_ctrl_d_at_the_question_stops_with_one_line(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # what Ctrl+D sends: end of input
    stopped = "^stopped at a rename question: no migration was written.$"
    with pytest.raises(CommandError, match=stopped):
        terminal.ask("Did you rename table department to departments?")


# The rules about what may be a rename, checked in memory without a `flask` run.


def pair_in_memory(database_sql, model_table, answers):
    """Autogenerate SQLite `database_sql` against `model_table`, then pair it with `answers`.

    Returns the RenamePairing, and the questions it asked.
    """
    engine = create_engine("sqlite://")
    questions = []

    def answer(question):
        questions.append(question)
        return answers.pop(0) == "y"

    with engine.begin() as connection:
        connection.execute(text(database_sql))
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        upgrade_ops = produce_migrations(context, model_table.metadata).upgrade_ops
        pairing = RenamePairing(context, upgrade_ops, answer)
        pairing.renamed = pairing.rename_tables() + pairing.rename_columns()
    engine.dispose()
    return pairing, questions


@pytest.mark.parametrize("new_department, offered", [
    pytest.param(Column("address", String(255)), True, id="same-columns"),
    pytest.param(Column("address", String(255), nullable=False), False, id="nullability"),
    pytest.param(Column("address", Integer), False, id="type"),
    pytest.param(Column("address", String(255), primary_key=True), False, id="primary-key"),
    pytest.param(Column("address", String(255), index=True), False, id="index"),
    pytest.param(Column("address", String(255), unique=True), False, id="unique"),
])
def test_which_tables_are_offered_as_renames(new_department, offered):
    # SQLite reports `id INTEGER PRIMARY KEY` as nullable; it is still a match for a primary key.
    model = Table("departments", MetaData(), Column("id", Integer, primary_key=True),
                  new_department)
    pairing, questions = pair_in_memory(
        "CREATE TABLE department (id INTEGER PRIMARY KEY, address VARCHAR(255))", model, ["y"])
    assert pairing.renamed == int(offered)
    assert questions == (["Did you rename table department to departments?"] if offered else [])


def test_a_no_moves_on_to_the_next_pair():
    model = Table("department", MetaData(), Column("id", Integer, primary_key=True),
                  Column("location", String(255)), Column("mobile", String(255)))
    pairing, questions = pair_in_memory(
        "CREATE TABLE department "
        "(id INTEGER PRIMARY KEY, address VARCHAR(255), phone VARCHAR(255))",
        model, ["n", "y", "y"])
    assert questions == [
        "Did you rename column department.address to department.location?",
        "Did you rename column department.address to department.mobile?",
        "Did you rename column department.phone to department.location?",
    ]
    renames = {(op.column_name, op.modify_name) for op in pairing.upgrade_ops.ops
               if isinstance(op, RenamedColumn)}
    assert renames == {("address", "mobile"), ("phone", "location")}


@pytest.mark.parametrize("new_location, question_end", [
    pytest.param(Column("location", String(255)), "?", id="same"),
    pytest.param(Column("location", String(255), nullable=False), " (and make it NOT NULL)?",
                 id="not-null"),
    pytest.param(Column("location", String(100)), " (and make it String(100))?", id="length"),
    pytest.param(Column("location", Integer), None, id="type"),
])
def test_which_columns_are_offered_as_renames(new_location, question_end):
    """A rename that also changes nullability or a string's length is still a rename."""
    model = Table("department", MetaData(), Column("id", Integer, primary_key=True), new_location)
    pairing, questions = pair_in_memory(
        "CREATE TABLE department (id INTEGER PRIMARY KEY, address VARCHAR(255))", model, ["y"])
    if question_end is None:
        assert questions == []
    else:
        assert questions == [
            f"Did you rename column department.address to department.location{question_end}"]


def lessons_location(backend):
    """Step 4's column as the lesson writes it; MySQL and MariaDB need a length (README)."""
    length = "(255)" if backend.is_mysql else ""
    return f"location = db.Column(db.String{length}, nullable=False)"


def test_the_lessons_not_null_rename_is_one_alter_column(step2, live_db, backend):
    """Step 4 as the lesson writes it: a rename that also makes the column NOT NULL."""
    step2.write_models(department_columns=lessons_location(backend))

    run = step2.flask_in_terminal("db", "migrate", "-m", "rename address", answers=["y"])

    assert run.returncode == 0, run.output
    assert run.questions == [
        "Did you rename column department.address to department.location "
        "(and make it NOT NULL)? [y/N]"], run.output
    script = step2.new_script()
    upgrade, downgrade = body(script, "upgrade"), body(script, "downgrade")
    for function, old, new, nullable in ((upgrade, "address", "location", False),
                                         (downgrade, "location", "address", True)):
        # In a batch block: SQLite changes NOT NULL only by copying the table.
        assert function.count(".alter_column(") == 1, script
        assert f"batch_op.alter_column('{old}'," in function, script
        assert f"new_column_name='{new}'" in function, script
        assert f" nullable={nullable}" in function, script
        # The column's type as the database has it: MySQL and MariaDB need its length.
        assert "existing_type=sa.String(length=255)" in function, script
    assert "add_column" not in script and "drop_column" not in script, script
    assert "WARNING" not in script and "WARNING" not in run.output, script  # no NULL to trip on

    step2.upgrade(live_db)
    assert live_db.rows("department", ["id", "name", "location"]) == departments_with("location")
    assert live_db.schema()["department"]["location"].nullable is False
    step2.downgrade(live_db)
    assert live_db.rows("department", ["id", "name", "address"]) == DEPARTMENT_ROWS
    assert live_db.schema()["department"]["address"].nullable is True


def test_not_null_over_nulls_is_warned_in_the_script(step2, live_db, backend):
    live_db.insert("department", [{"id": 3, "name": "Archive", "address": None}])
    step2.write_models(department_columns=lessons_location(backend))

    run = step2.flask("db", "migrate", "-x", "renames=yes", "-m", "rename address")

    assert run.returncode == 0, run.output
    lines = [line.strip() for line in body(step2.new_script(), "upgrade").splitlines()]
    warning = ("fails on upgrade: department.address holds 1 NULL, "
               "and NOT NULL needs a value in every row")
    rename = next(i for i, line in enumerate(lines) if line.startswith("batch_op.alter_column("))
    assert lines[rename - 2:rename] == [
        f"# WARNING: this {warning} (counted by `flask db migrate`).",
        "# Detected as a rename by `flask db migrate` (extras/renames): keeps the data."], lines
    assert f"WARNING: the new migration {warning}." in run.output


def test_a_length_change_rename_states_both_types(step2, live_db):
    step2.write_models(department_columns="location = db.Column(db.String(100))")

    run = step2.flask("db", "migrate", "-x", "renames=yes", "-m", "rename and shorten")

    assert run.returncode == 0, run.output
    script = step2.new_script()
    upgrade, downgrade = body(script, "upgrade"), body(script, "downgrade")
    assert "type_=sa.String(length=100)" in upgrade and "existing_type=sa.String(length=255)" \
        in upgrade, script
    assert "type_=sa.String(length=255)" in downgrade and "existing_type=sa.String(length=100)" \
        in downgrade, script
    step2.upgrade(live_db)
    assert live_db.rows("department", ["id", "name", "location"]) == departments_with("location")


def test_dropping_an_empty_table_reads_naturally(step2, live_db):
    with live_db.app.app_context(), db.engine.begin() as connection:
        connection.execute(text("DELETE FROM department"))
    step2.write_models(department_table="departments")

    run = step2.flask("db", "migrate", "-x", "renames=no", "-m", "drop it")

    assert "WARNING: the new migration deletes the empty table department." in run.output
    assert "0 rows" not in run.output and "0 rows" not in step2.new_script()
