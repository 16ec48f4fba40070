"""the district store

Revision ID: 0001
Revises:
"""

from alembic import op
import sqlalchemy as sa

from rollover.store.types import Key

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('district',
    sa.Column('district_key', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('restrict_to_boundaries', sa.Boolean(), nullable=True),
    sa.Column('student_assignment_validation', sa.Boolean(), nullable=True),
    sa.Column('local_start_status_required', sa.Boolean(), nullable=True),
    sa.Column('current_school_year', sa.Integer(), nullable=True),
    sa.CheckConstraint('district_key = 1', name=op.f('ck_district_single_row')),
    sa.PrimaryKeyConstraint('district_key', name=op.f('pk_district'))
    )
    op.create_table('households',
    sa.Column('household_id', Key, nullable=False),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('street', sa.Text(), nullable=True),
    sa.Column('city', sa.Text(), nullable=True),
    sa.Column('zip', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('household_id', name=op.f('pk_households'))
    )
    op.create_table('local_start_statuses',
    sa.Column('code', Key, nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=True),
    sa.Column('first_year', sa.Integer(), nullable=True),
    sa.Column('last_year', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_local_start_statuses'))
    )
    op.create_table('programs',
    sa.Column('program_id', Key, nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('continuous', sa.Boolean(), nullable=True),
    sa.PrimaryKeyConstraint('program_id', name=op.f('pk_programs'))
    )
    op.create_table('runs',
    sa.Column('run_id', Key, nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('mode', sa.Text(), nullable=False),
    sa.Column('user_name', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('run_id', name=op.f('pk_runs'))
    )
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_runs_kind_started_at'), ['kind', 'started_at'], unique=False)

    op.create_table('schools',
    sa.Column('school_id', Key, nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('next_school_id', Key, nullable=True),
    sa.ForeignKeyConstraint(['next_school_id'], ['schools.school_id'], name=op.f('fk_schools_next_school_id_schools'), initially='DEFERRED', deferrable=True),
    sa.PrimaryKeyConstraint('school_id', name=op.f('pk_schools'))
    )
    op.create_table('students',
    sa.Column('student_id', Key, nullable=False),
    sa.Column('student_number', sa.Text(), nullable=True),
    sa.Column('last_name', sa.Text(), nullable=False),
    sa.Column('first_name', sa.Text(), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('student_id', name=op.f('pk_students'))
    )
    op.create_table('users',
    sa.Column('user_name', Key, nullable=False),
    sa.Column('full_name', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('user_name', name=op.f('pk_users'))
    )
    op.create_table('assignment_overrides',
    sa.Column('override_key', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('student_id', Key, nullable=False),
    sa.Column('school_id', Key, nullable=False),
    sa.Column('school_year', sa.Integer(), nullable=False),
    sa.Column('program_id', Key, nullable=True),
    sa.ForeignKeyConstraint(['program_id'], ['programs.program_id'], name=op.f('fk_assignment_overrides_program_id_programs')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.school_id'], name=op.f('fk_assignment_overrides_school_id_schools')),
    sa.ForeignKeyConstraint(['student_id'], ['students.student_id'], name=op.f('fk_assignment_overrides_student_id_students')),
    sa.PrimaryKeyConstraint('override_key', name=op.f('pk_assignment_overrides'))
    )
    with op.batch_alter_table('assignment_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_overrides_student_id'), ['student_id'], unique=False)

    op.create_table('boundaries',
    sa.Column('boundary_key', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('school_id', Key, nullable=False),
    sa.Column('program_id', Key, nullable=True),
    sa.Column('street', sa.Text(), nullable=False),
    sa.Column('city', sa.Text(), nullable=True),
    sa.Column('zip', sa.Text(), nullable=True),
    sa.Column('low_number', sa.Integer(), nullable=False),
    sa.Column('high_number', sa.Integer(), nullable=False),
    sa.Column('side', sa.Text(), nullable=False),
    sa.Column('resides', sa.Boolean(), nullable=True),
    sa.CheckConstraint("side IN ('odd', 'even', 'both')", name=op.f('ck_boundaries_side')),
    sa.ForeignKeyConstraint(['program_id'], ['programs.program_id'], name=op.f('fk_boundaries_program_id_programs')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.school_id'], name=op.f('fk_boundaries_school_id_schools')),
    sa.PrimaryKeyConstraint('boundary_key', name=op.f('pk_boundaries'))
    )
    with op.batch_alter_table('boundaries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_boundaries_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_boundaries_street'), ['street'], unique=False)

    op.create_table('calendars',
    sa.Column('calendar_id', Key, nullable=False),
    sa.Column('school_id', Key, nullable=False),
    sa.Column('school_year', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('requires_student_assignment', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['schools.school_id'], name=op.f('fk_calendars_school_id_schools')),
    sa.PrimaryKeyConstraint('calendar_id', name=op.f('pk_calendars'))
    )
    with op.batch_alter_table('calendars', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendars_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calendars_school_year_school_id'), ['school_year', 'school_id'], unique=False)

    op.create_table('household_members',
    sa.Column('household_id', Key, nullable=False),
    sa.Column('student_id', Key, nullable=False),
    sa.Column('primary', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.household_id'], name=op.f('fk_household_members_household_id_households')),
    sa.ForeignKeyConstraint(['student_id'], ['students.student_id'], name=op.f('fk_household_members_student_id_students')),
    sa.PrimaryKeyConstraint('household_id', 'student_id', name=op.f('pk_household_members'))
    )
    with op.batch_alter_table('household_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_members_student_id'), ['student_id'], unique=False)

    op.create_table('program_participations',
    sa.Column('student_id', Key, nullable=False),
    sa.Column('program_id', Key, nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['program_id'], ['programs.program_id'], name=op.f('fk_program_participations_program_id_programs')),
    sa.ForeignKeyConstraint(['student_id'], ['students.student_id'], name=op.f('fk_program_participations_student_id_students')),
    sa.PrimaryKeyConstraint('student_id', 'program_id', 'start_date', name=op.f('pk_program_participations'))
    )
    op.create_table('run_rolled',
    sa.Column('run_id', Key, nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('student_id', Key, nullable=False),
    sa.Column('source_enrollment_id', Key, nullable=False),
    sa.Column('enrollment_id', Key, nullable=True),
    sa.Column('source_calendar_id', Key, nullable=False),
    sa.Column('source_grade', Key, nullable=False),
    sa.Column('calendar_id', Key, nullable=False),
    sa.Column('structure_id', Key, nullable=False),
    sa.Column('grade', Key, nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('service_type', sa.Text(), nullable=False),
    sa.Column('local_start_status', Key, nullable=True),
    sa.Column('graduation_cohort', sa.Integer(), nullable=True),
    sa.Column('last_day_ender', sa.Boolean(), nullable=False),
    sa.Column('warnings', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.run_id'], name=op.f('fk_run_rolled_run_id_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'seq', name=op.f('pk_run_rolled'))
    )
    op.create_table('run_warnings',
    sa.Column('run_id', Key, nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('student_id', Key, nullable=False),
    sa.Column('source_enrollment_id', Key, nullable=False),
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.run_id'], name=op.f('fk_run_warnings_run_id_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'seq', name=op.f('pk_run_warnings'))
    )
    op.create_table('days',
    sa.Column('calendar_id', Key, nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('instructional', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['calendars.calendar_id'], name=op.f('fk_days_calendar_id_calendars')),
    sa.PrimaryKeyConstraint('calendar_id', 'date', name=op.f('pk_days'))
    )
    op.create_table('structures',
    sa.Column('structure_id', Key, nullable=False),
    sa.Column('calendar_id', Key, nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['calendars.calendar_id'], name=op.f('fk_structures_calendar_id_calendars')),
    sa.PrimaryKeyConstraint('structure_id', name=op.f('pk_structures')),
    sa.UniqueConstraint('calendar_id', 'structure_id', name=op.f('uq_structures_calendar_id_structure_id'))
    )
    op.create_table('grade_levels',
    sa.Column('calendar_id', Key, nullable=False),
    sa.Column('structure_id', Key, nullable=False),
    sa.Column('grade', Key, nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('state_grade', sa.Text(), nullable=True),
    sa.Column('requires_student_assignment', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['calendar_id', 'structure_id'], ['structures.calendar_id', 'structures.structure_id'], name=op.f('fk_grade_levels_calendar_id_structure_id_structures')),
    sa.ForeignKeyConstraint(['structure_id'], ['structures.structure_id'], name=op.f('fk_grade_levels_structure_id_structures')),
    sa.PrimaryKeyConstraint('calendar_id', 'structure_id', 'grade', name=op.f('pk_grade_levels'))
    )
    op.create_table('terms',
    sa.Column('term_id', Key, nullable=False),
    sa.Column('structure_id', Key, nullable=False),
    sa.Column('term_schedule', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['structure_id'], ['structures.structure_id'], name=op.f('fk_terms_structure_id_structures')),
    sa.PrimaryKeyConstraint('term_id', name=op.f('pk_terms'))
    )
    with op.batch_alter_table('terms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_terms_structure_id'), ['structure_id'], unique=False)

    op.create_table('enrollments',
    sa.Column('enrollment_id', Key, nullable=False),
    sa.Column('student_id', Key, nullable=False),
    sa.Column('calendar_id', Key, nullable=False),
    sa.Column('structure_id', Key, nullable=False),
    sa.Column('grade', Key, nullable=False),
    sa.Column('service_type', sa.Text(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('end_status', sa.Text(), nullable=True),
    sa.Column('end_action', sa.Text(), nullable=True),
    sa.Column('next_calendar_id', Key, nullable=True),
    sa.Column('next_structure_id', Key, nullable=True),
    sa.Column('next_grade', Key, nullable=True),
    sa.Column('local_start_status', Key, nullable=True),
    sa.Column('graduation_cohort', sa.Integer(), nullable=True),
    sa.Column('rolled_from', Key, nullable=True),
    sa.CheckConstraint("end_action IN ('promote', 'retain', 'demote')", name=op.f('ck_enrollments_end_action')),
    sa.CheckConstraint("service_type IN ('primary', 'partial', 'special_ed')", name=op.f('ck_enrollments_service_type')),
    sa.ForeignKeyConstraint(['calendar_id', 'structure_id', 'grade'], ['grade_levels.calendar_id', 'grade_levels.structure_id', 'grade_levels.grade'], name=op.f('fk_enrollments_calendar_id_structure_id_grade_grade_levels')),
    sa.ForeignKeyConstraint(['calendar_id'], ['calendars.calendar_id'], name=op.f('fk_enrollments_calendar_id_calendars')),
    sa.ForeignKeyConstraint(['local_start_status'], ['local_start_statuses.code'], name=op.f('fk_enrollments_local_start_status_local_start_statuses')),
    sa.ForeignKeyConstraint(['next_calendar_id'], ['calendars.calendar_id'], name=op.f('fk_enrollments_next_calendar_id_calendars')),
    sa.ForeignKeyConstraint(['next_structure_id'], ['structures.structure_id'], name=op.f('fk_enrollments_next_structure_id_structures')),
    sa.ForeignKeyConstraint(['rolled_from'], ['enrollments.enrollment_id'], name=op.f('fk_enrollments_rolled_from_enrollments'), initially='DEFERRED', deferrable=True),
    sa.ForeignKeyConstraint(['student_id'], ['students.student_id'], name=op.f('fk_enrollments_student_id_students')),
    sa.PrimaryKeyConstraint('enrollment_id', name=op.f('pk_enrollments'))
    )
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrollments_calendar_id_structure_id_grade'), ['calendar_id', 'structure_id', 'grade'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrollments_rolled_from'), ['rolled_from'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrollments_student_id'), ['student_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrollments_student_id'))
        batch_op.drop_index(batch_op.f('ix_enrollments_rolled_from'))
        batch_op.drop_index(batch_op.f('ix_enrollments_calendar_id_structure_id_grade'))

    op.drop_table('enrollments')
    with op.batch_alter_table('terms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_terms_structure_id'))

    op.drop_table('terms')
    op.drop_table('grade_levels')
    op.drop_table('structures')
    op.drop_table('days')
    op.drop_table('run_warnings')
    op.drop_table('run_rolled')
    op.drop_table('program_participations')
    with op.batch_alter_table('household_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_members_student_id'))

    op.drop_table('household_members')
    with op.batch_alter_table('calendars', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendars_school_year_school_id'))
        batch_op.drop_index(batch_op.f('ix_calendars_school_id'))

    op.drop_table('calendars')
    with op.batch_alter_table('boundaries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_boundaries_street'))
        batch_op.drop_index(batch_op.f('ix_boundaries_school_id'))

    op.drop_table('boundaries')
    with op.batch_alter_table('assignment_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_overrides_student_id'))

    op.drop_table('assignment_overrides')
    op.drop_table('users')
    op.drop_table('students')
    op.drop_table('schools')
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_runs_kind_started_at'))

    op.drop_table('runs')
    op.drop_table('programs')
    op.drop_table('local_start_statuses')
    op.drop_table('households')
    op.drop_table('district')
