"""models.py at the end of step 1: the employees table.

Copy it over server/models.py to start the lesson from step 1.
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
