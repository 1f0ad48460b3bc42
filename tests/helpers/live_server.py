"""A real `flask run` or `flask start` serving on a free loopback port, stopped as a whole."""
import os
import signal
import socket
import subprocess
import time
import urllib.request
from contextlib import closing, contextmanager

import pytest

from helpers.flask_process import start_flask
from helpers.paths import SERVER_DIR

SERVER_START_SECONDS = 20


def free_port():
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(*args, database_url, log_path, cwd=SERVER_DIR, settings=None):
    """Run `flask *args --port <free>` (run or start) until the block ends; yield its address.

    `settings` are further environment variables, such as FLASK_SCHEMA_PAGE_LOCK_WAIT.

    The process has a session of its own, and the whole session is stopped
    at the end: with the reloader on (server/.flaskenv), the server is a
    child of the process started here.
    """
    port = free_port()
    process = start_flask(*args, "--port", port, database_url=database_url, cwd=cwd,
                          settings=settings, output=log_path)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, process, log_path)
        yield url, process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_until_serving(url, process, log_path):
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"`flask` exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url + "/api/schema", timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"`flask` did not answer within {SERVER_START_SECONDS} s:\n{log_path.read_text()}")
