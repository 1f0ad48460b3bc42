"""extras/drift: `flask db migrate` and `flask db check` notice a database changed by hand.

Each test makes one hand change to a database at head (with Alembic's own
operations, as `psql` or a GUI would make it) and runs the real commands
in-process. `migrate` writes into a copy of migrations/, never the repository's.
"""
import pytest
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, String, create_engine, make_url, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.pool import NullPool

from app import create_app
from extras.drift import shadow
from helpers.cli_runner import CliRunner
from helpers.migration_copies import copy_migrations, copy_with_extra_migration
from models import db
from testing.backends import backends_under_test
from testing.lesson import EMPLOYEE_ROWS

AT_HEAD = pytest.mark.database_at_step(4)

INITIAL = 'made by migration 15537423c56d, "Initial migration"'
RENAME = 'made by migration 1694ecedb24d, "rename department"'
REFUSED = ("Error: the database was changed by hand (drift, listed above), so no migration "
           "was written")


def drop_salary(op):
    with op.batch_alter_table("employees") as batch:
        batch.drop_column("salary")


def add_phone(op):
    with op.batch_alter_table("departments") as batch:
        batch.add_column(Column("phone", String(20)))


def salary_as_text(op):
    with op.batch_alter_table("employees") as batch:
        batch.alter_column("salary", type_=String(20), existing_type=Integer)


def name_may_be_null(op):
    with op.batch_alter_table("departments") as batch:
        batch.alter_column("name", nullable=True, existing_type=String(255))


HAND_CHANGES = {
    "column-dropped": (drop_salary, f"employees.salary was dropped by hand ({INITIAL})"),
    "column-added": (add_phone, "departments.phone was added by hand: no migration made it"),
    "table-dropped": (lambda op: op.drop_table("employees"),
                      f"table employees was dropped by hand ({INITIAL})"),
    "table-added": (lambda op: op.create_table("notes", Column("id", Integer, primary_key=True)),
                    "table notes was added by hand: no migration made it"),
    "type-changed": (salary_as_text, "employees.salary was changed by hand to VARCHAR(20); "
                                     "the migrations made it INTEGER"),
    "not-null-changed": (name_may_be_null, "departments.name was made nullable by hand; the "
                                           f"migrations made it NOT NULL ({RENAME})"),
}


def by_hand(app, change):
    """Change the database outside the migrations, as `psql` or a GUI would."""
    with app.app_context(), db.engine.begin() as connection:
        change(Operations(MigrationContext.configure(connection)))


def drift_lines(output):
    return [line for line in output.splitlines() if line.startswith("DRIFT: ")]


@pytest.fixture
def migrations(tmp_path):
    return copy_migrations(tmp_path)


def scripts(migrations):
    return sorted(path.name for path in (migrations / "versions").glob("*.py"))


@AT_HEAD
@pytest.mark.parametrize("kind", HAND_CHANGES)
def test_each_hand_change_is_named_and_migrate_writes_nothing(kind, app, runner, migrations):
    change, expected = HAND_CHANGES[kind]
    by_hand(app, change)
    before = scripts(migrations)

    migrated = runner.invoke(args=["db", "migrate", "-d", str(migrations), "-m", "next"])
    checked = runner.invoke(args=["db", "check"])

    for result in (migrated, checked):
        assert result.exit_code == 1, result.output
        (line,) = drift_lines(result.output)
        assert line.startswith(f"DRIFT: {expected}"), result.output
        assert "Traceback" not in result.output, result.output
    assert REFUSED in migrated.output, migrated.output
    assert "-x drift=undo" in migrated.output, migrated.output
    assert "delete it and run `flask db upgrade`" in checked.output, checked.output
    assert scripts(migrations) == before


@AT_HEAD
def test_drift_undo_writes_the_migration_anyway(app, runner, migrations):
    by_hand(app, drop_salary)

    result = runner.invoke(args=["db", "migrate", "-d", str(migrations), "-x", "drift=undo",
                                 "-m", "salary back"])

    assert result.exit_code == 0, result.output
    assert drift_lines(result.output) == [f"DRIFT: employees.salary was dropped by hand "
                                          f"({INITIAL})."], result.output
    assert "-x drift=undo: the new migration undoes these hand changes" in result.output
    (new,) = set(scripts(migrations)) - set(scripts(copy_migrations(migrations.parent / "o")))
    assert "add_column(sa.Column('salary'" in (migrations / "versions" / new).read_text()


@AT_HEAD
def test_an_untouched_database_has_no_drift_and_a_bad_x_drift_is_one_line(runner, migrations):
    checked = runner.invoke(args=["db", "check"])
    migrated = runner.invoke(args=["db", "migrate", "-d", str(migrations), "-x", "drift=yes"])

    assert checked.exit_code == 0, checked.output
    assert drift_lines(checked.output) == [] and "Drift not checked" not in checked.output
    assert migrated.exit_code == 1, migrated.output
    assert "Error: -x drift must be undo, not 'yes'." in migrated.output, migrated.output


def test_a_database_with_no_migration_applied_has_no_drift(runner):
    result = runner.invoke(args=["db", "check"])

    # Alembic's own finding for a database behind its scripts, and no drift.
    assert result.exit_code == 1, result.output
    assert "Error: Target database is not up to date." in result.output, result.output
    assert drift_lines(result.output) == [] and "Drift not checked" not in result.output


