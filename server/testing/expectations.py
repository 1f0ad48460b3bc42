"""What a move should leave, given the state it started from.

Each step is judged on its own change. Its upgrade must do to the database
exactly what the lesson's step does (create a table, rename a table or a
column) to whatever state the step before left, and its downgrade must give
back exactly the state its upgrade started from, rows included. So a
mistake costs the points of the step that made it, not of every step after
it. When a step starts from the lesson's own state, as it does in a correct
copy, its upgrade must leave exactly the lesson's schema after that step.
"""
from .lesson import (
    SCHEMA_AFTER_STEP,
    STEP_CHANGES,
    AddTable,
    ExpectedColumn,
    RenameColumn,
    RenameTable,
    apply_change,
)


def as_expected(tables):
    """A snapshot's {table: {column: FoundColumn}}, as exact expectations."""
    return {
        name: {column: ExpectedColumn(found.family, found.nullable, found.primary_key)
               for column, found in columns.items()}
        for name, columns in tables.items()
    }


def schema_after_upgrade(step, before):
    """The lesson's change of `step` made to the `before` snapshot's tables.

    If that change cannot be made there (the table to rename is missing),
    the step is held to the lesson's schema after it.
    """
    changed = apply_change(STEP_CHANGES[step], as_expected(before.tables))
    return changed if changed is not None else SCHEMA_AFTER_STEP[step]


def change_problems(step, before):
    """Why `step` cannot have made its own change: what it makes was there before it.

    A step that finds its work done by an earlier one (a `department` table
    made in step 1, a `departments` table made in step 2) did not do the
    lesson's step, whatever the schema after it; the earlier step pays for
    its own extra table.
    """
    change, tables = STEP_CHANGES[step], before.tables
    if isinstance(change, AddTable) and change.table in tables:
        return [f"step {step} creates no table: `{change.table}` was there before it, made by "
                f"an earlier migration. Step {step} is the one that creates it, with "
                f"op.create_table('{change.table}', ...)"]
    if (isinstance(change, RenameTable) and change.table not in tables
            and change.new_name in tables):
        return [f"step {step} renames no table: `{change.new_name}` was there before it, made "
                f"by an earlier migration. The table is `{change.table}` until step {step} "
                f"renames it with op.rename_table('{change.table}', '{change.new_name}')"]
    columns = tables.get(getattr(change, "table", None), {})
    if (isinstance(change, RenameColumn) and change.column not in columns
            and change.new_name in columns):
        return [f"step {step} renames no column: `{change.table}.{change.new_name}` was there "
                f"before it, made by an earlier migration. The column is `{change.column}` "
                f"until step {step} renames it with op.alter_column('{change.table}', "
                f"'{change.column}', new_column_name='{change.new_name}')"]
    return []


def rows_after_upgrade(step, before):
    """The `before` snapshot's rows, under the names the step gives their table and columns.

    A table the step creates is left out: it starts empty.
    """
    rows = dict(before.rows)
    change = STEP_CHANGES[step]
    if isinstance(change, RenameTable) and change.table in rows:
        rows[change.new_name] = rows.pop(change.table)
    elif isinstance(change, RenameColumn) and change.table in rows:
        renamed = {change.column: change.new_name}
        rows[change.table] = [{renamed.get(key, key): value for key, value in row.items()}
                              for row in rows[change.table]]
    return rows
