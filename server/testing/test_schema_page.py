"""The schema page at `/` and its JSON at `/api/schema`, on every engine."""
import html
import uuid

import pytest
from sqlalchemy import String, text
from sqlalchemy.engine import make_url

from app import create_app
from models import Department, Employee, db
from testing.lesson import DEPARTMENT_ROWS, EMPLOYEE_ROWS, SCHEMA_AFTER_STEP

STEP_NUMBERS = [1, 2, 3, 4]


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
        table: {name: (col.nullable, col.primary_key) for name, col in columns.items()}
        for table, columns in SCHEMA_AFTER_STEP[step_number].items()
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
    assert facts["drift"] == [
        "add table `departments`: in the models but not in the database",
        "add table `employees`: in the models but not in the database",
    ]


@pytest.mark.parametrize("k", STEP_NUMBERS)
def test_api_at_step(k, client, live_db, steps):
    step = steps[k - 1]
    live_db.upgrade(step.revision, f"Upgrading to {step}")

    facts = client.get("/api/schema").get_json()

    assert facts["revision"] == {"id": step.revision, "message": step.message}
    assert facts["head"] == steps[-1].revision
    assert [(h["id"], h["applied"]) for h in facts["history"]] == [
        (s.revision, s.number <= k) for s in steps
    ]
    assert columns_by_table(facts["tables"]) == expected_columns(k)
    assert all(t["rows"] == 0 for t in facts["tables"])
    types = {c["type"] for t in facts["tables"] for c in t["columns"]}
    assert all(types) and any("255" in t for t in types), types
    # Only at head do the models (which are at step 4) match the database.
    assert (facts["drift"] == []) == (k == 4), facts["drift"]


def test_api_counts_rows_in_the_database(client, runner):
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert runner.invoke(args=["seed"]).exit_code == 0
    facts = client.get("/api/schema").get_json()
    assert {t["name"]: t["rows"] for t in facts["tables"]} == {
        "departments": len(DEPARTMENT_ROWS),
        "employees": len(EMPLOYEE_ROWS),
    }


@pytest.mark.parametrize("k", [2, 4])
def test_page_at_step(k, client, live_db, steps):
    """Revision, history with its commands, tables, columns and rows, at step 2 and head."""
    live_db.upgrade(steps[1].revision, "Upgrading to step 2")
    live_db.insert("employees", EMPLOYEE_ROWS)
    live_db.insert("department", DEPARTMENT_ROWS)
    live_db.upgrade(steps[k - 1].revision, f"Upgrading to step {k}")

    response = client.get("/")

    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    step = steps[k - 1]
    assert f"{step.revision}</code> {step.message}" in page
    for s in steps:
        if s.number < k:
            assert f"flask db downgrade {s.revision}" in page
        elif s.number > k:
            assert f"flask db upgrade {s.revision}" in page
        else:
            assert f"flask db upgrade {s.revision}" not in page
            assert f"flask db downgrade {s.revision}" not in page
    assert "flask db downgrade base" in page
    table, column = ("department", "address") if k == 2 else ("departments", "location")
    assert f'id="table-{table}"' in page and f"<code>{column}</code>" in page
    assert "VARCHAR(255)" in page.upper()
    for row in DEPARTMENT_ROWS + EMPLOYEE_ROWS:
        assert f"<td>{row['name']}</td>" in page
    assert ("The models and the database disagree" in page) == (k != 4)
    assert ("at head" in page) == (k == 4)


def test_page_of_an_empty_database(client):
    page = client.get("/").get_data(as_text=True)
    assert "Empty database" in page and "No tables yet." in page


def test_reload_shows_the_new_state(client, runner, steps):
    assert "Empty database" in client.get("/").get_data(as_text=True)
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


def test_a_column_added_outside_the_migrations_is_drift(app, client, runner):
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    execute(app, "ALTER TABLE employees ADD COLUMN nickname VARCHAR(50)")

    facts = client.get("/api/schema").get_json()
    assert facts["drift"] == [
        "remove column `employees.nickname`: in the database but not in the models"
    ]
    page = html.unescape(client.get("/").get_data(as_text=True))
    assert "The models and the database disagree" in page
    assert "<li>remove column `employees.nickname`: in the database but not in the models</li>" in page
    assert 'flask db migrate -m "..."' in page


def test_models_changed_without_a_migration_is_drift(client, runner, monkeypatch):
    """The slip the README warns about: `location` made NOT NULL in the model only."""
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    monkeypatch.setattr(Department.__table__.c.location, "nullable", False)
    monkeypatch.setattr(Employee.__table__.c.name, "type", String(100))

    drift = client.get("/api/schema").get_json()["drift"]

    assert sorted(drift) == [
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


def unreachable(database_url, tmp_path):
    """A URL on the same engine that cannot be opened, with a password in it."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path / 'no such folder' / 'app.db'}"
    missing = url.set(database=f"lesson_missing_{uuid.uuid4().hex[:8]}", password="s3cret-pw")
    return missing.render_as_string(hide_password=False)


@pytest.mark.parametrize("path", ["/", "/api/schema"])
def test_an_unreachable_database_gives_503(path, database_url, tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": unreachable(database_url, tmp_path)})
    try:
        response = app.test_client().get(path)
    finally:
        with app.app_context():
            db.engine.dispose()

    body = response.get_data(as_text=True)
    assert response.status_code == 503, body
    assert "s3cret-pw" not in body and "Traceback" not in body
    if path == "/":
        assert "The database could not be read" in body
    else:
        assert response.get_json()["error"] == "database unavailable"
        assert response.get_json()["reason"], "the reason must say what went wrong"
