"""extras/safety_nets/connect_timeout.py: a server that accepts and never answers stops nothing
for long."""
import socket
import threading
import time

import pytest

from app import create_app
from extras.core.settings import SettingError
from helpers.cli_runner import cli_runner
from helpers.flask_process import flask
from models import db

# Seconds, set through FLASK_DATABASE_CONNECT_TIMEOUT / DATABASE_CONNECT_TIMEOUT: libpq
# waits at least 2 s (it reads 1 as 2); PyMySQL takes fractions.
TIMEOUT = {"postgresql": 2, "mysql": 0.5}
GRACE = 2  # seconds the issue allows beyond the timeout


class SilentServer:
    """A socket that accepts every connection and never says a word."""

    def __init__(self, address):
        self.address = address
        self.accepted_at = []  # time.monotonic() of each connection

    def waited(self, ended_at):
        """Seconds from the first connection to `ended_at`: the wait, without Python's start-up."""
        assert self.accepted_at, "nothing connected to the silent server"
        return ended_at - self.accepted_at[0]


@pytest.fixture
def silent_server():
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)  # closing a socket does not wake a blocked accept()
    accepted, done = [], threading.Event()
    server = SilentServer(f"127.0.0.1:{listener.getsockname()[1]}")

    def accept():
        while not done.is_set():
            try:
                accepted.append(listener.accept()[0])
                server.accepted_at.append(time.monotonic())
            except TimeoutError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server
    done.set()
    thread.join()
    listener.close()
    for connection in accepted:
        connection.close()


URLS = {
    "postgresql": "postgresql://learner:s3cret@{address}/lesson",
    "mysql": "mysql://learner:s3cret@{address}/lesson",
}


@pytest.mark.parametrize("kind", URLS)
def test_upgrade_gives_up_in_one_line(silent_server, kind, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", URLS[kind].format(address=silent_server.address))
    monkeypatch.setenv("FLASK_DATABASE_CONNECT_TIMEOUT", str(TIMEOUT[kind]))
    app = create_app()  # from the environment, as `flask` makes it
    with app.app_context():
        result = cli_runner(app).invoke(args=["db", "upgrade"])
        db.engine.dispose()
    took = silent_server.waited(time.monotonic())

    assert result.exit_code == 1, result.output
    [line] = [line for line in result.stderr.splitlines() if "Error:" in line]
    assert f"the database server at {silent_server.address} did not answer in time" in line
    assert "Traceback" not in result.output and "s3cret" not in result.output
    assert took < TIMEOUT[kind] + GRACE, f"took {took:.1f} s"


@pytest.mark.parametrize("kind", URLS)
def test_the_page_gives_up_with_a_503(silent_server, kind):
    url = URLS[kind].format(address=silent_server.address).replace("://", {
        "postgresql": "+psycopg://", "mysql": "+pymysql://"}[kind], 1)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATABASE_CONNECT_TIMEOUT": TIMEOUT[kind]})
    try:
        response = app.test_client().get("/")
        took = silent_server.waited(time.monotonic())
    finally:
        with app.app_context():
            db.engine.dispose()

    assert response.status_code == 503
    assert "did not answer in time" in response.text
    assert took < TIMEOUT[kind] + GRACE, f"took {took:.1f} s"


@pytest.mark.parametrize("value", ["soon", "0", "-1", "nan", "1e9"])
def test_the_timeout_must_be_a_number_of_seconds(tmp_path, value):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    with pytest.raises(SettingError, match="^FLASK_DATABASE_CONNECT_TIMEOUT must be a number "
                                           "of seconds from 0.1 to 3600, not "):
        create_app({"SQLALCHEMY_DATABASE_URI": url, "DATABASE_CONNECT_TIMEOUT": value})


def test_the_real_flask_refuses_a_wrong_setting_in_one_line(tmp_path):
    """Checked while `flask` loads the app: one line, no traceback, before anything runs."""
    result = flask("db", "current", database_url=f"sqlite:///{tmp_path / 'app.db'}",
                   settings={"FLASK_DATABASE_CONNECT_TIMEOUT": "soon"})
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "Error: FLASK_DATABASE_CONNECT_TIMEOUT must be a number of seconds from 0.1 to 3600, "
        "not 'soon'."], result.stderr
