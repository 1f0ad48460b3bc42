"""What the lesson expects: its four steps, the schema after each, its rows.

Steps are found by walking the learner's own revision chain from base, so a
copy whose revision ids differ from the lesson's is graded the same way.
"""
from dataclasses import dataclass

import pytest

STEP_TOPICS = {
    1: "create the employees table",
    2: "add the department table",
    3: "rename the table department to departments",
    4: "rename the column address to location",
}


@dataclass(frozen=True)
class Column:
    nullable: bool
    primary_key: bool = False


ID = Column(nullable=False, primary_key=True)
EMPLOYEES = {"id": ID, "name": Column(nullable=False), "salary": Column(nullable=True)}
WITH_ADDRESS = {"id": ID, "name": Column(nullable=False), "address": Column(nullable=True)}
WITH_LOCATION = {"id": ID, "name": Column(nullable=False), "location": Column(nullable=True)}

# The tables (besides alembic_version) and their columns after each step.
SCHEMA_AFTER_STEP = {
    0: {},
    1: {"employees": EMPLOYEES},
    2: {"employees": EMPLOYEES, "department": WITH_ADDRESS},
    3: {"employees": EMPLOYEES, "departments": WITH_ADDRESS},
    4: {"employees": EMPLOYEES, "departments": WITH_LOCATION},
}

EMPLOYEE_ROWS = [
    {"id": 1, "name": "Kai Uri", "salary": 89000},
    {"id": 2, "name": "Alena Lee", "salary": 125000},
]
DEPARTMENT_ROWS = [
    {"id": 1, "name": "Payroll", "address": "Building A, 4th Floor"},
    {"id": 2, "name": "Human Resources", "address": "Building C, 1st Floor"},
]


@dataclass(frozen=True)
class Step:
    number: int
    revision: str
    message: str

    def __str__(self):
        return f'step {self.number} ({self.revision} "{self.message}")'

    @property
    def title(self):
        """The same words, to start a sentence with."""
        return str(self)[0].upper() + str(self)[1:]


def find_steps(script):
    """The learner's migrations in order, as Steps 1..4, or a failed test saying why."""
    heads = script.get_heads()
    if len(heads) != 1:
        pytest.fail(
            f"The migrations have {len(heads)} heads ({', '.join(heads) or 'none'}); "
            "the lesson builds one straight line of migrations. Check each script's "
            "down_revision, or join the branches with `flask db merge heads`.",
            pytrace=False,
        )
    revisions = list(reversed(list(script.walk_revisions("base", "heads"))))
    if len(revisions) != len(STEP_TOPICS):
        found = "; ".join(f'{rev.revision} "{rev.doc}"' for rev in revisions) or "none"
        wanted = "; ".join(f"{n}. {topic}" for n, topic in STEP_TOPICS.items())
        pytest.fail(
            f"Expected exactly {len(STEP_TOPICS)} migrations ({wanted}), found "
            f"{len(revisions)}: {found}.",
            pytrace=False,
        )
    return [Step(n, rev.revision, rev.doc) for n, rev in enumerate(revisions, start=1)]


def schema_problems(actual, expected):
    """Every difference between two {table: {column: Column}} maps, in plain words."""
    problems = []
    for table in sorted(expected.keys() - actual.keys()):
        problems.append(f"table `{table}` is missing")
    for table in sorted(actual.keys() - expected.keys()):
        problems.append(f"table `{table}` should not exist")
    for table in sorted(expected.keys() & actual.keys()):
        have, want = actual[table], expected[table]
        for column in sorted(want.keys() - have.keys()):
            problems.append(f"`{table}` is missing the column `{column}`")
        for column in sorted(have.keys() - want.keys()):
            problems.append(f"`{table}` has a column `{column}` that should not be there")
        for column in sorted(want.keys() & have.keys()):
            if have[column].nullable != want[column].nullable:
                should = "allow NULL" if want[column].nullable else "be NOT NULL"
                problems.append(f"`{table}.{column}` should {should}")
            if have[column].primary_key != want[column].primary_key:
                should = "be" if want[column].primary_key else "not be"
                problems.append(f"`{table}.{column}` should {should} the primary key")
    return problems
