"""How a database differs from what the lesson expects, in a learner's words.

Each function returns a list of sentences, empty when all is right. A
table or column that is there under its old (or new) name is called a
missed rename, with the Alembic call that makes it, rather than one thing
missing and another extra.
"""
from .lesson import (
    COLUMN_RENAMES,
    EITHER,
    FAMILY_WORDS,
    SQLALCHEMY_TYPE,
    STEP_CHANGES,
    TABLE_RENAMES,
    VALUES_CALLED,
    AddTable,
)

# What to do when a step loses rows or values: (step, direction) -> advice.
LOSS_ADVICE = {
    (3, "up"): "Autogenerate writes a table rename as create_table plus drop_table, which "
               "deletes the rows: use op.rename_table('department', 'departments') in upgrade() "
               "and op.rename_table('departments', 'department') in downgrade().",
    (3, "down"): "Its downgrade() must rename the table back with "
                 "op.rename_table('departments', 'department'), not drop and re-create it.",
    (4, "up"): "Autogenerate writes a column rename as add_column plus drop_column, which "
               "deletes the values: use op.alter_column('departments', 'address', "
               "new_column_name='location') in upgrade() and the reverse in downgrade().",
    (4, "down"): "Its downgrade() must rename the column back with op.alter_column("
                 "'departments', 'location', new_column_name='address'), not drop and re-add it.",
}
UNTOUCHED_ADVICE = "A migration must leave the rows of the tables it does not change alone."


def moment(migration, direction):
    """'After step 3 (1694ecedb24d "rename department")', or 'After the downgrade of step 3'."""
    if direction == "up":
        return f"After step {migration.number} ({migration})"
    return f"After the downgrade of step {migration.number} ({migration})"


def message(headline, problems):
    """The first problem on line one, after the headline if any (the scorecard shows that line);
    the rest below."""
    text = f"{headline}: {problems[0]}" if headline else problems[0]
    if len(problems) > 1:
        text += "\nAlso:\n" + "\n".join(f"- {problem}" for problem in problems[1:])
    return text


# How the naming problems of a table, and of a column, are said.
TABLE_NAMING = ("there is a table `{have}` where `{want}` should be: {advice}",
                "there is no table `{name}`",
                "there is a table `{name}` that should not be there at this step")
COLUMN_NAMING = ("`{table}` has a column `{have}` where `{want}` should be: {advice}",
                 "`{table}` has no column `{name}`",
                 "`{table}` has a column `{name}` that should not be there at this step")


def schema_problems(found, expected, step, direction):
    """Compare {table: {column: FoundColumn}} with {table: {column: ExpectedColumn}}.

    `step` and `direction` ("up" or "down") say which move is judged, so that
    a missed rename comes with the advice that fits that move.
    """
    renames = [(rename_step, old, new, f"op.rename_table('{old}', '{new}')",
                f"op.rename_table('{new}', '{old}')")
               for rename_step, (old, new) in TABLE_RENAMES.items()]
    problems = naming_problems(expected, found, renames, step, direction, TABLE_NAMING)
    if direction == "up":
        problems = [made_too_early(problem, step) for problem in problems]
    for name in sorted(set(expected) & set(found)):
        problems += column_problems(name, found[name], expected[name], step, direction)
    return problems


def made_too_early(problem, step):
    """An extra table that a later step of the lesson creates, said as that step's."""
    for later, change in STEP_CHANGES.items():
        if (isinstance(change, AddTable) and later > step
                and problem == TABLE_NAMING[2].format(name=change.table)):
            return (f"step {step} creates no other table: `{change.table}` is made by step "
                    f"{later}, so its op.create_table('{change.table}', ...) belongs in step "
                    f"{later}'s migration")
    return problem


def column_problems(table, found, expected, step, direction):
    renames = [(rename_step, old, new,
                f"op.alter_column('{table}', '{old}', new_column_name='{new}')",
                f"op.alter_column('{table}', '{new}', new_column_name='{old}')")
               for rename_step, (renamed, old, new) in COLUMN_RENAMES.items() if renamed == table]
    problems = naming_problems(expected, found, renames, step, direction, COLUMN_NAMING,
                               table=table)
    for name in sorted(set(expected) & set(found)):
        problems += value_rule_problems(f"{table}.{name}", VALUES_CALLED.get(name, name),
                                        found[name], expected[name])
    return problems


