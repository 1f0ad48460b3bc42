"""extras/connect_timeout.py: a server that accepts and never answers stops nothing for long."""
import socket
import subprocess
import threading
import time

import pytest

from app import create_app
from helpers.flask_process import FLASK, flask_env
from helpers.paths import SERVER_DIR
from models import db

TIMEOUT = 2  # seconds, set through FLASK_DATABASE_CONNECT_TIMEOUT / DATABASE_CONNECT_TIMEOUT
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
def test_upgrade_gives_up_in_one_line(silent_server, kind):
    env = flask_env(URLS[kind].format(address=silent_server.address))
    env["FLASK_DATABASE_CONNECT_TIMEOUT"] = str(TIMEOUT)
    result = subprocess.run([str(FLASK), "db", "upgrade"], cwd=SERVER_DIR, env=env,
                            capture_output=True, text=True, timeout=60)
    took = silent_server.waited(time.monotonic())

    assert result.returncode == 1, result.stderr
    [line] = [line for line in result.stderr.splitlines() if "Error:" in line]
    assert f"the database server at {silent_server.address} did not answer in time" in line
    assert "Traceback" not in result.stderr and "s3cret" not in result.stderr
    assert took < TIMEOUT + GRACE, f"took {took:.1f} s"


@pytest.mark.parametrize("kind", URLS)
def test_the_page_gives_up_with_a_503(silent_server, kind):
    url = URLS[kind].format(address=silent_server.address).replace("://", {
        "postgresql": "+psycopg://", "mysql": "+pymysql://"}[kind], 1)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATABASE_CONNECT_TIMEOUT": TIMEOUT})
    try:
        response = app.test_client().get("/")
        took = silent_server.waited(time.monotonic())
    finally:
        with app.app_context():
            db.engine.dispose()

    assert response.status_code == 503
    assert "did not answer in time" in response.text
    assert took < TIMEOUT + GRACE, f"took {took:.1f} s"


@pytest.mark.parametrize("value", ["soon", "0", "-1", "nan", "1e9"])
def test_the_timeout_must_be_a_number_of_seconds(tmp_path, value):
    result = subprocess.run([str(FLASK), "db", "current"], cwd=SERVER_DIR,
                            env=flask_env(f"sqlite:///{tmp_path / 'app.db'}")
                            | {"FLASK_DATABASE_CONNECT_TIMEOUT": value},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Error: FLASK_DATABASE_CONNECT_TIMEOUT must be a number of seconds" in result.stderr
    assert "Traceback" not in result.stderr
