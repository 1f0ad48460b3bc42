"""The operations a reviewed script is written with, and how each is rendered.

Alembic renders a migration from operation objects; these add what its
own lack: a comment saying why, a reverse that knows the old name (and the
old type and nullability, when a rename changes them too), and the data
migration that fills a NOT NULL column (not_null.py).
"""
from alembic.autogenerate import renderers
from alembic.autogenerate.render import render_op
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
            modify_type=None if self.modify_type is None else self.existing_type,
            modify_nullable=None if self.modify_nullable is None else self.existing_nullable,
            existing_type=self.modify_type if self.modify_type is not None else self.existing_type,
            existing_nullable=(self.modify_nullable if self.modify_nullable is not None
                               else self.existing_nullable),
            existing_server_default=self.existing_server_default,
            existing_comment=self.existing_comment,
        )


class Warned(ops.MigrateOperation):
    """An operation written with a warning comment above it: what a drop deletes, or why
    NOT NULL will fail."""

    def __init__(self, op, warning):
        self.op = op
        self.warning = warning  # e.g. "deletes 2 rows of department"


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


@renderers.dispatch_for(Warned)
def render_warned(autogen_context, op):
    # Line by line, so that inside a batch block every line is indented.
    return [f"# WARNING: this {op.warning} (counted by `flask db migrate`).",
            *render_op(autogen_context, op.op)]


class FilledNotNull(ops.AlterColumnOp):
    """The NOT NULL that comes after the fill: its NULLs are gone by then, so no warning."""


class FillColumn(ops.MigrateOperation):
    """`op.execute(UPDATE ...)` giving `value` to every row whose `column` is NULL."""

    def __init__(self, table_name, column_name, value, rows):
        self.table_name, self.column_name, self.value, self.rows = (
            table_name, column_name, value, rows)


@renderers.dispatch_for(FillColumn)
def render_fill(autogen_context, op):
    prefix = autogen_context.opts["alembic_module_prefix"]
    sa = autogen_context.opts["sqlalchemy_module_prefix"]
    sql = (f"UPDATE {op.table_name} SET {op.column_name} = :value "
           f"WHERE {op.column_name} IS NULL")
    rows = f"{op.rows} row{'' if op.rows == 1 else 's'}"
    call = f"{prefix}execute("
    return [f"# Data migration by `flask db migrate`: the {rows} of {op.table_name} get "
            "the value it was given.",
            f"{call}{sa}text({sql!r})\n{' ' * len(call)}.bindparams(value={op.value!r}))"]


@renderers.dispatch_for(FilledNotNull)
def render_filled_not_null(autogen_context, op):
    return renderers.dispatch(ops.AlterColumnOp)(autogen_context, op)
