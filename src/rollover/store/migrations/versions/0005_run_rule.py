"""the rule of each placement, and indexes to read a run a page at a time

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa

from rollover.store.types import Key

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

NAME_COLUMNS = ('first_name', 'last_name', 'student_number')


def upgrade() -> None:
    with op.batch_alter_table('run_rolled', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rule', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_run_rolled_run_id_calendar_id_grade_seq'), ['run_id', 'calendar_id', 'grade', 'seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_run_rolled_run_id_grade_seq'), ['run_id', 'grade', 'seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_run_rolled_run_id_student_id_grade_calendar_id_seq'), ['run_id', 'student_id', 'grade', 'calendar_id', 'seq'], unique=False)

    with op.batch_alter_table('run_warnings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_calendar_id', Key, nullable=True))
        batch_op.create_index(batch_op.f('ix_run_warnings_run_id_code_seq'), ['run_id', 'code', 'seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_run_warnings_run_id_source_calendar_id_seq'), ['run_id', 'source_calendar_id', 'seq'], unique=False)

    # Runs stored before: their warnings' source calendars, from the source enrollments still here.
    op.execute('UPDATE run_warnings SET source_calendar_id = (SELECT e.calendar_id FROM enrollments e '
               'WHERE e.enrollment_id = run_warnings.source_enrollment_id)')

    students = sa.table('students', sa.column('student_id', Key),
                        *(sa.column(name, sa.Text()) for name in NAME_COLUMNS))
    for name in NAME_COLUMNS:
        op.create_index(f'ix_students_lower_{name}', 'students',
                        [sa.func.lower(students.c[name]).label(name), 'student_id'],
                        unique=False, postgresql_ops={name: 'text_pattern_ops'})


def downgrade() -> None:
    for name in NAME_COLUMNS:
        op.drop_index(f'ix_students_lower_{name}', table_name='students')

    with op.batch_alter_table('run_warnings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_run_warnings_run_id_source_calendar_id_seq'))
        batch_op.drop_index(batch_op.f('ix_run_warnings_run_id_code_seq'))
        batch_op.drop_column('source_calendar_id')

    with op.batch_alter_table('run_rolled', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_run_rolled_run_id_student_id_grade_calendar_id_seq'))
        batch_op.drop_index(batch_op.f('ix_run_rolled_run_id_grade_seq'))
        batch_op.drop_index(batch_op.f('ix_run_rolled_run_id_calendar_id_grade_seq'))
        batch_op.drop_column('rule')
