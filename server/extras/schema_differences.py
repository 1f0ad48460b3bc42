"""How the models differ from the database, as sentences a learner can read.

Alembic's own autogenerate compares them, with the options Flask-Migrate
gives it, exactly as `flask db check` does; this only puts its findings
into words, for the schema page.
"""
from alembic.runtime.migration import MigrationContext

# How autogenerate's names read in a sentence.
OBJECT_WORDS = {"fk": "foreign key", "table_comment": "table comment"}


def model_differences(connection, metadata, autogenerate_options):
    """What `flask db migrate` would write now, one sentence per change; [] when nothing."""
    from alembic.autogenerate import compare_metadata  # only the page needs it

    context = MigrationContext.configure(
        connection, opts={**autogenerate_options, "target_metadata": metadata}
    )
    differences = []
    for difference in compare_metadata(context, metadata):
        # Changes to one column come grouped in a list.
        group = difference if isinstance(difference, list) else [difference]
        differences.extend(describe_difference(change) for change in group)
    return differences


def describe_difference(change):
    """One autogenerate difference, e.g. ('add_table', Table), in plain words."""
    action, _, kind = change[0].partition("_")
    what = OBJECT_WORDS.get(kind, kind)
    if action == "modify":  # ("modify_type", schema, table, column, existing, old, new)
        _, _, table_name, column_name, _, in_database, in_models = change
        return (
            f"modify {what} of `{table_name}.{column_name}`: the database has "
            f"{in_words(kind, in_database)}, the models say {in_words(kind, in_models)}"
        )
    if kind == "column":  # ("add_column", schema, table, Column)
        subject = f"column `{change[2]}.{change[3].name}`"
    else:  # a Table, Index or constraint
        target = change[1]
        owner = getattr(getattr(target, "table", None), "name", None)
        subject = f"{what} `{target.name or '(unnamed)'}`" + (f" on `{owner}`" if owner else "")
    where = "models" if action == "add" else "database"
    other = "database" if action == "add" else "models"
    return f"{action} {subject}: in the {where} but not in the {other}"


def in_words(kind, value):
    """A compared value as a learner would read it: NULL or NOT NULL, a type, nothing."""
    if kind == "nullable":
        return "NULL" if value else "NOT NULL"
    return "nothing" if value is None else str(value)
