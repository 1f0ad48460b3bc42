"""What the lesson asks for: its four steps, the schema after each, and its rows.

Everything the grading kit expects is written here once, as data. The kit
judges a copy against these facts, never against this repository's own
migrations or models, so any correct copy passes.
"""
from dataclasses import dataclass

STEP_COUNT = 4

# What each step does, in the words the scorecard uses ("next, ...").
STEP_TOPICS = {
    1: "create the employees table",
    2: "add the department table",
    3: "rename the table department to departments",
    4: "rename the column address to location",
}
# The command that writes each step's migration (run in server/, models.py changed first).
STEP_COMMANDS = {
    1: 'flask db migrate -m "Initial migration."',
    2: 'flask db migrate -m "add Department"',
    3: 'flask db migrate -m "rename department"',
    4: 'flask db migrate -m "rename address"',
}

# A column's type family: the lesson only cares whether it holds whole numbers or text.
INTEGER = "integer"
TEXT = "text"
SQLALCHEMY_TYPE = {INTEGER: "sa.Integer", TEXT: "sa.String"}
FAMILY_WORDS = {INTEGER: "whole numbers", TEXT: "text"}

# Column nullability that the lesson leaves open (see `location` below).
EITHER = None


@dataclass(frozen=True)
class ExpectedColumn:
    family: str  # INTEGER or TEXT
    nullable: bool | None = True  # EITHER: NULL and NOT NULL are both right
    primary_key: bool = False


ID = ExpectedColumn(INTEGER, nullable=False, primary_key=True)
EMPLOYEES = {
    "id": ID,
    "name": ExpectedColumn(TEXT, nullable=False),
    "salary": ExpectedColumn(INTEGER),
}


def department_columns(place_column, place_nullable=True):
    return {
        "id": ID,
        "name": ExpectedColumn(TEXT, nullable=False),
        place_column: ExpectedColumn(TEXT, nullable=place_nullable),
    }


# What each step does to the schema. Step 4's model in the lesson text says
# `location ... nullable=False` while its migration only renames; both
# readings are right, so step 4 may leave `location` NULL or NOT NULL.
# Its downgrade must still give back exactly step 3, where `address`
# allows NULL.
@dataclass(frozen=True)
class AddTable:
    table: str
    columns: dict


@dataclass(frozen=True)
class RenameTable:
    table: str
    new_name: str


@dataclass(frozen=True)
class RenameColumn:
    table: str
    column: str
    new_name: str
    nullable: bool | None  # the renamed column's NULL rule; EITHER keeps both


STEP_CHANGES = {
    1: AddTable("employees", EMPLOYEES),
    2: AddTable("department", department_columns("address")),
    3: RenameTable("department", "departments"),
    4: RenameColumn("departments", "address", "location", nullable=EITHER),
}


def apply_change(change, tables):
    """The {table: {column: ExpectedColumn}} that `change` makes of `tables`; None if it can't.

    A change can't apply to a schema that lacks what it works on (a rename
    of a table that is not there) or already has what it makes.
    """
    tables = {name: dict(columns) for name, columns in tables.items()}
    if isinstance(change, AddTable):
        if change.table in tables:
            return None
        tables[change.table] = dict(change.columns)
    elif isinstance(change, RenameTable):
        if change.table not in tables or change.new_name in tables:
            return None
        tables[change.new_name] = tables.pop(change.table)
    else:
        columns = tables.get(change.table, {})
        if change.column not in columns or change.new_name in columns:
            return None
        old = columns.pop(change.column)
        columns[change.new_name] = ExpectedColumn(old.family, change.nullable, old.primary_key)
    return tables


def schema_after_each_step():
    schemas = {0: {}}
    for step in sorted(STEP_CHANGES):
        schemas[step] = apply_change(STEP_CHANGES[step], schemas[step - 1])
    return schemas


# The tables (besides alembic_version) and their columns after each step.
SCHEMA_AFTER_STEP = schema_after_each_step()

# The renames, for messages that say which step renamed what.
TABLE_RENAMES = {step: (change.table, change.new_name) for step, change in STEP_CHANGES.items()
                 if isinstance(change, RenameTable)}
COLUMN_RENAMES = {step: (change.table, change.column, change.new_name)
                  for step, change in STEP_CHANGES.items() if isinstance(change, RenameColumn)}

# How a sentence names a column's values ("the lesson's names are text").
VALUES_CALLED = {
    "id": "ids",
    "name": "names",
    "salary": "salaries",
    "address": "addresses",
    "location": "locations",
}

# The rows the lesson adds in the Flask shell: employees after step 1,
# departments after step 2.
EMPLOYEE_ROWS = [
    {"id": 1, "name": "Kai Uri", "salary": 89000},
    {"id": 2, "name": "Alena Lee", "salary": 125000},
]
DEPARTMENT_ROWS = [
    {"id": 1, "name": "Payroll", "address": "Building A, 4th Floor"},
    {"id": 2, "name": "Human Resources", "address": "Building C, 1st Floor"},
]
ROWS_ADDED_AT_STEP = {1: ("employees", EMPLOYEE_ROWS), 2: ("department", DEPARTMENT_ROWS)}


def rows_to_add(step, tables):
    """(table, rows) to add after `step`, under the names `tables` (a snapshot's) has for them.

    A copy whose step 2 created `departments` at once gets its departments
    there, so that its later steps are judged with the lesson's rows in
    place and a mistake in step 2 costs step 2 alone.
    """
    table_name, rows = ROWS_ADDED_AT_STEP[step]
    if table_name not in tables:
        table_name = next((new for old, new in TABLE_RENAMES.values()
                           if old == table_name and new in tables), table_name)
    columns = tables.get(table_name, {})
    renamed = {old: new for renamed_table, old, new in COLUMN_RENAMES.values()
               if renamed_table == table_name and old not in columns and new in columns}
    return table_name, [{renamed.get(key, key): value for key, value in row.items()}
                        for row in rows]

