"""sign-in and jobs: users' passwords, tokens, failed sign-ins, the jobs workers take

Revision ID: 0004
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa

from rollover.store.types import Key


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Users from before have no password: they cannot sign in until `users password` sets one.
    op.add_column('users', sa.Column('password_hash', sa.Text(), nullable=True))
    op.create_table('api_tokens',
    sa.Column('token_hash', Key, nullable=False),
    sa.Column('user_name', Key, nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('csrf_secret', sa.Text(), nullable=True),
    sa.CheckConstraint("kind IN ('api', 'session')", name=op.f('ck_api_tokens_kind')),
    sa.ForeignKeyConstraint(['user_name'], ['users.user_name'],
                            name=op.f('fk_api_tokens_user_name_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_api_tokens'))
    )
    op.create_index(op.f('ix_api_tokens_user_name'), 'api_tokens', ['user_name'], unique=False)
    op.create_table('sign_in_failures',
    sa.Column('failure_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_name', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('failure_id', name=op.f('pk_sign_in_failures'))
    )
    op.create_index(op.f('ix_sign_in_failures_user_name_at'), 'sign_in_failures',
                    ['user_name', 'at'], unique=False)
    op.create_table('jobs',
    sa.Column('job_id', Key, nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('state', sa.Text(), nullable=False),
    sa.Column('user_name', sa.Text(), nullable=True),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('progress_step', sa.Text(), nullable=True),
    sa.Column('progress_done', sa.Integer(), nullable=True),
    sa.Column('progress_total', sa.Integer(), nullable=True),
    sa.Column('run_id', Key, nullable=True),
    sa.Column('error', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('worker_id', sa.Text(), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('queued', 'running', 'succeeded', 'failed')",
                       name=op.f('ck_jobs_state')),
    sa.PrimaryKeyConstraint('job_id', name=op.f('pk_jobs'))
    )
    op.create_index(op.f('ix_jobs_state_created_at'), 'jobs', ['state', 'created_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_jobs_state_created_at'), table_name='jobs')
    op.drop_table('jobs')
    op.drop_index(op.f('ix_sign_in_failures_user_name_at'), table_name='sign_in_failures')
    op.drop_table('sign_in_failures')
    op.drop_index(op.f('ix_api_tokens_user_name'), table_name='api_tokens')
    op.drop_table('api_tokens')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('password_hash')
