"""What a new migration would destroy or trip over, counted in the database, said in a comment.

Every drop that is left gets a warning with what it deletes. Every column
made NOT NULL (by a rename or not) that still holds NULLs gets a warning
that the upgrade will fail until they are filled in.
"""
from alembic.operations import ops
from sqlalchemy.exc import SQLAlchemyError

from extras.core.database import count_rows
from extras.renames.operations import FilledNotNull, Warned


def mark_risks(connection, container):
    """Wrap each risky op of `container` in a Warned op; return the warnings, for the terminal.

    Each warning completes "the new migration ...": "deletes 2 rows of department".
    """
    warnings = []
    for i, op in enumerate(container.ops):
        if isinstance(op, ops.OpContainer):
            warnings += mark_risks(connection, op)
            continue
        if isinstance(op, (ops.DropTableOp, ops.DropColumnOp)):
            warning = f"deletes {describe_loss(connection, op)}"
        elif (isinstance(op, ops.AlterColumnOp) and op.modify_nullable is False
              and not isinstance(op, FilledNotNull)):  # not_null.py filled its NULLs
            warning = describe_nulls(connection, op)
        else:
            continue
        if warning:
            container.ops[i] = Warned(op, warning)
            warnings.append(warning)
    return warnings


def describe_loss(connection, drop):
    """What a drop deletes: "2 rows of department", "the empty table department", ...

    A NULL holds nothing to lose, so a column counts its values, not its rows.
    """
    if isinstance(drop, ops.DropTableOp):
        noun, whose, column_name = "row", drop.table_name, None
    else:
        noun, column_name = "value", drop.column_name
        whose = f"{drop.table_name}.{drop.column_name}"
    try:
        count = count_rows(connection, drop.table_name, column_name, schema=drop.schema)
    except SQLAlchemyError:  # cannot count now: say so rather than guess a number
        return f"every {noun} of {whose}"
    if count == 0:
        return (f"the empty table {whose}" if column_name is None
                else f"{whose}, which holds no values")
    return f"{count} {noun}{'' if count == 1 else 's'} of {whose}"


def describe_nulls(connection, alter):
    """Why making a column NOT NULL will fail, or None when it holds no NULL."""
    try:
        rows = count_rows(connection, alter.table_name, schema=alter.schema)
        values = count_rows(connection, alter.table_name, alter.column_name, schema=alter.schema)
    except SQLAlchemyError:  # the table is not there yet: nothing to trip over
        return None
    nulls = rows - values
    if not nulls:
        return None
    return (f"fails on upgrade: {alter.table_name}.{alter.column_name} holds {nulls} "
            f"NULL{'' if nulls == 1 else 's'}, and NOT NULL needs a value in every row")