def naming_problems(wanted, present, renames, step, direction, words, **context):
    """Names under the other side of one of the lesson's renames, then missing and extra names.

    `renames` are (rename step, old name, new name, the call forward, the call back);
    `words` are the three sentences of TABLE_NAMING or COLUMN_NAMING.
    """
    misnamed, missing_words, extra_words = words
    missing, extra = set(wanted) - set(present), set(present) - set(wanted)
    problems = []
    for rename_step, old, new, forward, back in renames:
        for want, have in ((new, old), (old, new)):
            if want in missing and have in extra:
                advice = rename_advice(rename_step, step, direction, old, new, want == new,
                                       forward, back)
                problems.append(misnamed.format(have=have, want=want, advice=advice, **context))
                missing.discard(want)
                extra.discard(have)
    problems += [missing_words.format(name=name, **context) for name in sorted(missing)]
    problems += [extra_words.format(name=name, **context) for name in sorted(extra)]
    return problems


def rename_advice(rename_step, step, direction, old, new, should_be_new, forward, back):
    """What to do about a name that is the other side of the lesson's rename at `rename_step`."""
    if should_be_new:
        if (step, direction) == (rename_step, "up"):
            return f"step {rename_step} renames it with {forward}"
        return f"from step {rename_step} on, it is called `{new}`"
    if (step, direction) == (rename_step, "down"):
        return f"the downgrade of step {rename_step} renames it back with {back}"
    if direction == "up" and step < rename_step:
        return f"it keeps the name `{old}` until step {rename_step} renames it"
    return f"before step {rename_step}, it is called `{old}`"


def value_rule_problems(where, called, found, expected):
    """Type family, NULL rule and primary key of one column."""
    problems = []
    if found.family != expected.family:
        problems.append(
            f"`{where}` is {found.type_name}: the lesson's {called} are "
            f"{FAMILY_WORDS[expected.family]}, use {SQLALCHEMY_TYPE[expected.family]}")
    if expected.nullable is not EITHER and not expected.primary_key:
        if found.nullable and not expected.nullable:
            problems.append(f"`{where}` allows NULL: the lesson's {called} are NOT NULL "
                            "(nullable=False)")
        elif not found.nullable and expected.nullable:
            problems.append(f"`{where}` is NOT NULL: the lesson's {called} may be NULL "
                            "(nullable=True)")
    if found.primary_key != expected.primary_key:
        problems.append(f"`{where}` should be the primary key" if expected.primary_key
                        else f"`{where}` should not be part of the primary key")
    return problems


def revision_problems(found_revision, expected_revision):
    if found_revision == expected_revision:
        return []
    return [f"alembic_version holds {found_revision or 'nothing'}, but it should hold "
            f"{expected_revision or 'nothing (an empty database)'}"]


def rows_problems(snapshot, expected_rows):
    """Compare the rows of each table in {table: [row dicts]} with the snapshot's."""
    problems = []
    for table_name, wanted in expected_rows.items():
        if table_name not in snapshot.rows:
            problems.append(f"there is no table `{table_name}` holding the lesson's rows")
            continue
        names = list(wanted[0]) if wanted else []
        absent = [name for name in names if name not in snapshot.tables[table_name]]
        if absent:
            problems.append(f"`{table_name}` has no column `{absent[0]}`, so its values are gone")
            continue
        have = [{name: row[name] for name in names} for row in snapshot.rows[table_name]]
        if have == wanted:
            continue
        if not wanted:
            problems.append(f"`{table_name}` has {len(have)} rows where the lesson has none yet")
            continue
        if len(have) != len(wanted):
            problems.append(f"`{table_name}` has {len(have)} of the lesson's {len(wanted)} rows")
            continue
        for name in names:
            values, should = [row[name] for row in have], [row[name] for row in wanted]
            if values != should:
                problems.append(f"`{table_name}.{name}` holds {values} where the lesson's rows "
                                f"hold {should}")
    return problems


def extra_migration_effect(before, after):
    """What a migration beyond the lesson did, from the snapshots on either side of it."""
    effects = [f"adds the table `{name}`"
               for name in sorted(set(after.tables) - set(before.tables))]
    effects += [f"drops the table `{name}`"
                for name in sorted(set(before.tables) - set(after.tables))]
    for name in sorted(set(before.tables) & set(after.tables)):
        old, new = before.tables[name], after.tables[name]
        effects += [f"adds `{name}.{c}`" for c in sorted(set(new) - set(old))]
        effects += [f"drops `{name}.{c}`" for c in sorted(set(old) - set(new))]
        for c in sorted(set(old) & set(new)):
            if old[c].type_name != new[c].type_name:
                effects.append(f"changes `{name}.{c}` from {old[c].type_name} to "
                               f"{new[c].type_name}")
            if old[c].nullable != new[c].nullable:
                effects.append(f"makes `{name}.{c}` {'NULL' if new[c].nullable else 'NOT NULL'}")
    if not effects and before.rows != after.rows:
        effects.append("changes rows but not the schema")
    return ", ".join(effects) or "changes nothing in the schema"
