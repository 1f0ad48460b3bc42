"""The operations a reviewed script is written with, and how each is rendered.

Alembic renders a migration from operation objects; these three add what
its own lack: a comment saying why, and a reverse that knows the old name.
"""
from alembic.autogenerate import render_op_text, renderers
from alembic.operations import ops

RENAME_COMMENT = ("# Detected as a rename by `flask db migrate` (extras/renames): "
                  "keeps the data.")


class RenamedTable(ops.RenameTableOp):
    """`op.rename_table`, in place of a drop_table plus a create_table."""

    def reverse(self):
        return RenamedTable(self.new_table_name, self.table_name, schema=self.schema)


class RenamedColumn(ops.AlterColumnOp):
    """A plain `op.alter_column(new_column_name=...)`, in place of a drop plus an add.

    Alembic's own AlterColumnOp.reverse() forgets the new name, hence this class.
    """

    def reverse(self):
        return RenamedColumn(
            self.table_name,
            self.modify_name,
            modify_name=self.column_name,
            schema=self.schema,
            existing_type=self.existing_type,
            existing_nullable=self.existing_nullable,
            existing_server_default=self.existing_server_default,
            existing_comment=self.existing_comment,
        )


class WarnedDrop(ops.MigrateOperation):
    """A drop_table or drop_column, written with a comment above it saying what it deletes."""

    def __init__(self, drop, loss):
        self.drop = drop
        self.loss = loss  # e.g. "2 rows of department"


@renderers.dispatch_for(RenamedTable)
def render_renamed_table(autogen_context, op):
    prefix = autogen_context.opts["alembic_module_prefix"]
    args = f"{op.table_name!r}, {op.new_table_name!r}"
    if op.schema:
        args += f", schema={op.schema!r}"
    return [RENAME_COMMENT, f"{prefix}rename_table({args})"]


@renderers.dispatch_for(RenamedColumn)
def render_renamed_column(autogen_context, op):
    # Alembic's own alter_column renderer, which writes `existing_type` and
    # `existing_nullable`: MySQL and MariaDB need them to rename a column.
    return [RENAME_COMMENT, renderers.dispatch(ops.AlterColumnOp)(autogen_context, op)]


@renderers.dispatch_for(WarnedDrop)
def render_warned_drop(autogen_context, op):
    return [f"# WARNING: this deletes {op.loss} (counted by `flask db migrate`).",
            render_op_text(autogen_context, op.drop)]
