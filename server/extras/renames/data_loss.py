"""What each drop in a new migration deletes, counted in the database, and a comment saying so."""
from alembic.operations import ops
from sqlalchemy.exc import SQLAlchemyError

from extras.database_state import count_rows
from extras.renames.operations import WarnedDrop


def mark_drops(connection, container):
    """Wrap every drop_table and drop_column in a WarnedDrop; return what each deletes."""
    losses = []
    for i, op in enumerate(container.ops):
        if isinstance(op, ops.OpContainer):
            losses += mark_drops(connection, op)
        elif isinstance(op, (ops.DropTableOp, ops.DropColumnOp)):
            loss = describe_loss(connection, op)
            container.ops[i] = WarnedDrop(op, loss)
            losses.append(loss)
    return losses


def describe_loss(connection, drop):
    """What a drop deletes: "2 rows of department", or "2 values of department.address".

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
    return f"{count} {noun}{'' if count == 1 else 's'} of {whose}"
