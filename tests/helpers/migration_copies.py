"""Temporary copies of the migrations folder, with an extra script written into them.

The shipped versions/ folder is never touched: a test that needs a failing
or unusual migration writes it into a copy and points Flask-Migrate's
`directory` there.
"""
import shutil

from helpers.paths import MIGRATIONS_DIR

EXTRA_REVISION = "e0e0e0000005"

EXTRA_MIGRATION = '''"""{message}

Revision ID: {revision}
Revises: {down_revision}
"""
from alembic import op
import sqlalchemy as sa

revision = "{revision}"
down_revision = "{down_revision}"
branch_labels = None
depends_on = None


def upgrade():
{upgrade}


def downgrade():
    pass
'''

# Changes that must all be undone when the last statement fails.
FAILS_HALFWAY = '''\
    op.add_column("employees", sa.Column("nickname", sa.String(length=50)))
    op.execute("UPDATE employees SET salary = salary + 1")
    with op.batch_alter_table("departments", recreate="always") as batch_op:
        batch_op.alter_column("name", existing_type=sa.String(length=255), nullable=True)
    op.create_table("employees", sa.Column("id", sa.Integer(), primary_key=True))  # exists: fails
'''


def copy_migrations(tmp_path):
    """A copy of migrations/ that a test may write new scripts into."""
    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def copy_with_extra_migration(tmp_path, down_revision, upgrade=FAILS_HALFWAY, message="extra"):
    """A copy of migrations/ whose newest script, EXTRA_REVISION, runs `upgrade` (indented code).

    By default the script fails halfway, after changing things.
    """
    copy = copy_migrations(tmp_path)
    script = copy / "versions" / f"{EXTRA_REVISION}_extra.py"
    script.write_text(EXTRA_MIGRATION.format(
        message=message, revision=EXTRA_REVISION, down_revision=down_revision, upgrade=upgrade))
    return copy
