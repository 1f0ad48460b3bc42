"""The migration lock's names, and whether someone holds it, without taking it.

safety_nets/locks.py takes and releases the lock; the schema page only
looks, so the names live down here where both can reach them.
"""
import zlib

from sqlalchemy import text

# One lock per database; the name says whose it is.
LOCK_NAME = "flask-migrate:alembic_version"
POSTGRESQL_LOCK_KEY = zlib.crc32(LOCK_NAME.encode())


def mysql_lock_name(connection):
    """GET_LOCK names are server-wide, so the name includes the database's."""
    database = connection.exec_driver_sql("SELECT DATABASE()").scalar()
    return f"{LOCK_NAME}:{database}"[:64]


def migration_lock_held(connection):
    """True while someone holds this database's migration lock, without taking it.

    PostgreSQL and MariaDB can tell; on SQLite (and anything else) the
    answer is False: SQLite's lock is its write lock, which a reader meets
    by itself.
    """
    name = connection.dialect.name
    if name == "postgresql":
        query = text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid = 0 AND objid = CAST(:key AS oid) AND objsubid = 1 "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ).bindparams(key=POSTGRESQL_LOCK_KEY)
    elif name in ("mysql", "mariadb"):
        query = text("SELECT IS_USED_LOCK(:name) IS NOT NULL").bindparams(
            name=mysql_lock_name(connection))
    else:
        return False
    return bool(connection.execute(query).scalar())
