"""models.py at the end of step 2: a second table, `department`.

The singular name is the lesson's deliberate slip; step 3 fixes it.

Copy it over server/models.py to work from this step.
"""
from flask_sqlalchemy import SQLAlchemy

# The Flask-SQLAlchemy extension; app.py binds it to the app. Its metadata
# holds the tables below, which autogenerate compares with the database.
db = SQLAlchemy()


class Employee(db.Model):
    __tablename__ = "employees"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(255), nullable=False)
    salary = db.Column(db.Integer)

    def __repr__(self):
        return f"<Employee {self.id}, {self.name}, {self.salary}>"


class Department(db.Model):
    __tablename__ = "department"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(255), nullable=False)
    address = db.Column(db.String(255))

    def __repr__(self):
        return f"<Department {self.id}, {self.name}, {self.address}>"
