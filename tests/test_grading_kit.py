"""The grading kit passes every correct learner's copy and fails every wrong one, naming the step.

Each case builds a copy the way a learner does (this repository with its
own revision ids, Flask-Migrate's stock env.py, a fork of the original
lesson, the lesson text typed in literally, or one mistake), copies
server/testing/ into it and runs the kit's command line there in a process
of its own (a fork of grade-class's preloaded process), then reads the
scorecard. A case lists what must fail and why; every other line of its
scorecard must be ✓, and its JUnit XML and results.json must give the
points its scorecard gives. The copies are graded side by side, as many at
once as the machine has cores.
"""
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from helpers.grading_outputs import junit_points, results_points
from helpers.grading_runner import shared_runner
from helpers.learner_copies import ORIGINAL_FORK, LearnerCopy, flask_db_init
from testing.backends import backends_under_test
from testing.history import TWO_HEADS_ADVICE, written_words
from testing.points import POINTS

GROUPS = ("step 1", "step 2", "step 3", "step 4", "history", "models.py")
SERVER_URLS = [backend.server_url for backend in backends_under_test()[1:]]


@dataclass(frozen=True)
class Case:
    name: str
    build: object  # build(root, stock_env_dir) -> LearnerCopy
    failing: dict = field(default_factory=dict)  # group -> words its ✗ line must contain
    notes: tuple = ()  # words some scorecard note must contain
    on_servers: bool = False  # also graded on every server in TEST_DATABASE_URLS
    pytest_args: tuple = ()

    def __str__(self):
        return self.name


# How the copies are built.


def repository(root, stock_env):
    """This repository, as a learner who did the lesson has it: other revision ids."""
    copy = LearnerCopy.of_this_repository(root)
    copy.new_revision_ids()
    return copy


def edited(*edits):
    """A builder: `repository` with each edit(copy) made in turn."""
    def build(root, stock_env):
        copy = repository(root, stock_env)
        for edit in edits:
            edit(copy)
        return copy
    return build


def with_stock_env(root, stock_env_dir):
    """A learner who re-ran `flask db init`: Flask-Migrate's own env.py and alembic.ini."""
    copy = repository(root, stock_env_dir)
    copy.use_env_files(stock_env_dir)
    return copy


def lesson_text_literally(root, stock_env):
    """A copy of this repository where the learner typed the lesson text in as it stands.

    Its migrations are the fork's (String without a length, step 4's
    alter_column without existing_type), models.py is the lesson's final
    one (back at step 3, with `address`), and there is no pytest.ini.
    """
    copy = LearnerCopy.of_this_repository(root)
    (copy.root / "pytest.ini").unlink()
    for script in copy.versions.glob("*.py"):
        script.unlink()
    for script in (ORIGINAL_FORK / "server" / "migrations" / "versions").glob("*.py"):
        (copy.versions / script.name).write_text(script.read_text())
    fork_models = (ORIGINAL_FORK / "server" / "models.py").read_text()
    copy.use_models(fork_models.replace("location = db.Column(db.String, nullable=False)",
                                        "address = db.Column(db.String)")
                               .replace("{self.name} {self.location}",
                                        "{self.name}, {self.address}"))
    return copy


def body(*lines):
    return "\n".join(f"    {line}" for line in lines)


def upgrade(step, *lines):
    return lambda copy: copy.replace_function(step, "upgrade", body(*lines))


def downgrade(step, *lines):
    return lambda copy: copy.replace_function(step, "downgrade", body(*lines))


def models(text_or_step, old=None, new=None):
    def edit(copy):
        copy.use_models(text_or_step)
        if old is not None:
            (copy.server / "models.py").write_text(
                (copy.server / "models.py").read_text().replace(old, new))
    return edit


def extra_script(name, revision, based_on_step, up, down):
    """A migration after (or beside) step `based_on_step`, as a learner writes one."""
    def edit(copy):
        down_revision = revision_of(copy, based_on_step)
        copy.write_script(f"{revision}_{name.replace(' ', '_')}.py",
                          f'"""{name}\n\nRevision ID: {revision}\nRevises: {down_revision}\n"""\n'
                          "from alembic import op\nimport sqlalchemy as sa\n\n"
                          f"revision = '{revision}'\ndown_revision = '{down_revision}'\n"
                          "branch_labels = None\ndepends_on = None\n\n\n"
                          f"def upgrade():\n{body(*up)}\n\n\ndef downgrade():\n{body(*down)}\n")
    return edit


