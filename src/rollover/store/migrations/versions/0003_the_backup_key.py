"""the backup key

Revision ID: 0003
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('backup_key',
    sa.Column('key_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('secret', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('key_id = 1', name=op.f('ck_backup_key_single_row')),
    sa.PrimaryKeyConstraint('key_id', name=op.f('pk_backup_key'))
    )


def downgrade() -> None:
    op.drop_table('backup_key')
