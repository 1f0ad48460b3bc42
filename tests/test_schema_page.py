"""extras/schema_page: the page at `/` and its JSON at `/api/schema`, on every backend."""
import html
import re
import time
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import String, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app import create_app
from extras.core.database import table_names
from extras.core.settings import SettingError
from extras.safety_nets.locks import migration_lock
from extras.schema_page.differences import describe_difference, model_differences
from extras.schema_page.page import SHOWN_CHARACTERS, SHOWN_DIFFERENCES, TABLES_PER_PAGE
from helpers.held_locks import LOCK_WAIT_MARGIN, held_like_a_migration
from helpers.live_database import this_repository_schema
from helpers.migration_copies import EXTRA_REVISION, copy_migrations, copy_with_extra_migration
from models import Department, Employee, db
from testing.backends import SQLITE
from testing.lesson import DEPARTMENT_ROWS, EMPLOYEE_ROWS, SCHEMA_AFTER_STEP


def execute(app, sql):
    """Change the database behind the app's back, as another tool might."""
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text(sql))


def columns_by_table(tables):
    """{table: {column: (nullable, primary_key)}} from the JSON's `tables`."""
    return {
        t["name"]: {c["name"]: (c["nullable"], c["primary_key"]) for c in t["columns"]}
        for t in tables
    }


def expected_columns(step_number):
    return {
        table: {name: tuple(col) for name, col in columns.items()}
        for table, columns in this_repository_schema(step_number).items()
    }


def test_api_of_an_empty_database(client, steps):
    facts = client.get("/api/schema").get_json()
    assert facts["revision"] is None
    assert facts["head"] == steps[-1].revision
    assert facts["history"] == [
        {"id": s.revision, "message": s.message, "applied": False} for s in steps
    ]
    assert facts["tables"] == []
    # The models describe tables the database does not have yet.
    assert facts["differences"] == [
        "add table `departments`: in the models but not in the database",
        "add table `employees`: in the models but not in the database",
    ]


def test_api_at_every_step(client, live_db, steps):
    """Upgrade one step at a time; the JSON follows, rows counted and kept through the renames."""
    for step in steps:
        live_db.upgrade(step.revision, f"Upgrading to {step}")
        if step.number == 1:
            live_db.insert("employees", EMPLOYEE_ROWS)
        if step.number == 2:
            live_db.insert("department", DEPARTMENT_ROWS)
        counts = {
            table: len(EMPLOYEE_ROWS if table == "employees" else DEPARTMENT_ROWS)
            for table in SCHEMA_AFTER_STEP[step.number]
        }

        facts = client.get("/api/schema").get_json()

        where = f"At {step}"
        assert all(set(t) == {"name", "rows", "columns"} for t in facts["tables"]), where
        assert all(
            set(c) == {"name", "type", "nullable", "primary_key"}
            for t in facts["tables"] for c in t["columns"]
        ), where
        assert facts["revision"] == {"id": step.revision, "message": step.message}, where
        assert facts["head"] == steps[-1].revision, where
        assert [(h["id"], h["applied"]) for h in facts["history"]] == [
            (s.revision, s.number <= step.number) for s in steps
        ], where
        assert columns_by_table(facts["tables"]) == expected_columns(step.number), where
        assert {t["name"]: t["rows"] for t in facts["tables"]} == counts, where
        types = {c["type"] for t in facts["tables"] for c in t["columns"]}
        assert all(types) and any("255" in t for t in types), f"{where}: {types}"
        # Only at head do the models (which are at step 4) match the database.
        differences = facts["differences"]
        assert (differences == []) == (step.number == 4), f"{where}: {differences}"