def revision_of(copy, step):
    return re.search(r"^revision = '(\w+)'", copy.script(step).read_text(), re.M).group(1)


def merged_heads(copy):
    """Two heads after step 3, joined as `flask db upgrade` used to advise: `flask db merge
    heads` writes a script whose down_revision names both."""
    extra_script("rename address again", "bbbbbbbbbbbb", 3, ["pass"], ["pass"])(copy)
    both = (revision_of(copy, 4), "bbbbbbbbbbbb")
    copy.write_script("cccccccccccc_merge_heads.py",
                      '"""merge heads\n\nRevision ID: cccccccccccc\n"""\n'
                      f"revision = 'cccccccccccc'\ndown_revision = {both!r}\n"
                      "branch_labels = None\ndepends_on = None\n\n\n"
                      "def upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n")


def step_file_pasted_as_step_5(copy):
    """Step 4's file copied to start a fifth migration; only its down_revision was changed."""
    text = copy.script(4).read_text()
    down = re.search(r"^down_revision = '(\w+)'", text, re.M).group(1)
    copy.write_script("fifth_copy.py", text.replace(f"down_revision = '{down}'",
                                                    f"down_revision = '{revision_of(copy, 4)}'"))


def dangling_down_revision(copy):
    copy.edit_script(4, f"down_revision = '{revision_of(copy, 3)}'",
                     "down_revision = 'abc123def456'")


def only_two_steps(copy):
    for step in (4, 3):
        copy.script(step).unlink()
    copy.use_models(2)


def steps_3_and_4_in_one(copy):
    copy.replace_function(3, "upgrade", body(
        "op.rename_table('department', 'departments')",
        "op.alter_column('departments', 'address', new_column_name='location',",
        "                existing_type=sa.String(length=255), existing_nullable=True)"))
    copy.replace_function(3, "downgrade", body(
        "op.alter_column('departments', 'location', new_column_name='address',",
        "                existing_type=sa.String(length=255), existing_nullable=True)",
        "op.rename_table('departments', 'department')"))
    copy.script(4).unlink()


def syntax_error_in_step_2(copy):
    script = copy.script(2)
    script.write_text(script.read_text() + "\ndef broken(:\n")


CREATE_DEPARTMENTS = ("op.create_table('departments',",
                      "sa.Column('id', sa.Integer(), nullable=False),",
                      "sa.Column('name', sa.String(length=255), nullable=False),",
                      "sa.Column('address', sa.String(length=255), nullable=True),",
                      "sa.PrimaryKeyConstraint('id'))")
CREATE_DEPARTMENT = (CREATE_DEPARTMENTS[0].replace("departments", "department"),
                     *CREATE_DEPARTMENTS[1:])
BATCH = "with op.batch_alter_table('departments', schema=None) as batch_op:"
STRING = "existing_type=sa.String(length=255)"

# A history that cannot be read stops every step; the history line says why.
BROKEN_HISTORY = {"step 1": "cannot be graded until the history is fixed (see history)",
                  "step 2": "(as step 1)", "step 3": "(as step 1)", "step 4": "(as step 1)"}

