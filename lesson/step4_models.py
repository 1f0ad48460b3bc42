"""models.py at the end of step 4: the column `address` is renamed to `location`.

Below this docstring it is the lesson's finished models.py: the same code as
server/models.py, whose docstring says more.
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
    __tablename__ = "departments"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(255), nullable=False)
    # Nullable, like the `address` column it was renamed from: step 4 is a
    # pure rename, so it must not also add a NOT NULL constraint.
    location = db.Column(db.String(255))

    def __repr__(self):
        return f"<Department {self.id}, {self.name}, {self.location}>"
