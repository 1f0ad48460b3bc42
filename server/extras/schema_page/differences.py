"""How the models differ from the database, as sentences a learner can read.

Alembic's own autogenerate compares them, with the options Flask-Migrate
gives it, exactly as `flask db check` does; this only puts its findings
into words, for the schema page.
"""
from alembic.runtime.migration import MigrationContext


class TableNotFound(Exception):
    """Autogenerate did not find a table the database was listed with a moment ago."""


# How autogenerate's names read in a sentence.
OBJECT_WORDS = {"fk": "foreign key", "table_comment": "table comment"}


def model_differences(connection, metadata, autogenerate_options, database_tables):
    """What `flask db migrate` would write now, one sentence per change; [] when nothing.

    `database_tables` names the tables the database has. Those the models do
    not know would each be dropped: they come last, in name order, without
    being reflected, which for thousands of them would take autogenerate
    many seconds. (Autogenerate would also list their indexes, which go with
    the table; an include_object hook is not asked about them.)
    """
    from alembic.autogenerate import compare_metadata  # only the page needs it

    modelled = set(metadata.tables)
    their_filter = autogenerate_options.get("include_name")

    def include_name(name, type_, parent_names):
        if type_ == "table" and name not in modelled:
            return False
        return their_filter is None or their_filter(name, type_, parent_names)

    included = [name for name in database_tables
                if their_filter is None or their_filter(name, "table", {"schema_name": None})]
    unmodelled = [name for name in included if name not in modelled]
    context = MigrationContext.configure(connection, opts={
        **autogenerate_options, "target_metadata": metadata, "include_name": include_name,
    })
    differences = []
    for difference in compare_metadata(context, metadata):
        # Changes to one column come grouped in a list.
        group = difference if isinstance(difference, list) else [difference]
        for change in group:
            if change[0] == "add_table" and change[1].name in included:
                # Listed a moment ago, not found by autogenerate now: a migration changed the
                # database in between (PostgreSQL's catalog functions see the newest commit).
                raise TableNotFound(change[1].name)
        differences.extend(describe_difference(change) for change in group)
    return differences + [removed_table(name) for name in unmodelled]


def removed_table(name):
    return f"remove table `{name}`: in the database but not in the models"


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
