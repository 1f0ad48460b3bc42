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

# A column's type family: the lesson only cares whether it holds whole numbers or text.
INTEGER = "integer"
TEXT = "text"
SQLALCHEMY_TYPE = {INTEGER: "sa.Integer", TEXT: "sa.String"}

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


# The tables (besides alembic_version) and their columns after each step.
# Step 4's model in the lesson text says `location ... nullable=False` while
# its migration only renames; both readings are right, so after step 4
# `location` may be NULL or NOT NULL. Its downgrade must still give back
# exactly step 3, where `address` allows NULL.
SCHEMA_AFTER_STEP = {
    0: {},
    1: {"employees": EMPLOYEES},
    2: {"employees": EMPLOYEES, "department": department_columns("address")},
    3: {"employees": EMPLOYEES, "departments": department_columns("address")},
    4: {"employees": EMPLOYEES, "departments": department_columns("location", EITHER)},
}

# The renames, for messages that say which step renamed what.
TABLE_RENAMES = {3: ("department", "departments")}
COLUMN_RENAMES = {4: ("departments", "address", "location")}

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


def rows_after_step(number):
    """{table: rows} the database holds after step `number` if no row was lost."""
    rows = {}
    if number >= 1:
        rows["employees"] = EMPLOYEE_ROWS
    if number >= 2:
        table = "department" if number == 2 else "departments"
        place = "location" if number >= 4 else "address"
        rows[table] = [
            {"id": row["id"], "name": row["name"], place: row["address"]}
            for row in DEPARTMENT_ROWS
        ]
    return rows
