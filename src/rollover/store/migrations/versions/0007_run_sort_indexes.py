"""indexes to read a run's rows in the order of a sort, a page at a time

Revision ID: 0007
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa

from rollover.store.types import Key

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    students = sa.table('students', sa.column('student_id', Key),
                        sa.column('last_name', sa.Text()), sa.column('first_name', sa.Text()))
    op.create_index('ix_students_name_order', 'students',
                    [sa.func.lower(students.c.last_name), sa.func.lower(students.c.first_name),
                     'student_id'], unique=False)
    op.create_index(op.f('ix_students_student_number_student_id'), 'students',
                    ['student_number', 'student_id'], unique=False)
    op.create_index(op.f('ix_schools_name'), 'schools', ['name'], unique=False)
    op.create_index(op.f('ix_run_rolled_run_id_rule_seq'), 'run_rolled',
                    ['run_id', 'rule', 'seq'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_run_rolled_run_id_rule_seq'), table_name='run_rolled')
    op.drop_index(op.f('ix_schools_name'), table_name='schools')
    op.drop_index(op.f('ix_students_student_number_student_id'), table_name='students')
    op.drop_index('ix_students_name_order', table_name='students')