CORRECT = [
    Case("this repository with its own revision ids", repository, on_servers=True),
    Case("graded in pytest's importlib import mode, without a pytest.ini",
         edited(lambda copy: (copy.root / "pytest.ini").unlink()),
         pytest_args=("--import-mode=importlib",)),
    Case("env.py from Flask-Migrate's own flask db init", with_stock_env),
    Case("a fork of the original lesson", lambda root, env: LearnerCopy.of_original_fork(root),
         notes=("`departments.location` is NOT NULL",)),
    Case("the lesson text typed in literally", lesson_text_literally),
    Case("step 4 inside batch_alter_table", edited(
        upgrade(4, BATCH, "    batch_op.alter_column('address', new_column_name='location',",
                f"                          {STRING})"),
        downgrade(4, BATCH, "    batch_op.alter_column('location', new_column_name='address',",
                  f"                          {STRING})"))),
    Case("step 3 renamed with raw SQL", edited(
        upgrade(3, 'op.execute("ALTER TABLE department RENAME TO departments")'),
        downgrade(3, 'op.execute("ALTER TABLE departments RENAME TO department")')),
        on_servers=True),
    Case("models.py with the lesson's location NOT NULL",
         edited(models(4, "location = db.Column(db.String(255))",
                       "location = db.Column(db.String, nullable=False)")),
         notes=("`departments.location` is NOT NULL", "both are accepted")),
    Case("models.py back at step 3, where the lesson ends", edited(models(3))),
    Case("step 4 also makes location NOT NULL", edited(
        upgrade(4, BATCH, "    batch_op.alter_column('address', new_column_name='location',",
                f"                          {STRING}, nullable=False)"),
        downgrade(4, BATCH, "    batch_op.alter_column('location', new_column_name='address',",
                  f"                          {STRING}, nullable=True)"),
        models(4, "location = db.Column(db.String(255))",
               "location = db.Column(db.String(255), nullable=False)")),
        notes=("`departments.location` is NOT NULL",)),
    Case("a deprecated SQLAlchemy call in a migration", edited(
        lambda copy: copy.edit_script(
            2, "def upgrade():\n", "def upgrade():\n"
            "    from sqlalchemy.ext.declarative import declarative_base\n"
            "    declarative_base()  # kept from an old tutorial\n")),
        notes=("MovedIn20Warning", "declarative_base")),
]

