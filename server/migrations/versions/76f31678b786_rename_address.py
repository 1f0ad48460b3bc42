"""rename address

Revision ID: 76f31678b786
Revises: 1694ecedb24d
Create Date: 2023-08-02 18:52:31.603713

Edited by hand: autogenerate wrote add_column('location') plus
drop_column('address') in a batch, which would empty the column. A rename
keeps the values. MySQL and MariaDB rename with CHANGE COLUMN, which must
restate the column's type and nullability, hence `existing_type` and
`existing_nullable`. It is a plain op.alter_column, not a batch: on SQLite a
batch would copy the whole table, while this is one RENAME COLUMN statement.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '76f31678b786'
down_revision = '1694ecedb24d'
branch_labels = None
depends_on = None


def upgrade():
    op.alter_column('departments', 'address', new_column_name='location',
                    existing_type=sa.String(length=255), existing_nullable=True)


def downgrade():
    op.alter_column('departments', 'location', new_column_name='address',
                    existing_type=sa.String(length=255), existing_nullable=True)