@pytest.mark.database_at_step(2)
def test_page_at_step_2_and_at_head(client, live_db, steps):
    """Revision, history with its commands, tables, columns and rows."""
    live_db.insert("employees", EMPLOYEE_ROWS)
    live_db.insert("department", DEPARTMENT_ROWS)
    for k, table, column in ((2, "department", "address"), (4, "departments", "location")):
        step = steps[k - 1]
        live_db.upgrade(step.revision, f"Upgrading to {step}")

        response = client.get("/")

        assert response.status_code == 200
        page = html.unescape(response.get_data(as_text=True))
        assert f"{step.revision}</code> {step.message}" in page
        for s in steps:
            moves = [f"flask db {way} {s.revision}" in page for way in ("downgrade", "upgrade")]
            # Back to an earlier step, on to a later one, nothing for where it is.
            assert moves == [s.number < k, s.number > k], f"the commands for {s} at step {k}"
        assert "flask db downgrade base" in page
        assert f'id="table-{table}"' in page and f"<code>{column}</code>" in page
        assert f"<code>{table}</code> <span class=\"muted\">{len(DEPARTMENT_ROWS)} rows" in page
        assert "VARCHAR(255)" in page.upper()
        for row in DEPARTMENT_ROWS + EMPLOYEE_ROWS:
            assert f"<td>{row['name']}</td>" in page
        # Behind head the next step is upgrade: `migrate` refuses while the database is behind.
        assert ("The models and the database differ" in page) == (k != 4)
        assert "The models and the database disagree" not in page
        assert ("flask db migrate" in page) is False
        assert ("<code>flask db upgrade</code></p>" in page) == (k != 4)
        assert ("at head" in page) == (k == 4)


def test_reload_shows_the_new_state(client, runner, steps):
    page = client.get("/").get_data(as_text=True)
    assert ("Empty database" in page or "No database yet" in page) and "No tables yet." in page
    assert runner.invoke(args=["db", "upgrade", steps[0].revision]).exit_code == 0
    assert 'id="table-employees"' in client.get("/").get_data(as_text=True)
    assert runner.invoke(args=["db", "downgrade", "base"]).exit_code == 0
    assert "Empty database" in client.get("/").get_data(as_text=True)


def test_values_are_escaped(client, live_db, runner):
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    live_db.insert("departments", [{"name": "<script>alert(1)</script>", "location": "<b>A</b>"}])

    response = client.get("/")

    page = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "<b>A</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;A&lt;/b&gt;" in page
    # Defence in depth: the browser may load nothing but the page's own stylesheet.
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_a_column_added_outside_the_migrations_is_a_difference(app, client, runner):
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    execute(app, "ALTER TABLE employees ADD COLUMN nickname VARCHAR(50)")

    facts = client.get("/api/schema").get_json()
    assert facts["differences"] == [
        "remove column `employees.nickname`: in the database but not in the models"
    ]
    page = html.unescape(client.get("/").get_data(as_text=True))
    assert "The models and the database disagree" in page
    assert ("<li>remove column `employees.nickname`: in the database but not in the models</li>"
            in page)
    assert 'flask db migrate -m "..."' in page


def test_models_changed_without_a_migration_is_a_difference(client, runner, monkeypatch):
    """The slip the README warns about: `location` made NOT NULL in the model only."""
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    monkeypatch.setattr(Department.__table__.c.location, "nullable", False)
    monkeypatch.setattr(Employee.__table__.c.name, "type", String(100))

    differences = client.get("/api/schema").get_json()["differences"]

    assert sorted(differences) == [
        "modify nullable of `departments.location`: the database has NULL, "
        "the models say NOT NULL",
        "modify type of `employees.name`: the database has VARCHAR(255), "
        "the models say VARCHAR(100)",
    ]


def test_a_revision_the_scripts_do_not_know(app, client, runner, steps):
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    execute(app, "UPDATE alembic_version SET version_num = 'feedfacecafe'")

    facts = client.get("/api/schema").get_json()
    assert facts["revision"] == {"id": "feedfacecafe", "message": None}
    assert not any(h["applied"] for h in facts["history"])

    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "which no script in" in page and "feedfacecafe" in page
    assert "flask db upgrade " + steps[-1].revision not in page  # it would fail from there


