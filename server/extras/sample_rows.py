"""The lesson's sample rows, as the finished models hold them, and adding them once."""
from models import Department, Employee, db

EMPLOYEES = [
    {"name": "Kai Uri", "salary": 89000},
    {"name": "Alena Lee", "salary": 125000},
]

DEPARTMENTS = [
    {"name": "Payroll", "location": "Building A, 4th Floor"},
    {"name": "Human Resources", "location": "Building C, 1st Floor"},
]


def add_sample_rows():
    """Add each sample row whose name is not there yet; return how many were added.

    Matching on the name makes a second run add nothing.
    """
    added = 0
    for model, rows in ((Employee, EMPLOYEES), (Department, DEPARTMENTS)):
        for row in rows:
            if db.session.scalar(db.select(model).filter_by(name=row["name"])) is None:
                db.session.add(model(**row))
                added += 1
    db.session.commit()
    return added
