"""The lesson's sample rows, written the way each step's tables hold them.

Step 1 has the employees; step 2 adds the departments, in a table named
`department` with an `address` column; step 3 renames the table to
`departments`; step 4 renames `address` to `location`.
"""
EMPLOYEES = [
    {"name": "Kai Uri", "salary": 89000},
    {"name": "Alena Lee", "salary": 125000},
]

# Each department's name and where it is.
DEPARTMENTS = [
    ("Payroll", "Building A, 4th Floor"),
    ("Human Resources", "Building C, 1st Floor"),
]

# The departments' table and the column that says where each one is, by step.
DEPARTMENTS_AT_STEP = {
    2: ("department", "address"),
    3: ("departments", "address"),
    4: ("departments", "location"),
}

LAST_STEP = 4


def rows_at_step(step):
    """{table name: [row, ...]} as the lesson's tables hold them after `step` (1 to 4)."""
    rows = {"employees": EMPLOYEES}
    if step in DEPARTMENTS_AT_STEP:
        table_name, place = DEPARTMENTS_AT_STEP[step]
        rows[table_name] = [{"name": name, place: where} for name, where in DEPARTMENTS]
    return rows