def unreachable(backend, tmp_path):
    """A URL on `backend` that cannot be opened, with a password in it."""
    if backend == SQLITE:
        return f"sqlite:///{tmp_path / 'no such folder' / 'app.db'}"
    missing = make_url(backend.server_url).set(
        database=f"lesson_missing_{uuid.uuid4().hex[:8]}", password="s3cret-pw"
    )
    return missing.render_as_string(hide_password=False)


def test_an_unreachable_database_gives_503(backend, tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": unreachable(backend, tmp_path)})
    try:
        page = app.test_client().get("/")
        api = app.test_client().get("/api/schema")
    finally:
        with app.app_context():
            db.engine.dispose()

    for response in (page, api):
        body = response.get_data(as_text=True)
        assert response.status_code == 503, body
        assert "s3cret-pw" not in body and "Traceback" not in body
    assert "The database could not be read" in page.get_data(as_text=True)
    assert api.get_json()["error"] == "database unavailable"
    assert api.get_json()["reason"], "the reason must say what went wrong"


def test_a_server_that_is_down_gives_503_without_the_password(tmp_path):
    """Nothing listens on port 1 of this machine: the connection is refused at once."""
    down = "postgresql+psycopg://ann:s3cret-pw@127.0.0.1:1/lesson"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": down})
    response = app.test_client().get("/")
    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "s3cret-pw" not in body and "ann:***@127.0.0.1:1/lesson" in body
    assert "Connection refused" in body or "connection failed" in body, body


def test_a_broken_migration_script_gives_503_naming_it(app, client, steps, tmp_path):
    migrations = copy_migrations(tmp_path)
    script = migrations.parent / steps[-1].file
    script.write_text(script.read_text() + "\nbroken = (\n")
    app.extensions["migrate"].migrate.directory = str(migrations)

    page = client.get("/")
    api = client.get("/api/schema")

    assert page.status_code == 503 and api.status_code == 503
    assert "The migration scripts cannot be used" in page.get_data(as_text=True)
    assert api.get_json()["error"] == "migration scripts unusable"
    assert "SyntaxError" in api.get_json()["reason"] and script.name in api.get_json()["reason"]


def test_a_bug_of_ours_is_not_blamed_on_the_scripts(app, client, monkeypatch):
    """Only an error raised inside a migration script makes the page say "scripts unusable"."""
    def broken_read_state(*args, **kwargs):
        raise KeyError("a bug in the page's own code")

    monkeypatch.setattr("extras.schema_page.page.read_state", broken_read_state)
    with pytest.raises(KeyError, match="a bug in the page's own code"):
        client.get("/api/schema")  # TESTING: Flask lets the exception through


# What the page guards against: big data, held locks, other hosts.

def test_long_values_are_cut_short_with_a_mark(app, client):
    """A 10,000-character value shows its first SHOWN_CHARACTERS and its length, not all of it."""
    long_value = "a" * SHOWN_CHARACTERS + "z" * (10_000 - SHOWN_CHARACTERS)
    just_fits = "c" * SHOWN_CHARACTERS
    execute(app, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    execute(app, f"INSERT INTO notes (id, body) VALUES (1, '{long_value}'), (2, '{just_fits}')")

    response = client.get("/")

    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "a" * SHOWN_CHARACTERS + '<span class="cut">… (10,000 characters)</span>' in page
    assert "a" * (SHOWN_CHARACTERS + 1) not in page and "az" not in page and "zz" not in page
    assert f"<td>{just_fits}</td>" in page  # a value that fits is shown whole, unmarked
    assert len(page) < 20_000, "the page must not carry the whole value"


EXTRA_TABLES = 120  # with the lesson's two: three pages of TABLES_PER_PAGE


def shown_tables(page):
    return re.findall(r'<article class="table" id="table-(\w+)"', page)


@pytest.mark.database_at_step(4)
def test_many_tables_are_paged(app, client, runner):
    extra = [f"extra_{n:03}" for n in range(EXTRA_TABLES)]
    # MariaDB makes a file for each InnoDB table, a tenth of a second each; the page
    # reads a MEMORY table's name and columns the same way.
    engine = " ENGINE=MEMORY" if make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name(
        ) in ("mysql", "mariadb") else ""
    with app.app_context(), db.engine.begin() as connection:
        for name in extra:
            connection.execute(text(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY){engine}"))
    every_table = sorted([*extra, "departments", "employees"])

    pages = [client.get(f"/?page={n}") for n in (1, 2, 3)]

    texts = [html.unescape(p.get_data(as_text=True)) for p in pages]
    assert [p.status_code for p in pages] == [200, 200, 200]
    assert [shown_tables(t) for t in texts] == [
        every_table[:TABLES_PER_PAGE], every_table[TABLES_PER_PAGE:2 * TABLES_PER_PAGE],
        every_table[2 * TABLES_PER_PAGE:],
    ]
    assert "Tables 1–50 of 122, page 1 of 3" in texts[0]
    assert 'href="/?page=2" rel="next"' in texts[0] and 'rel="prev"' not in texts[0]
    assert 'href="/?page=1" rel="prev"' in texts[1] and 'href="/?page=3" rel="next"' in texts[1]
    assert "Tables 101–122" in texts[2] and 'rel="next"' not in texts[2]
    # Each extra table is a difference, and the page lists only the first ones.
    assert len(re.findall("<li>remove table", texts[0])) == SHOWN_DIFFERENCES
    assert f"… and {EXTRA_TABLES - SHOWN_DIFFERENCES} more" in texts[0]
    # Out of range: a missing page is a 404, anything below 1 or not a number is page 1.
    assert client.get("/?page=4").status_code == 404
    for odd in ("0", "-3", "many"):
        assert shown_tables(client.get(f"/?page={odd}").get_data(as_text=True)) == \
            every_table[:TABLES_PER_PAGE]
    # The JSON still has every table and every difference.
    facts = client.get("/api/schema").get_json()
    assert [t["name"] for t in facts["tables"]] == every_table
    assert len(facts["differences"]) == EXTRA_TABLES


@pytest.mark.database_at_step(2)  # `department`, not `departments`
def test_unmodelled_tables_are_differences_as_autogenerate_finds_them(app, live_db, steps):
    """The page names tables the models lack without reflecting them: the same sentences
    as describing everything compare_metadata() finds.
    """
    execute(app, "CREATE TABLE zz_scratch (id INTEGER PRIMARY KEY, note VARCHAR(20))")
    execute(app, "CREATE TABLE aa_scratch (id INTEGER PRIMARY KEY)")
    migrate = app.extensions["migrate"]
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={**migrate.configure_args, "target_metadata": db.metadata})
        everything = []
        for difference in compare_metadata(context, db.metadata):
            group = difference if isinstance(difference, list) else [difference]
            everything.extend(describe_difference(change) for change in group)

        page_says = model_differences(connection, db.metadata, migrate.configure_args,
                                      table_names(inspect(connection)))

    assert "remove table `zz_scratch`: in the database but not in the models" in everything
    assert sorted(page_says) == sorted(everything)  # autogenerate drops in set order


@pytest.fixture
def sqlite_app(tmp_path):
    """An app on an empty SQLite file: for what does not depend on the database."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'a.db'}"})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_foreign_host_is_refused(sqlite_app):
    client = sqlite_app.test_client()
    for host in ("evil.example", "evil.example:5555", "127.0.0.1.evil.example", "localhost.",
                 "pc.local:5555"):
        response = client.get("/api/schema", headers={"Host": host})
        assert response.status_code == 400, host
        assert "FLASK_SCHEMA_PAGE_HOSTS" in response.get_data(as_text=True)
    for host in ("localhost", "LOCALHOST:5555", "127.0.0.1:5000", "[::1]:5555", "[::1]"):
        assert client.get("/api/schema", headers={"Host": host}).status_code == 200, host

    sqlite_app.config["SCHEMA_PAGE_HOSTS"] = "pc.local, Lab.Example"
    for host in ("pc.local:5555", "lab.example", "localhost"):
        assert client.get("/api/schema", headers={"Host": host}).status_code == 200, host
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400


def test_every_response_carries_the_security_headers(sqlite_app, tmp_path):
    sqlite_app.config["PROPAGATE_EXCEPTIONS"] = False  # a real server's 500, not a raise

    @sqlite_app.get("/boom")
    def boom():
        raise RuntimeError("a bug in a route")

    down = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'no' / 'app.db'}"})
    client = sqlite_app.test_client()
    responses = {
        "page": client.get("/"),
        "api": client.get("/api/schema"),
        "stylesheet": client.get("/schema-page/static/schema.css"),
        "icon": client.get("/schema-page/static/favicon.svg"),
        "not found": client.get("/no-such-page"),
        "foreign host": client.get("/", headers={"Host": "evil.example"}),
        "server error": client.get("/boom"),
        "database unavailable": down.test_client().get("/"),
        "database unavailable, JSON": down.test_client().get("/api/schema"),
    }
    assert {kind: r.status_code for kind, r in responses.items()} == {
        "page": 200, "api": 200, "stylesheet": 200, "icon": 200, "not found": 404,
        "foreign host": 400, "server error": 500, "database unavailable": 503,
        "database unavailable, JSON": 503,
    }
    for kind, response in responses.items():
        response.close()
        csp = response.headers.get("Content-Security-Policy", "")
        assert csp.startswith("default-src 'none'"), kind
        assert "frame-ancestors 'none'" in csp, kind
        assert response.headers.get("X-Content-Type-Options") == "nosniff", kind
        assert response.headers.get("Referrer-Policy") == "no-referrer", kind


def test_a_held_migration_lock_gives_503_then_the_page_works(app, client, runner,
                                                               database_url):
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    app.config["SCHEMA_PAGE_LOCK_WAIT"] = 0.5  # MariaDB rounds it up to 1 s
    with app.app_context():
        db.engine.dispose()  # let the lock be taken: no connection of the app's left open

    with held_like_a_migration(database_url, "employees"):
        started = time.monotonic()
        page = client.get("/")
        api = client.get("/api/schema")
        waited = (time.monotonic() - started) / 2

    assert page.status_code == 503 and api.status_code == 503
    assert waited < 1 + LOCK_WAIT_MARGIN, f"each request waited {waited:.1f} s"
    assert "A migration is running; reload in a moment" in page.get_data(as_text=True)
    assert api.get_json()["error"] == "migration running"
    assert api.get_json()["reason"].startswith("a migration is running; reload in a moment")
    assert page.headers["Retry-After"] == "1"
    assert client.get("/").status_code == 200, "the page must work once the lock is released"


def test_a_wrong_lock_wait_setting_is_one_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    for wrong in ("soon", 0, -1, "nan", 61):
        with pytest.raises(SettingError, match="FLASK_SCHEMA_PAGE_LOCK_WAIT must be"):
            create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEMA_PAGE_LOCK_WAIT": wrong})
    assert create_app({"SQLALCHEMY_DATABASE_URI": url,
                       "SCHEMA_PAGE_LOCK_WAIT": "0.5"}).config["SCHEMA_PAGE_LOCK_WAIT"] == 0.5


def test_opening_the_page_makes_no_database(tmp_path, steps):
    """A SQLite file that is not there (`lesson start` moved it, or never upgraded) stays so."""
    database = tmp_path / "app.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    client = app.test_client()
    try:
        page = client.get("/")
        api = client.get("/api/schema")
    finally:
        with app.app_context():
            db.engine.dispose()

    assert not database.exists(), "opening the page made a database file"
    assert page.status_code == 200 and api.status_code == 200
    assert "No database yet" in page.get_data(as_text=True)
    facts = api.get_json()
    assert facts["database_exists"] is False and facts["revision"] is None
    assert facts["next_step"] == {
        "command": "flask db upgrade",
        "why": f"No migration is applied yet: `flask db upgrade` applies all {len(steps)} "
               "(it creates the database).",
    }


def next_step_of(client):
    """(the JSON's next step, the page's text), after checking the two agree."""
    facts = client.get("/api/schema").get_json()
    page = html.unescape(client.get("/").get_data(as_text=True))
    step = facts["next_step"]
    assert step["why"] in page
    if step["command"]:
        assert f'<section id="next-step">\n  <h2>Next step</h2>\n  <p class="big"><code>' \
               f'{step["command"]}</code></p>' in page
    return step, page


def test_the_next_step_in_every_state(copy_app, lesson_copy, steps, monkeypatch):
    """Each state names the command that would work from there, on the page and in the JSON."""
    client = copy_app.test_client()
    runner = copy_app.test_cli_runner()

    def flask(*args):
        with copy_app.app_context():
            result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output

    # All four migrations written, none applied.
    step, page = next_step_of(client)
    assert step["command"] == "flask db upgrade" and "applies all 4" in step["why"]

    # Behind head: `migrate` would refuse, so the page never offers it.
    flask("db", "upgrade", steps[1].revision)
    step, page = next_step_of(client)
    assert step == {"command": "flask db upgrade",
                    "why": "2 of the 4 migrations are not applied yet: `flask db upgrade` "
                           "applies them."}
    assert "flask db migrate" not in page

    # At head: nothing to do, until the models change.
    flask("db", "upgrade")
    step, page = next_step_of(client)
    assert step["command"] is None and step["why"].startswith("Nothing to do")
    monkeypatch.setattr(Employee.__table__.c.name, "type", String(100))
    step, page = next_step_of(client)
    assert step["command"] == 'flask db migrate -m "..."'
    assert "`flask db migrate` would write" in page.replace("<code>", "`").replace("</code>", "`")
    monkeypatch.undo()

    # A revision no script knows.
    execute(copy_app, "UPDATE alembic_version SET version_num = 'feedfacecafe'")
    step, page = next_step_of(client)
    assert step["command"] is None and "feedfacecafe" in step["why"]

    # Tables, but no revision: `upgrade` would fail to create them again.
    execute(copy_app, "DELETE FROM alembic_version")
    step, page = next_step_of(client)
    assert step["command"] is None and "made without a migration" in step["why"]


def test_an_empty_versions_folder_asks_for_the_first_migrate(copy_app, lesson_copy):
    """`flask lesson start`'s state: step 1's models, no scripts, no database yet."""
    for script in lesson_copy.versions.glob("*.py"):
        script.unlink()

    step, page = next_step_of(copy_app.test_client())

    assert step["command"] == 'flask db migrate -m "Initial migration."'
    assert "migrations/versions/ is empty" in step["why"]
    assert "runs them all" not in page


def test_two_heads_say_how_to_join_them_and_nothing_else(app, client, steps, tmp_path):
    migrations = copy_with_extra_migration(tmp_path, steps[2].revision, upgrade="    pass")
    app.extensions["migrate"].migrate.directory = str(migrations)

    api = client.get("/api/schema")
    page = html.unescape(client.get("/").get_data(as_text=True))

    assert api.status_code == 503
    reason = api.get_json()["reason"]
    assert "two heads" in reason and "flask db merge heads" in reason, reason
    assert f"{EXTRA_REVISION}_extra.py" in reason
    assert reason in page and "Fix the script it names" not in page


def test_a_running_migration_is_never_shown_half_done(app, client, runner, backend):
    """MariaDB commits each DDL statement at once: while the migration lock is held, the page
    says a migration is running. SQLite and PostgreSQL show the last committed moment."""
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        db.engine.dispose()
        url = db.engine.url
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection, migration_lock(connection, 5, print):
            connection.exec_driver_sql("SELECT 1")  # SQLite: BEGIN IMMEDIATE takes it
            api = client.get("/api/schema")
    finally:
        engine.dispose()

    if backend.is_mysql:
        assert api.status_code == 503, api.get_data(as_text=True)
        assert api.get_json()["error"] == "migration running"
        assert api.get_json()["reason"].startswith("a migration is running; reload in a moment")
    else:
        assert api.status_code == 200, api.get_data(as_text=True)
        assert api.get_json()["revision"]["id"] == api.get_json()["head"]