@pytest.mark.database_at_step(3)
def test_upgrade_never_looks_for_drift(app, runner, live_db):
    by_hand(app, drop_salary)

    result = runner.invoke(args=["db", "upgrade"])

    assert result.exit_code == 0, result.output
    assert drift_lines(result.output) == [], result.output
    assert live_db.revision() == "76f31678b786"


# Runs on the real database, which has the lesson's rows; fails on an empty shadow.
NEEDS_ROWS = ('    op.get_bind().execute(sa.text("SELECT name FROM employees WHERE id = 1"))'
              '.scalar_one()')


@AT_HEAD
def test_a_history_that_cannot_be_replayed_is_one_line_and_the_command_goes_on(
        runner, live_db, tmp_path):
    live_db.insert("employees", EMPLOYEE_ROWS)
    migrations = copy_with_extra_migration(tmp_path, "76f31678b786", upgrade=NEEDS_ROWS)
    upgraded = runner.invoke(args=["db", "upgrade", "-d", str(migrations)])
    assert upgraded.exit_code == 0, upgraded.output

    result = runner.invoke(args=["db", "check", "-d", str(migrations)])

    assert result.exit_code == 0, result.output
    (line,) = [line for line in result.output.splitlines() if "Drift not checked" in line]
    assert line == ("Drift not checked: no shadow database could be made (migration "
                    "e0e0e0000005 failed in it: NoResultFound: No row was found when one was "
                    "required)."), line
    assert "Traceback" not in result.output


SERVERS = [backend for backend in backends_under_test() if backend.server_url is not None]
READER = "drift_reader"  # may read the test's database, and create nothing


def reader_url(backend, database_url):
    """`database_url` for a user who may read its tables but create no schema or database."""
    url = make_url(database_url)
    with create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT").connect() as admin:
        if backend.is_mysql:
            admin.execute(text(f"CREATE USER IF NOT EXISTS '{READER}'@'localhost'"))
            admin.execute(text(f"GRANT SELECT ON `{url.database}`.* TO '{READER}'@'localhost'"))
        else:
            try:
                admin.execute(text(f"CREATE ROLE {READER} LOGIN"))
            except ProgrammingError:  # made by an earlier test: it outlives the databases
                pass
            admin.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {READER}"))
    return url.set(username=READER).render_as_string(hide_password=False)


# Only the servers have rights to refuse (SQLite's shadow is in memory); with no server listed
# there is nothing to run, and an empty parametrize would show as a skip.
if SERVERS:
    @pytest.mark.parametrize("server", SERVERS, ids=str)
    @AT_HEAD
    def test_a_shadow_database_that_cannot_be_made_is_one_line_and_the_command_goes_on(
            server, request, database_supply, tmp_path):
        with database_supply.at_step(server, 4, tmp_path) as url:
            app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": reader_url(server, url)})
            app.test_cli_runner_class = CliRunner
            try:
                with app.app_context():
                    result = app.test_cli_runner().invoke(args=["db", "check"])
            finally:
                with app.app_context():
                    db.engine.dispose()

        assert result.exit_code == 0, result.output
        (line,) = [line for line in result.output.splitlines() if "Drift not checked" in line]
        assert line.startswith("Drift not checked: no shadow database could be made ("), line
        assert "denied" in line, line


@AT_HEAD
def test_the_shadow_is_always_dropped(backend, app, runner, tmp_path, monkeypatch):
    """Nothing this check named shadow_ stays behind: no schema, no database, no file. (Other
    workers' checks make shadows on the same server meanwhile: only this one's names count.)"""
    made = []
    for maker_name in ("rolled_back_schema", "dropped_database"):
        maker = getattr(shadow, maker_name)
        monkeypatch.setattr(shadow, maker_name,
                            lambda connection, name, maker=maker: made.append(name)
                            or maker(connection, name))
    files = set(tmp_path.rglob("*"))
    result = runner.invoke(args=["db", "check"])
    assert "Drift not checked" not in result.output, result.output
    with app.app_context(), db.engine.connect() as connection:
        if backend.is_mysql:
            assert made, "no shadow database was made"
            left = [name for name in made if connection.execute(
                text("SHOW DATABASES LIKE :name"), {"name": name}).all()]
        elif backend.server_url is not None:
            assert made, "no shadow schema was made"
            left = [name for name in made if connection.execute(
                text("SELECT nspname FROM pg_namespace WHERE nspname = :name"),
                {"name": name}).all()]
        else:
            left = set(tmp_path.rglob("*")) - files
    assert not left, left


@AT_HEAD
def test_the_page_shows_drift_as_its_own_warning(app, client):
    untouched = client.get("/").get_data(as_text=True)
    by_hand(app, drop_salary)

    page = client.get("/")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="drift"' not in untouched and 'id="drift"' in html
    drift = html[html.index('id="drift"'):]
    drift = drift[:drift.index("</section>")]
    assert f"employees.salary was dropped by hand ({INITIAL})".replace('"', "&#34;") in drift, drift
    # The models still have salary: that is the other warning, about models.py.
    assert "The models and the database disagree" not in drift
    assert "The models and the database disagree" in html
    # /api/schema says the same, for a program reading the page.
    assert client.get("/api/schema").get_json()["drift"] == {
        "differences": [f"employees.salary was dropped by hand ({INITIAL})"], "not_checked": None}
