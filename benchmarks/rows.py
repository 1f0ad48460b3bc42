"""Filling a table with N rows, fast, in one set-based INSERT ... SELECT.

The rows are made by the database itself (no Python loop, no round trip
per row), from a sequence 1..N written the way each backend does best:
PostgreSQL's generate_series, a recursive CTE on SQLite, and on MySQL and
MariaDB a cross join of digits (their recursive CTEs stop at 1,000 rows by
default). Filling is never timed.
"""
from sqlalchemy import column, func, inspect, select, table, text
from sqlalchemy.types import Integer

DIGITS = " UNION ALL ".join(f"SELECT {digit} AS d" for digit in range(10))


def numbers(backend, n):
    """SQL for `SELECT i` over i = 1..n (or a superset that the caller cuts at n)."""
    if backend == "postgresql":
        return "SELECT i FROM generate_series(1, :n) AS g(i)"
    if backend == "sqlite":
        return ("WITH RECURSIVE counter(i) AS "
                "(SELECT 1 UNION ALL SELECT i + 1 FROM counter WHERE i < :n) SELECT i FROM counter")
    places = len(str(max(n - 1, 1)))  # enough digits to count to n
    digit_sum = " + ".join(f"d{k}.d * {10 ** k}" for k in range(places))
    joins = " CROSS JOIN ".join(f"({DIGITS}) AS d{k}" for k in range(places))
    return f"SELECT 1 + {digit_sum} AS i FROM {joins}"


def value_sql(backend, name, column_type):
    """An SQL expression of `i` for a column: the id, a number, or a text like 'name 42'."""
    if name == "id":
        return "seq.i"
    if isinstance(column_type, Integer):
        return "30000 + seq.i % 100000"
    if backend in ("mysql", "mariadb"):
        return f"CONCAT('{name} ', seq.i)"
    return f"'{name} ' || seq.i"


def fill(connection, table_name, n):
    """Insert rows 1..n into `table_name`, whatever its columns are right now."""
    backend = connection.dialect.name
    columns = inspect(connection).get_columns(table_name)
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(col["name"]) for col in columns)
    values = ", ".join(value_sql(backend, col["name"], col["type"]) for col in columns)
    connection.execute(
        text(
            f"INSERT INTO {quote(table_name)} ({names}) "
            f"SELECT {values} FROM ({numbers(backend, n)}) AS seq WHERE seq.i <= :n"
        ),
        {"n": n},
    )


def ensure_rows(engine, table_name, n):
    """Make `table_name` hold exactly rows 1..n; return True if it had to be (re)filled.

    Every fill inserts ids 1..n in one transaction and no migration deletes
    single rows, so max(id) == n means the table is full, and it is read from
    the primary key's index, so checking costs next to nothing.
    """
    with engine.begin() as connection:
        target = table(table_name, column("id"))
        highest = connection.execute(select(func.max(target.c.id))).scalar()
        if highest == n:
            return False
        if highest is not None:
            connection.execute(target.delete())
        fill(connection, table_name, n)
        return True
