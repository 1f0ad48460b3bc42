"""The review of a new migration script: renames asked about, then every risk marked."""
from extras.renames.answers import choose_answerer, unanswered_lines
from extras.renames.data_loss import mark_risks
from extras.renames.not_null import NeededValues
from extras.renames.pairing import RenamePairing


def review_new_script(migration_context, script, x_arguments, terminal):
    """Rewrite `script` (Alembic's MigrationScript) before `flask db migrate` writes it.

    `x_arguments` are the command's `-x` options as a dict; `terminal`
    (extras/commands/terminal.py) asks the questions and shows the warnings.
    """
    pairing = RenamePairing(migration_context, script.upgrade_ops,
                            choose_answerer(x_arguments, terminal))
    if pairing.rename_tables() + pairing.rename_columns():
        # Alembic derived downgrade() from upgrade() the same way.
        script.upgrade_ops.reverse_into(script.downgrade_ops)
    # downgrade() stays as autogenerate wrote it: dropping a new column undoes its fill too.
    values = NeededValues(migration_context.connection, script.upgrade_ops, x_arguments,
                          terminal)
    values.fill()
    warnings = values.warnings + mark_risks(migration_context.connection, script.upgrade_ops)
    # Shown just before Alembic's "Generating ... done", the last lines of `migrate`.
    for warning in warnings:
        terminal.warn(f"WARNING: the new migration {warning}.")
    if warnings:
        terminal.warn("Read it before `flask db upgrade`: a comment marks each of these.")
    for line in unanswered_lines(pairing.unanswered):
        terminal.say(line)
    for name in values.hints:
        terminal.say(f"To give {name} a value in the existing rows, delete the new script and "
                     f"run `flask db migrate -x {name}=VALUE` (see docs/safety-nets.md).")
