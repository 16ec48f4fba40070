"""the year-end process

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa

from rollover.store.types import Key


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('attendance_codes',
    sa.Column('school_year', sa.Integer(), nullable=False),
    sa.Column('code', Key, nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('excused', sa.Boolean(), nullable=True),
    sa.PrimaryKeyConstraint('school_year', 'code', name=op.f('pk_attendance_codes'))
    )
    op.create_table('audit_log',
    sa.Column('audit_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_name', sa.Text(), nullable=True),
    sa.Column('table_name', sa.Text(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('row_key', sa.Text(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('audit_id', name=op.f('pk_audit_log'))
    )
    op.create_table('notifications',
    sa.Column('notification_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_name', sa.Text(), nullable=True),
    sa.Column('student_id', Key, nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('notification_id', name=op.f('pk_notifications'))
    )
    op.create_table('outbox_events',
    sa.Column('event_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.Text(), nullable=False),
    sa.Column('table_name', sa.Text(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('row_key', sa.Text(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_outbox_events'))
    )
    op.create_table('process_activity',
    sa.Column('activity_key', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('step', sa.Text(), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('activity_key', name=op.f('pk_process_activity'))
    )
    op.create_table('scheduled_tasks',
    sa.Column('task_id', Key, nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('schedule', sa.Text(), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('task_id', name=op.f('pk_scheduled_tasks'))
    )
    op.create_table('system_settings',
    sa.Column('settings_key', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('lock_out_users', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('disable_scheduled_tasks', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('change_auditing', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('outbound_publishing', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('notifications', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('partner_sync', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.CheckConstraint('settings_key = 1', name=op.f('ck_system_settings_single_row')),
    sa.PrimaryKeyConstraint('settings_key', name=op.f('pk_system_settings'))
    )
    op.create_table('year_end_processes',
    sa.Column('school_year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('state', sa.Text(), nullable=False),
    sa.Column('prepared_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('prepared_by', sa.Text(), nullable=True),
    sa.Column('saved_settings', sa.JSON(), nullable=False),
    sa.Column('backup_id', sa.Text(), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_by', sa.Text(), nullable=True),
    sa.CheckConstraint("state IN ('prepared', 'finished')", name=op.f('ck_year_end_processes_state')),
    sa.PrimaryKeyConstraint('school_year', name=op.f('pk_year_end_processes'))
    )
    op.create_table('module_runs',
    sa.Column('run_id', Key, nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('module', sa.Text(), nullable=False),
    sa.Column('school_year', sa.Integer(), nullable=False),
    sa.Column('restored_by', Key, nullable=True),
    sa.Column('restored_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['runs.run_id'], name=op.f('fk_module_runs_run_id_runs'), ondelete='CASCADE'),
    sa.UniqueConstraint('sequence', name=op.f('uq_module_runs_sequence')),
    sa.PrimaryKeyConstraint('run_id', name=op.f('pk_module_runs'))
    )
    with op.batch_alter_table('module_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_module_runs_school_year_module'), ['school_year', 'module'], unique=False)

    op.create_table('run_backup_steps',
    sa.Column('run_id', Key, nullable=False),
    sa.Column('step', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('table_name', sa.Text(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('columns', sa.JSON(), nullable=False),
    sa.Column('first_seq', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.run_id'], name=op.f('fk_run_backup_steps_run_id_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'step', name=op.f('pk_run_backup_steps'))
    )
    op.create_table('run_backup_rows',
    sa.Column('run_id', Key, nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('table_name', sa.Text(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('school_id', Key, nullable=True),
    sa.Column('row_key', sa.Text(), nullable=False),
    sa.Column('before', sa.Text(), nullable=True),
    sa.Column('after', sa.Text(), nullable=True),
    sa.CheckConstraint("action IN ('insert', 'update', 'delete')", name=op.f('ck_run_backup_rows_action')),
    sa.ForeignKeyConstraint(['run_id'], ['runs.run_id'], name=op.f('fk_run_backup_rows_run_id_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'seq', name=op.f('pk_run_backup_rows'))
    )
    op.create_table('run_messages',
    sa.Column('run_id', Key, nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('level', sa.Text(), nullable=False),
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('record', sa.Text(), nullable=True),
    sa.Column('school_id', Key, nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.run_id'], name=op.f('fk_run_messages_run_id_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'seq', name=op.f('pk_run_messages'))
    )
    op.create_table('success_plans',
    sa.Column('plan_id', Key, nullable=False),
    sa.Column('student_id', Key, nullable=False),
    sa.Column('school_year', sa.Integer(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('carried_from', Key, nullable=True),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_success_plans_status')),
    sa.ForeignKeyConstraint(['carried_from'], ['success_plans.plan_id'], name=op.f('fk_success_plans_carried_from_success_plans'), initially='DEFERRED', deferrable=True),
    sa.ForeignKeyConstraint(['student_id'], ['students.student_id'], name=op.f('fk_success_plans_student_id_students')),
    sa.PrimaryKeyConstraint('plan_id', name=op.f('pk_success_plans'))
    )
    with op.batch_alter_table('success_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_success_plans_student_id'), ['student_id'], unique=False)

    op.create_table('user_rights',
    sa.Column('right_key', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_name', Key, nullable=False),
    sa.Column('right_name', sa.Text(), nullable=False),
    sa.Column('school_id', Key, nullable=True),
    sa.Column('access', sa.Text(), nullable=False),
    sa.CheckConstraint("access IN ('read', 'write')", name=op.f('ck_user_rights_access')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.school_id'], name=op.f('fk_user_rights_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_name'], ['users.user_name'], name=op.f('fk_user_rights_user_name_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('right_key', name=op.f('pk_user_rights'))
    )
    with op.batch_alter_table('user_rights', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_rights_user_name'), ['user_name'], unique=False)

    op.create_table('courses',
    sa.Column('course_id', Key, nullable=False),
    sa.Column('calendar_id', Key, nullable=False),
    sa.Column('number', Key, nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['calendars.calendar_id'], name=op.f('fk_courses_calendar_id_calendars')),
    sa.PrimaryKeyConstraint('course_id', name=op.f('pk_courses')),
    sa.UniqueConstraint('calendar_id', 'number', name=op.f('uq_courses_calendar_id_number'))
    )
    op.create_table('grading_periods',
    sa.Column('grading_period_id', Key, nullable=False),
    sa.Column('calendar_id', Key, nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['calendars.calendar_id'], name=op.f('fk_grading_periods_calendar_id_calendars')),
    sa.PrimaryKeyConstraint('grading_period_id', name=op.f('pk_grading_periods')),
    sa.UniqueConstraint('calendar_id', 'name', name=op.f('uq_grading_periods_calendar_id_name'))
    )
    op.create_table('mark_types',
    sa.Column('mark_type_id', Key, nullable=False),
    sa.Column('calendar_id', Key, nullable=False),
    sa.Column('code', Key, nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['calendars.calendar_id'], name=op.f('fk_mark_types_calendar_id_calendars')),
    sa.PrimaryKeyConstraint('mark_type_id', name=op.f('pk_mark_types')),
    sa.UniqueConstraint('calendar_id', 'code', name=op.f('uq_mark_types_calendar_id_code'))
    )
    op.create_table('plan_goals',
    sa.Column('goal_id', Key, nullable=False),
    sa.Column('plan_id', Key, nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('progress', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['success_plans.plan_id'], name=op.f('fk_plan_goals_plan_id_success_plans')),
    sa.PrimaryKeyConstraint('goal_id', name=op.f('pk_plan_goals'))
    )
    with op.batch_alter_table('plan_goals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_goals_plan_id'), ['plan_id'], unique=False)

    op.create_table('course_requests',
    sa.Column('student_id', Key, nullable=False),
    sa.Column('course_id', Key, nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.course_id'], name=op.f('fk_course_requests_course_id_courses')),
    sa.ForeignKeyConstraint(['student_id'], ['students.student_id'], name=op.f('fk_course_requests_student_id_students')),
    sa.PrimaryKeyConstraint('student_id', 'course_id', name=op.f('pk_course_requests'))
    )
    with op.batch_alter_table('course_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_requests_course_id'), ['course_id'], unique=False)

    op.create_table('sections',
    sa.Column('section_id', Key, nullable=False),
    sa.Column('course_id', Key, nullable=False),
    sa.Column('number', Key, nullable=False),
    sa.Column('teacher', sa.Text(), nullable=True),
    sa.Column('room', sa.Text(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['courses.course_id'], name=op.f('fk_sections_course_id_courses')),
    sa.PrimaryKeyConstraint('section_id', name=op.f('pk_sections')),
    sa.UniqueConstraint('course_id', 'number', name=op.f('uq_sections_course_id_number'))
    )
    op.create_table('student_marks',
    sa.Column('student_id', Key, nullable=False),
    sa.Column('section_id', Key, nullable=False),
    sa.Column('grading_period_id', Key, nullable=False),
    sa.Column('mark_type_id', Key, nullable=False),
    sa.Column('mark', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['grading_period_id'], ['grading_periods.grading_period_id'], name=op.f('fk_student_marks_grading_period_id_grading_periods')),
    sa.ForeignKeyConstraint(['mark_type_id'], ['mark_types.mark_type_id'], name=op.f('fk_student_marks_mark_type_id_mark_types')),
    sa.ForeignKeyConstraint(['section_id'], ['sections.section_id'], name=op.f('fk_student_marks_section_id_sections')),
    sa.ForeignKeyConstraint(['student_id'], ['students.student_id'], name=op.f('fk_student_marks_student_id_students')),
    sa.PrimaryKeyConstraint('student_id', 'section_id', 'grading_period_id', 'mark_type_id', name=op.f('pk_student_marks'))
    )
    op.create_table('student_schedules',
    sa.Column('student_id', Key, nullable=False),
    sa.Column('section_id', Key, nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['section_id'], ['sections.section_id'], name=op.f('fk_student_schedules_section_id_sections')),
    sa.ForeignKeyConstraint(['student_id'], ['students.student_id'], name=op.f('fk_student_schedules_student_id_students')),
    sa.PrimaryKeyConstraint('student_id', 'section_id', name=op.f('pk_student_schedules'))
    )
    with op.batch_alter_table('student_schedules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_student_schedules_section_id'), ['section_id'], unique=False)

    op.create_table('enrollment_staff',
    sa.Column('enrollment_id', Key, nullable=False),
    sa.Column('homeroom', sa.Text(), nullable=True),
    sa.Column('counselor', sa.Text(), nullable=True),
    sa.Column('next_homeroom', sa.Text(), nullable=True),
    sa.Column('next_counselor', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.enrollment_id'], name=op.f('fk_enrollment_staff_enrollment_id_enrollments')),
    sa.PrimaryKeyConstraint('enrollment_id', name=op.f('pk_enrollment_staff'))
    )


def downgrade() -> None:
    op.drop_table('enrollment_staff')
    with op.batch_alter_table('student_schedules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_student_schedules_section_id'))

    op.drop_table('student_schedules')
    op.drop_table('student_marks')
    op.drop_table('sections')
    with op.batch_alter_table('course_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_requests_course_id'))

    op.drop_table('course_requests')
    with op.batch_alter_table('plan_goals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_goals_plan_id'))

    op.drop_table('plan_goals')
    op.drop_table('mark_types')
    op.drop_table('grading_periods')
    op.drop_table('courses')
    with op.batch_alter_table('user_rights', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_rights_user_name'))

    op.drop_table('user_rights')
    with op.batch_alter_table('success_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_success_plans_student_id'))

    op.drop_table('success_plans')
    op.drop_table('run_messages')
    op.drop_table('run_backup_rows')
    op.drop_table('run_backup_steps')
    with op.batch_alter_table('module_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_module_runs_school_year_module'))

    op.drop_table('module_runs')
    op.drop_table('year_end_processes')
    op.drop_table('system_settings')
    op.drop_table('scheduled_tasks')
    op.drop_table('process_activity')
    op.drop_table('outbox_events')
    op.drop_table('notifications')
    op.drop_table('audit_log')
    op.drop_table('attendance_codes')
