"""attendance areas as polygons: households' locations and the boundary_areas table

Revision ID: 0008
Revises: 0007
"""

from alembic import op
import sqlalchemy as sa

from rollover.store.types import Key

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('households') as batch:
        batch.add_column(sa.Column('latitude', sa.Double(), nullable=True))
        batch.add_column(sa.Column('longitude', sa.Double(), nullable=True))
    op.create_table('boundary_areas',
                    sa.Column('area_key', sa.Integer(), autoincrement=True, nullable=False),
                    sa.Column('school_id', Key, nullable=False),
                    sa.Column('program_id', Key, nullable=True),
                    sa.Column('name', sa.Text(), nullable=False),
                    sa.Column('low_grade', Key, nullable=False),
                    sa.Column('high_grade', Key, nullable=False),
                    sa.Column('low_sequence', sa.Integer(), nullable=False),
                    sa.Column('high_sequence', sa.Integer(), nullable=False),
                    sa.Column('geometry', sa.Text(), nullable=False),
                    sa.CheckConstraint('low_sequence <= high_sequence',
                                       name=op.f('ck_boundary_areas_grade_span')),
                    sa.ForeignKeyConstraint(['program_id'], ['programs.program_id'],
                                            name=op.f('fk_boundary_areas_program_id_programs')),
                    sa.ForeignKeyConstraint(['school_id'], ['schools.school_id'],
                                            name=op.f('fk_boundary_areas_school_id_schools')),
                    sa.PrimaryKeyConstraint('area_key', name=op.f('pk_boundary_areas')))
    op.create_index(op.f('ix_boundary_areas_school_id'), 'boundary_areas', ['school_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_boundary_areas_school_id'), table_name='boundary_areas')
    op.drop_table('boundary_areas')
    # A plain DROP COLUMN (SQLite 3.35 and later have it): a batch would copy the table, which
    # household_members' foreign key refuses on SQLite.
    op.execute('ALTER TABLE households DROP COLUMN longitude')
    op.execute('ALTER TABLE households DROP COLUMN latitude')
