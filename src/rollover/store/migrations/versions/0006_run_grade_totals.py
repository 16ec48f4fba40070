"""a roll forward's counts per calendar and grade, kept with its report

Revision ID: 0006
Revises: 0005
"""

from alembic import op
import sqlalchemy as sa

from rollover.store.types import Key

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Runs stored before have none: their totals are counted from their rows when read.
    op.create_table('run_grade_totals',
                    sa.Column('run_id', Key, nullable=False),
                    sa.Column('side', sa.Text(), nullable=False),
                    sa.Column('calendar_id', Key, nullable=False),
                    sa.Column('grade', Key, nullable=False),
                    sa.Column('count', sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(['run_id'], ['runs.run_id'],
                                            name=op.f('fk_run_grade_totals_run_id_runs'),
                                            ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('run_id', 'side', 'calendar_id', 'grade',
                                            name=op.f('pk_run_grade_totals')))


def downgrade() -> None:
    op.drop_table('run_grade_totals')