WRONG = [
    Case("step 3 as autogenerate wrote it: create and drop", edited(
        upgrade(3, *CREATE_DEPARTMENTS, "op.drop_table('department')"),
        downgrade(3, *CREATE_DEPARTMENT, "op.drop_table('departments')")),
        failing={"step 3": "`departments` has 0 of the lesson's 2 rows"}),
    Case("step 4 as autogenerate wrote it: add and drop", edited(
        upgrade(4, BATCH, "    batch_op.add_column(sa.Column('location', sa.String(length=255)))",
                "    batch_op.drop_column('address')"),
        downgrade(4, BATCH, "    batch_op.add_column(sa.Column('address', sa.String(length=255)))",
                  "    batch_op.drop_column('location')")),
        failing={"step 4": "`departments.location` holds [None, None]"}),
    Case("step 3 without a downgrade", edited(downgrade(3, "pass")),
         failing={"step 3": "there is a table `departments` where `department` should be: the "
                            "downgrade of step 3 renames it back with "
                            "op.rename_table('departments', 'department')",
                  "history": "Failed to downgrade through each revision"}),
    Case("models.py never renamed", edited(models(2)),
         failing={"models.py": "models.py still has the table `department`: step 3 renamed it "
                               "to `departments`"}),
    Case("department.name made an INTEGER", edited(lambda copy: copy.edit_script(
        2, "sa.Column('name', sa.String(length=255), nullable=False)",
        "sa.Column('name', sa.Integer(), nullable=False)")),
        failing={"step 2": "`department.name` is INTEGER: the lesson's names are text, use "
                           "sa.String"}),
    Case("models.py makes salary text", edited(models(4, "salary = db.Column(db.Integer)",
                                                      "salary = db.Column(db.String(255))")),
         failing={"models.py": "`employees.salary` VARCHAR(255): the lesson's salaries are whole "
                               "numbers, use db.Integer"}),
    Case("steps 3 and 4 in one migration", edited(steps_3_and_4_in_one),
         failing={"step 3": "`departments` has a column `location` where `address` should be: "
                            "it keeps the name `address` until step 4 renames it",
                  "step 4": "not written yet: next, rename the column address to location",
                  "history": "3 of the lesson's 4 migrations are written"}),
    Case("two heads", edited(extra_script("rename address again", "bbbbbbbbbbbb", 3,
                                          ["pass"], ["pass"])),
         failing={"step 4": "cannot be graded until the history is fixed (see history)",
                  "history": "The history branches after migration 3"}),
    Case("two heads joined by flask db merge heads", edited(merged_heads),
         failing={"step 4": "cannot be graded until the history is fixed (see history)",
                  "history": "migrations/versions/cccccccccccc_merge_heads.py joins them again "
                             f"(`flask db merge`): delete it as well. {TWO_HEADS_ADVICE}"}),
    Case("step 1 also creates department, and step 2 creates nothing", edited(
        upgrade(1, "op.create_table('employees',",
                "sa.Column('id', sa.Integer(), nullable=False),",
                "sa.Column('name', sa.String(length=255), nullable=False),",
                "sa.Column('salary', sa.Integer(), nullable=True),",
                "sa.PrimaryKeyConstraint('id'))", *CREATE_DEPARTMENT),
        downgrade(1, "op.drop_table('department')", "op.drop_table('employees')"),
        upgrade(2, "pass"), downgrade(2, "pass")),
        failing={"step 1": "step 1 creates no other table: `department` is made by step 2",
                 "step 2": "step 2 creates no table: `department` was there before it"}),
    Case("step 2 creates departments at once, and step 3 renames nothing", edited(
        upgrade(2, *CREATE_DEPARTMENTS), downgrade(2, "op.drop_table('departments')"),
        upgrade(3, "pass"), downgrade(3, "pass")),
        failing={"step 2": "there is a table `departments` where `department` should be",
                 "step 3": "step 3 renames no table: `departments` was there before it"}),
    Case("a pasted duplicate revision id", edited(step_file_pasted_as_step_5),
         failing=BROKEN_HISTORY | {"history": "fifth_copy.py have the same revision = "}),
    Case("a down_revision that names nothing", edited(dangling_down_revision),
         failing=BROKEN_HISTORY | {"history": "rename_address.py says down_revision = "
                                               "'abc123def456', but no migration has that "
                                               "revision id"}),
    Case("a fifth migration", edited(extra_script(
        "drop location", "5e5e5e5e5e5e", 4,
        [BATCH, "    batch_op.drop_column('location')"],
        [BATCH, "    batch_op.add_column(sa.Column('location', sa.String(length=255)))"])),
        failing={"history": "a fifth migration, 5e5e5e5e5e5e \"drop location\" in "
                            "migrations/versions/5e5e5e5e5e5e_drop_location.py, drops "
                            "`departments.location`"}),
    Case("step 3 renames the wrong way", edited(upgrade(3, "op.rename_table('departments', "
                                                           "'department')")),
         failing={"step 3": "step 3 failed: no such table: departments (migrations/versions/",
                  "step 4": "not reached: step 3 failed first",
                  "history": "Failed to upgrade through each revision"}),
    Case("step 4 makes location NOT NULL and keeps it so on the way down", edited(
        upgrade(4, BATCH, "    batch_op.alter_column('address', new_column_name='location',",
                f"                          {STRING}, nullable=False)"),
        downgrade(4, BATCH, f"    batch_op.alter_column('location', new_column_name='address', "
                            f"{STRING})")),
        failing={"step 4": "`departments.address` is NOT NULL: the lesson's addresses may be "
                           "NULL"}),
    Case("a syntax error in step 2", edited(syntax_error_in_step_2),
         failing=BROKEN_HISTORY | {"history": "add_department.py, line 35: SyntaxError"}),
    Case("halfway through the lesson", edited(only_two_steps),
         failing={"step 3": "not written yet: next, rename the table department to departments",
                  "step 4": "not written yet (rename the column address to location: "
                            '`flask db migrate -m "rename address"`)',
                  "history": "2 of the lesson's 4 migrations are written",
                  "models.py": "still has the table `department`"}),
]


# A copy that tries to grade itself: step 3 as autogenerate wrote it, plus every way pytest
# lets a copy change its own run. None of it may count (grade.py, grade-class, each platform).
FAKE_PASS_CONFTEST = """import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:  # every failure becomes a pass
        report.outcome = "passed"


def pytest_sessionfinish(session, exitstatus):
    session.exitstatus = 0
"""
FAKE_PASS_PYTEST = """print("15 passed in 0.01s")  # stands in for pytest under `python -m pytest`
raise SystemExit(0)
"""


