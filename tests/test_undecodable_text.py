"""extras/schema_page/state.py: text SQLite cannot decode is shown marked, not called an outage."""
import html

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from testing.backends import SQLITE


@pytest.mark.database_at_step(4)
def test_text_that_is_not_utf8_is_shown_with_marks(app, backend, client, live_db, steps):
    if backend != SQLITE:  # only SQLite stores bytes that are not text as text
        assert client.get("/").status_code == 200
        return
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO employees (name, salary) VALUES (CAST(x'416e6eff' AS TEXT), 1)"))
    engine.dispose()

    response = client.get("/")

    assert response.status_code == 200, response.text
    assert "Ann\N{REPLACEMENT CHARACTER}" in html.unescape(response.text)
