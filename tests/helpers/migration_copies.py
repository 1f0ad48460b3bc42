"""Temporary copies of the migrations folder, with extra scripts for a test.

The shipped versions/ folder is never touched: a test that needs a failing
migration writes it into a copy and points Flask-Migrate's `directory` there.
"""
import shutil
from pathlib import Path

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

FAILING_MIGRATION = '''"""fails halfway

Revision ID: fa11ed000005
Revises: {down_revision}
"""
from alembic import op
import sqlalchemy as sa

revision = "fa11ed000005"
down_revision = "{down_revision}"
branch_labels = None
depends_on = None


def upgrade():
    # Changes that must all be undone when the last statement fails.
    op.add_column("employees", sa.Column("nickname", sa.String(length=50)))
    op.execute("UPDATE employees SET salary = salary + 1")
    with op.batch_alter_table("departments", recreate="always") as batch_op:
        batch_op.alter_column("name", existing_type=sa.String(length=255), nullable=True)
    op.create_table("employees", sa.Column("id", sa.Integer(), primary_key=True))  # exists: fails


def downgrade():
    pass
'''
FAILING_REVISION = "fa11ed000005"


def copy_migrations(tmp_path):
    """A copy of migrations/ that a test may write new scripts into."""
    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def copy_with_failing_migration(tmp_path, down_revision):
    """A copy of migrations/ whose newest script fails after changing things."""
    copy = copy_migrations(tmp_path)
    script = copy / "versions" / f"{FAILING_REVISION}_fails_halfway.py"
    script.write_text(FAILING_MIGRATION.format(down_revision=down_revision))
    return copy
