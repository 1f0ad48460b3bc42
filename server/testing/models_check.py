"""Does models.py describe the lesson's tables at its end? Alembic's own comparison says.

The lesson ends at step 4, or, after its last section, back at step 3 with
`address` in models.py; models.py passes when it matches either, in tables,
column names and type families. The tables it is compared with are made
from the lesson's facts (lesson.py), not from the learner's migrations, so
a models.py that copies a wrong migration is not right by agreement.

Only a different NULL rule on `location` or `address` is a note rather than
a failure: the lesson's own step-4 model says `nullable=False` while its
migration only renames.
"""
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlalchemy.exc import CompileError

from .database import family, type_name
from .lesson import (
    COLUMN_RENAMES,
    FAMILY_WORDS,
    INTEGER,
    SCHEMA_AFTER_STEP,
    SQLALCHEMY_TYPE,
    TABLE_RENAMES,
    VALUES_CALLED,
)
from .migration_errors import engine_hint

# The steps where the lesson may end, in order of preference.
FINAL_STEPS = (4, 3)
# Columns whose NULL rule the lesson text leaves open.
NULL_RULE_OPEN = {"address", "location"}


def reference_tables(step):
    """The lesson's tables after `step`, as SQLAlchemy tables (strings of 255, as here)."""
    metadata = MetaData()
    for name, columns in SCHEMA_AFTER_STEP[step].items():
        Table(name, metadata, *(
            Column(column_name, Integer if expected.family == INTEGER else String(255),
                   primary_key=expected.primary_key,
                   nullable=expected.nullable is not False)
            for column_name, expected in columns.items()))
    return metadata


def check_models(metadata, engine):
    """(problems, notes) for the learner's tables, against the closer of the final steps.

    `metadata` holds the tables models.py made (read back from their database by the kit);
    `engine` is a fresh, empty database of the backend under test.
    """
    verdicts = []
    for step in FINAL_STEPS:
        reference = reference_tables(step)
        with engine.begin() as connection:
            reference.create_all(connection)
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            try:
                changes = compare_metadata(context, metadata)
            except CompileError as error:  # e.g. a String without a length on MariaDB
                hint = engine_hint([error]) or str(error)
                return [f"models.py cannot be used on this database: {hint}"], []
            finally:
                reference.drop_all(connection)
        problems, notes = judge(changes, step)
        if not problems:
            return [], notes
        verdicts.append((len(problems), step, problems, notes))
    _, step, problems, notes = min(verdicts, key=lambda v: (v[0], FINAL_STEPS.index(v[1])))
    return [f"{problem} (compared with the lesson's tables after step {step})"
            for problem in problems], notes


def judge(changes, step):
    """Autogenerate's differences, as problems and notes in a learner's words."""
    flat = []
    for change in changes:
        flat.extend(change if isinstance(change, list) else [change])
    problems, notes = [], []
    problems += missed_renames(flat, step)
    for change in flat:
        kind = change[0]
        if kind == "add_table":
            problems.append(f"models.py has a model for the table `{change[1].name}`, "
                            "which the lesson does not have")
        elif kind == "remove_table":
            problems.append(f"models.py has no model for the table `{change[1].name}`")
        elif kind == "add_column":
            problems.append(f"models.py has a column `{change[2]}.{change[3].name}` "
                            "that the lesson does not have")
        elif kind == "remove_column":
            problems.append(f"models.py has no column `{change[2]}.{change[3].name}`")
        elif kind == "modify_type":
            table_name, column_name, lesson_type, model_type = change[2], change[3], *change[5:7]
            wanted = family(lesson_type, None)
            if family(model_type, None) != wanted:
                problems.append(
                    f"models.py makes `{table_name}.{column_name}` {type_name(model_type, None)}: "
                    f"the lesson's {VALUES_CALLED.get(column_name, column_name)} are "
                    f"{FAMILY_WORDS[wanted]}, "
                    f"use {SQLALCHEMY_TYPE[wanted].replace('sa.', 'db.')}")
        elif kind == "modify_nullable":
            table_name, column_name, lesson_null, model_null = change[2], change[3], *change[5:7]
            rule = "may be NULL" if model_null else "is NOT NULL"
            sentence = (f"models.py says `{table_name}.{column_name}` {rule}, where the lesson's "
                        f"{'pure rename keeps it' if lesson_null else 'migrations make it'} "
                        f"{'nullable' if lesson_null else 'NOT NULL'}")
            if column_name in NULL_RULE_OPEN:
                notes.append(sentence + "; both are accepted")
            else:
                problems.append(sentence)
        else:  # an index, a constraint, a default, a comment
            problems.append(f"models.py differs from the lesson's tables: {kind.replace('_', ' ')} "
                            f"{getattr(change[1], 'name', change[1])}")
    return problems, notes


def missed_renames(flat, step):
    """Take the drop-and-add pairs that are the lesson's renames out of `flat`, as problems."""
    problems = []
    for rename_step, (old, new) in TABLE_RENAMES.items():
        added = [c for c in flat if c[0] == "add_table" and c[1].name == old]
        removed = [c for c in flat if c[0] == "remove_table" and c[1].name == new]
        if added and removed:
            problems.append(f"models.py still has the table `{old}`: step {rename_step} renamed it "
                            f"to `{new}` (__tablename__ = '{new}')")
            flat.remove(added[0])
            flat.remove(removed[0])
    for rename_step, (table_name, old, new) in COLUMN_RENAMES.items():
        target = new if step >= rename_step else old
        wrong = old if target == new else new
        added = [c for c in flat if c[0] == "add_column" and c[2] == table_name
                 and c[3].name == wrong]
        removed = [c for c in flat if c[0] == "remove_column" and c[2] == table_name
                   and c[3].name == target]
        if added and removed:
            problems.append(f"models.py has `{table_name}.{wrong}` where the lesson's step "
                            f"{step} has `{target}`")
            flat.remove(added[0])
            flat.remove(removed[0])
    return problems
