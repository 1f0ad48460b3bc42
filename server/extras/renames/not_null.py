"""A NOT NULL column on a table that has rows: which value the rows get, asked for and written.

Autogenerate writes `add_column(..., nullable=False)` as it is, which fails
on SQLite and PostgreSQL for a table with rows ("Cannot add a NOT NULL
column with default value NULL") and on MariaDB silently gives the rows an
implicit '' or 0. Django's makemigrations asks for a one-off value instead;
so does this, for each new NOT NULL column without a server default on a
table with rows, and for each column made NOT NULL that holds NULLs.

A value (from `-x TABLE.COLUMN=VALUE`, or typed at the question) rewrites
the script the way seed 001's data migration does it by hand: add the
column nullable, fill the rows with `op.execute` and a bound parameter, then
make it NOT NULL (in a batch block: SQLite copies the table only for that).
Without one, nothing is assumed: the script stays as autogenerate wrote it,
with a warning comment, and the terminal says how to give the value.
"""
import decimal
from types import SimpleNamespace

from alembic.operations import ops
from alembic.util import CommandError
from sqlalchemy import String, select, table
from sqlalchemy import column as column_clause
from sqlalchemy.exc import SQLAlchemyError

from extras.core.database import count_rows
from extras.renames.operations import FillColumn, FilledNotNull, Warned

MYSQL_BACKENDS = ("mysql", "mariadb")
BOOLEAN_WORDS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def rows(count):
    return f"{count} row{'' if count == 1 else 's'}"




class NeededValues:
    """Finds the NOT NULL columns that need a value in one upgrade, and gets one for each."""

    def __init__(self, connection, upgrade_ops, x_arguments, terminal):
        self.connection = connection
        self.upgrade_ops = upgrade_ops
        self.x_arguments = x_arguments
        self.terminal = terminal
        self.warnings = []  # each completes "the new migration ..."
        self.hints = []  # how to give the values nobody gave

    @property
    def on_mysql(self):
        return self.connection.dialect.name in MYSQL_BACKENDS

    def fill(self):
        """Rewrite every NOT NULL that has a value; warn about the rest.

        A `-x TABLE.COLUMN=VALUE` that no column asked for is a typo, most
        likely: it stops with one line rather than being ignored.
        """
        self.asked = set()
        self.fill_each()
        unused = sorted(key for key in self.x_arguments if "." in key and key not in self.asked)
        if unused:
            raise CommandError(
                f"-x {unused[0]}=...: the new migration has no NOT NULL column {unused[0]} on "
                "a table with rows that needs a value; check the name (TABLE.COLUMN).")

    def fill_each(self):
        top = self.upgrade_ops.ops
        for table_ops in [op for op in top if isinstance(op, ops.ModifyTableOps)]:
            for op in list(table_ops.ops):
                if isinstance(op, ops.AddColumnOp) and needs_value(op.column):
                    self.new_column(table_ops, op)
                elif isinstance(op, ops.AlterColumnOp):
                    if op.modify_nullable is False and op.modify_name is None:
                        op = self.made_not_null(table_ops, op)
                    if op.modify_type is not None:
                        self.type_change(table_ops, op)

    def new_column(self, table_ops, add):
        column = add.column
        try:
            count = count_rows(self.connection, add.table_name, schema=add.schema)
        except SQLAlchemyError:  # cannot count: stay as autogenerate wrote it
            return
        if not count:
            return
        name = f"{add.table_name}.{column.name}"
        value = self.value_for(name, column, (
            f"The new column {name} is NOT NULL, and {add.table_name} has {rows(count)}. "
            f"What should {'it' if count == 1 else 'they'} hold?"))
        if value is None:
            if self.on_mysql:
                warning = (f"gives the {rows(count)} of {add.table_name} MariaDB's implicit "
                           f"default ('' or 0) in the new NOT NULL column {name}, not a value "
                           "you chose: MySQL and MariaDB do not fail here")
            else:
                warning = (f"fails on upgrade: {add.table_name} has {rows(count)}, and the new "
                           f"NOT NULL column {name} has no value for them")
            table_ops.ops[table_ops.ops.index(add)] = Warned(add, warning)
            self.warnings.append(warning)
            self.hints.append(name)
            return
        nullable = column._copy()
        nullable.nullable = True
        table_ops.ops[table_ops.ops.index(add)] = ops.AddColumnOp(
            add.table_name, nullable, schema=add.schema)
        top = self.upgrade_ops.ops
        where = top.index(table_ops) + 1
        top[where:where] = [
            FillColumn(add.table_name, column.name, value, count),
            ops.ModifyTableOps(add.table_name, [FilledNotNull(
                add.table_name, column.name, schema=add.schema, modify_nullable=False,
                existing_type=column.type, existing_nullable=True,
                existing_comment=column.comment)], schema=add.schema),
        ]

    def made_not_null(self, table_ops, alter):
        """Fill the NULLs before `alter` makes the column NOT NULL; return the op in its place."""
        try:
            total = count_rows(self.connection, alter.table_name, schema=alter.schema)
            values = count_rows(self.connection, alter.table_name, alter.column_name,
                                schema=alter.schema)
        except SQLAlchemyError:
            return alter
        nulls = total - values
        if not nulls:
            return alter
        name = f"{alter.table_name}.{alter.column_name}"
        column = alter_as_column(alter)
        value = self.value_for(name, column, (
            f"{name} becomes NOT NULL, and {nulls} of {alter.table_name}'s rows hold NULL "
            f"there. What should {'it' if nulls == 1 else 'they'} hold?"))
        if value is None:  # data_loss.py marks it: "fails on upgrade: ... holds 1 NULL"
            self.hints.append(name)
            return alter
        at = table_ops.ops.index(alter)
        filled = FilledNotNull.__new__(FilledNotNull)  # the same op, minus the warning
        filled.__dict__.update(alter.__dict__)
        table_ops.ops[at] = filled
        top = self.upgrade_ops.ops
        top.insert(top.index(table_ops), FillColumn(alter.table_name, alter.column_name,
                                                    value, nulls))
        return filled

    def type_change(self, table_ops, alter):
        """Warn when values in the column will not survive the new type, counted."""
        try:
            values = column_clause(alter.column_name)
            stored = self.connection.execute(
                select(values).select_from(table(alter.table_name, schema=alter.schema))
                .where(values.is_not(None))).scalars().all()
        except SQLAlchemyError:
            return
        lost = [value for value in stored if not survives(value, alter.modify_type)]
        if not lost:
            return
        type_name = type(alter.modify_type).__name__
        warning = (f"changes {alter.table_name}.{alter.column_name} to {type_name}, and "
                   f"{len(lost)} of its values ({', '.join(repr(v) for v in lost[:3])}"
                   f"{', ...' if len(lost) > 3 else ''}) will not convert")
        table_ops.ops[table_ops.ops.index(alter)] = Warned(alter, warning)
        self.warnings.append(warning)

    def value_for(self, name, column, question):
        """The value from `-x name=VALUE`, or typed at `question`; None if nobody gave one."""
        self.asked.add(name)
        if name in self.x_arguments:
            try:
                return as_python(self.x_arguments[name], column)
            except ValueError as error:
                raise CommandError(f"-x {name}={self.x_arguments[name]}: {error}.") from None
        if not self.terminal.can_ask():
            return None
        while True:
            typed = self.terminal.ask_value(question)
            if typed == "":
                return None
            try:
                return as_python(typed, column)
            except ValueError as error:
                self.terminal.say(f"{error}; try again, or press Enter to leave it.")


