"""Who holds the migration lock: the server process or connection, since when, doing what.

Asked only after a run has waited a second, and only on PostgreSQL and
MariaDB, which can tell; SQLite cannot.
"""
from datetime import datetime, timedelta, timezone

from sqlalchemy import text


def postgresql_lock_holder(connection, key):
    """Who holds the advisory lock `key` in this database, or None."""
    row = first_row(connection, text(
        "SELECT a.pid, a.backend_start, a.state, a.query FROM pg_locks l "
        "JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 "
        "AND l.objid = CAST(:key AS oid) AND l.objsubid = 1 "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    ).bindparams(key=key))
    if row is None:
        return None
    return describe_holder(f"PostgreSQL process {row.pid}", row.backend_start,
                           row.query if row.state == "active" else None)


def mysql_lock_holder(connection, name):
    """Who holds the named lock, or None."""
    row = first_row(connection, text(
        "SELECT p.ID AS id, p.TIME AS seconds, p.INFO AS query "
        "FROM information_schema.PROCESSLIST p WHERE p.ID = IS_USED_LOCK(:name)"
    ).bindparams(name=name))
    if row is None:
        return None
    # PROCESSLIST only knows how long the connection has been in its current state.
    since = datetime.now(timezone.utc) - timedelta(seconds=row.seconds or 0)
    return describe_holder(f"MariaDB connection {row.id}", since, row.query)


def first_row(connection, query):
    """The first row of `query`, or None, without leaving a transaction open."""
    row = connection.execute(query).first()
    connection.commit()
    return row


def describe_holder(who, since, query):
    """`who` held it since `since` (a datetime), running `query` (None: between statements)."""
    since = since.astimezone().strftime("%H:%M:%S") if since else "?"
    doing = f", running: {' '.join(query.split())[:200]}" if query else ", between statements"
    return f"held by {who} since {since}{doing}"
