"""Connecting to a database server gives up after a few seconds instead of hanging.

An address that accepts the connection but never answers (a firewall, a
wrong port, a server stuck at start) would hang `flask db upgrade`, `flask
seed` and the page for ever: neither driver has a limit on the server's
first answer by default. Every engine of the app gets one, DATABASE_CONNECT_TIMEOUT
seconds (FLASK_DATABASE_CONNECT_TIMEOUT in the environment, core/settings.py),
10 when the app does not say. It covers only connecting: a long migration statement is
never cut short.
"""
import math

from sqlalchemy import event


def limit_connecting(engine, seconds):
    """Make every new connection of `engine` give up after `seconds` without an answer.

    A timeout the URL sets itself (`?connect_timeout=3`) is kept.
    """
    backend = engine.dialect.name
    if backend == "postgresql":  # libpq's own setting, whole seconds
        @event.listens_for(engine, "do_connect")
        def postgresql_timeout(dialect, record, cargs, cparams):
            cparams.setdefault("connect_timeout", math.ceil(seconds))

    elif backend in ("mysql", "mariadb"):
        # PyMySQL's connect_timeout covers only the TCP connect; the server's
        # greeting is read with read_timeout, which must not outlive the connect.
        @event.listens_for(engine, "do_connect")
        def mysql_timeouts(dialect, record, cargs, cparams):
            cparams.setdefault("connect_timeout", seconds)
            if "read_timeout" not in cparams:
                cparams["read_timeout"] = seconds
                record.info["connecting_read_timeout"] = True

        @event.listens_for(engine, "connect")
        def no_read_timeout_once_connected(dbapi_connection, record):
            if record.info.pop("connecting_read_timeout", False):
                dbapi_connection._read_timeout = None  # PyMySQL applies it on the next read


def init_app(app):
    """Give every engine of the app's Flask-SQLAlchemy the connect timeout."""
    seconds = app.config["DATABASE_CONNECT_TIMEOUT"]
    with app.app_context():
        for engine in app.extensions["sqlalchemy"].engines.values():
            limit_connecting(engine, seconds)