def fake_pass_files(copy):
    (copy.root / "conftest.py").write_text(FAKE_PASS_CONFTEST)
    (copy.server / "conftest.py").write_text(FAKE_PASS_CONFTEST)
    (copy.root / "pytest.ini").write_text('[pytest]\naddopts = -k "not step3"\n')
    (copy.root / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\naddopts = "-k not step3"\n')
    (copy.root / "pytest.py").write_text(FAKE_PASS_PYTEST)


FAKE_PASS = Case("step 3 as autogenerate wrote it, and a conftest.py that turns failures into "
                 "passes", edited(upgrade(3, *CREATE_DEPARTMENTS, "op.drop_table('department')"),
                                  downgrade(3, *CREATE_DEPARTMENT, "op.drop_table('departments')"),
                                  fake_pass_files),
                 failing={"step 3": "`departments` has 0 of the lesson's 2 rows"})
WRONG.append(FAKE_PASS)


def build_and_grade(case, root, stock_env_dir):
    copy = case.build(root, stock_env_dir)
    return copy.grade(shared_runner(), SERVER_URLS if case.on_servers else (), case.pytest_args,
                      outputs=True)


@pytest.fixture(scope="session")
def stock_env_dir(tmp_path_factory):
    """What Flask-Migrate's `flask db init` writes, made once by the real command."""
    folder = tmp_path_factory.mktemp("flask-db-init")
    server = LearnerCopy.of_this_repository(folder / "copy").server
    return flask_db_init(server, folder / "migrations")


class Grades:
    """Each case's KitRun, graded once, on first use; `prefetch` grades them all side by side."""

    def __init__(self, pool, cases, tmp_path_factory, stock_env_dir):
        self.pool, self.cases = pool, cases
        self.tmp_path_factory, self.stock_env_dir = tmp_path_factory, stock_env_dir
        self.futures = {}

    def submit(self, name):
        if name not in self.futures:
            self.futures[name] = self.pool.submit(
                build_and_grade, self.cases[name], self.tmp_path_factory.mktemp("copy") / "c",
                self.stock_env_dir)
        return self.futures[name]

    def __getitem__(self, name):
        return self.submit(name)


@pytest.fixture(scope="session")  # once per worker, however xdist interleaves the modules
def graded(request, tmp_path_factory, stock_env_dir):
    """{case name: Future of its KitRun}. Run alone, pytest grades every selected case side by
    side at once; a pytest-xdist worker, which runs only some of them, grades each on first
    use (the workers are the side by side)."""
    cases = {item.callspec.params["case"].name: item.callspec.params["case"]
             for item in request.session.items
             if item.path == Path(__file__)
             and "case" in getattr(getattr(item, "callspec", None), "params", {})}
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        grades = Grades(pool, cases, tmp_path_factory, stock_env_dir)
        if not hasattr(request.config, "workerinput"):
            for name in cases:
                grades.submit(name)
        yield grades


def scorecards(run, case):
    backends = ["sqlite"] + ([b.name for b in backends_under_test()[1:]] if case.on_servers else [])
    return {backend: run.scorecard(backend) for backend in backends}


@pytest.mark.parametrize("case", CORRECT, ids=str)
def test_a_correct_copy_passes(case, graded):
    run = graded[case.name].result()
    for backend, card in scorecards(run, case).items():
        assert card == dict.fromkeys(GROUPS, "✓"), f"{case} on {backend}:\n{run.output}"
    assert run.returncode == 0, run.output
    assert_outputs_give(run, scorecards(run, case), sum(POINTS.values()))
    notes = "\n".join(run.notes())
    for words in case.notes:
        assert words in notes, f"no note saying {words!r}:\n{run.output}"
    # `flask db init` wrote the call that warns, not the learner: no note may blame them.
    assert "get_engine" not in notes, run.output


@pytest.mark.parametrize("case", WRONG, ids=str)
def test_a_wrong_copy_fails_naming_the_step(case, graded):
    run = graded[case.name].result()
    card = run.scorecard()
    for group in GROUPS:
        if group in case.failing:
            assert card[group].startswith("✗") and case.failing[group] in card[group], (
                f"{group} should fail saying {case.failing[group]!r}:\n{run.output}")
        else:
            assert card[group] == "✓", f"{group} should pass:\n{run.output}"
    assert run.returncode == 1, run.output
    lost = sum(POINTS[part] for part in POINTS if heading(part) in case.failing)
    assert_outputs_give(run, {"sqlite": card}, sum(POINTS.values()) - lost)


def heading(part):
    return f"step {part}" if isinstance(part, int) else part


def assert_outputs_give(run, cards, points):
    """The grade line, the JUnit XML and results.json give `points`, a part's point lost
    exactly where the scorecard has ✗ on some backend."""
    total = sum(POINTS.values())
    assert run.grade_line().startswith(f"grade: {points}/{total} points"), run.output
    assert junit_points(run.junit.read_bytes(), total) == points, run.junit.read_text()
    by_part = results_points(run.results.read_text())
    assert sum(by_part.values()) == points, by_part
    for part, worth in POINTS.items():
        lost = any(card[heading(part)] != "✓" for card in cards.values())
        assert by_part[str(part)] == (0 if lost else worth), (part, by_part, run.output)


def test_mistakes_only_mysql_and_mariadb_refuse_say_so(tmp_path):
    """A String without a length, and a column rename without existing_type: fine on SQLite and
    PostgreSQL, refused by MySQL and MariaDB, with what to write instead."""
    literal = lesson_text_literally(tmp_path / "literal", None)
    no_existing_type = edited(upgrade(4, "op.alter_column('departments', 'address', "
                                         "new_column_name='location')"),
                              downgrade(4, "op.alter_column('departments', 'location', "
                                           "new_column_name='address')"))(tmp_path / "rename", None)
    runs = {"literal": literal.grade(shared_runner(), SERVER_URLS),
            "rename": no_existing_type.grade(shared_runner(), SERVER_URLS)}
    for backend in backends_under_test():
        literal_card = runs["literal"].scorecard(backend.name)
        rename_card = runs["rename"].scorecard(backend.name)
        if not backend.is_mysql:
            assert literal_card == rename_card == dict.fromkeys(GROUPS, "✓"), runs
            continue
        assert literal_card["step 1"] == (
            "✗ step 1 failed: MySQL and MariaDB need a length: write String(255) in models.py "
            "and in the migration (migrations/versions/15537423c56d_initial_migration.py, "
            "line 21)"), runs["literal"].output
        assert "statements of the failed migration" not in runs["literal"].output
        assert rename_card["step 4"].startswith(
            "✗ step 4 failed: MySQL and MariaDB rename a column with CHANGE COLUMN, which "
            "restates its type: give op.alter_column existing_type=sa.String(255)"), (
            runs["rename"].output)
        assert [rename_card[f"step {n}"] for n in (1, 2, 3)] == ["✓"] * 3, runs["rename"].output
    # Listed as advisory, the same servers cost nothing: full marks, exit code 0, and the same
    # words in the scorecard, marked advisory.
    mysql = [b.server_url for b in backends_under_test() if b.is_mysql]
    others = [b.server_url for b in backends_under_test()[1:] if not b.is_mysql]
    if mysql:
        advised = literal.grade(shared_runner(), others, advisory_urls=mysql)
        assert advised.returncode == 0, advised.output
        assert advised.grade_line().startswith("grade: 5/5 points"), advised.output
        assert "grading scorecard (mysql, advisory: costs no points)" in advised.output
        assert "MySQL and MariaDB need a length" in advised.output


def test_a_part_whose_checks_did_not_run_earns_nothing(tmp_path):
    """Deselected checks are not passed ones: a correct copy graded with step 3's checks left
    out gets no point for step 3, in every output, and exit code 1."""
    run = repository(tmp_path / "c", None).grade(shared_runner(), args=["-k", "not step3"],
                                                 outputs=True)
    assert run.returncode == 1, run.output
    assert "step 3 0/1" in run.grade_line(), run.output
    assert results_points(run.results.read_text())["3"] == 0
    assert junit_points(run.junit.read_bytes(), sum(POINTS.values())) == 4
    assert "not checked in this run" in run.junit.read_text()


def test_how_many_migrations_are_written_reads_right():
    """The history line counts the migrations in words that agree with the number."""
    assert [written_words(n) for n in (0, 1, 2)] == [
        "none of the lesson's 4 migrations is written yet",
        "1 of the lesson's 4 migrations is written",
        "2 of the lesson's 4 migrations are written"]