def needs_value(column):
    return (not column.nullable and column.server_default is None and not column.primary_key
            and column.default is None)


def alter_as_column(alter):
    """Just enough of the column for as_python(): its type."""
    return SimpleNamespace(
        type=alter.modify_type if alter.modify_type is not None else alter.existing_type)


def python_type(sql_type):
    try:
        return sql_type.python_type
    except (NotImplementedError, AttributeError):
        return str


def as_python(text, column):
    """`text` as the column's Python type (int, float, bool...); ValueError if it is not one."""
    kind = python_type(column.type)
    if kind is bool:
        if text.lower() not in BOOLEAN_WORDS:
            raise ValueError(f"{column_type(column)} needs true or false, not {text!r}")
        return BOOLEAN_WORDS[text.lower()]
    if kind in (int, float, decimal.Decimal):
        try:
            return kind(text)
        except (ValueError, decimal.InvalidOperation):
            raise ValueError(f"{column_type(column)} needs a number, not {text!r}") from None
    length = getattr(column.type, "length", None)
    if isinstance(column.type, String) and length and len(text) > length:
        raise ValueError(f"{column_type(column)} holds at most {length} characters")
    return text


def column_type(column):
    return type(column.type).__name__


def survives(value, new_type):
    """Whether a stored value fits `new_type`; types not checked here count as fitting."""
    kind = python_type(new_type)
    if kind in (int, float, decimal.Decimal) and isinstance(value, str):
        try:
            kind(value.strip())
        except (ValueError, decimal.InvalidOperation):
            return False
        return True
    length = getattr(new_type, "length", None)
    if isinstance(new_type, String) and length:
        return len(str(value)) <= length
    return True
