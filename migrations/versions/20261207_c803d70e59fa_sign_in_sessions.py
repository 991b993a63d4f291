"""Sign-in sessions kept on the server: one row per signed-in browser (the SHA-256 of the secret its cookie holds,
unique; when it started and was last used; its idle limit and end; remembered or not; the browser's and system's
names; when and why it was revoked). The session version of users goes: revoking the rows does its job

Revision ID: c803d70e59fa
Revises: 013f123996e9
Create Date: 2026-12-07 19:33:51.958775

"""
from alembic import op
import sqlalchemy as sa

import civicvoice.database


# revision identifiers, used by Alembic.
revision = 'c803d70e59fa'
down_revision = '013f123996e9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', civicvoice.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', civicvoice.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('idle_minutes', sa.Integer(), nullable=False),
    sa.Column('expires_at', civicvoice.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('remembered', sa.Boolean(), nullable=False),
    sa.Column('browser', sa.String(length=32), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('revoked_at', civicvoice.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=20), nullable=True),
    sa.CheckConstraint("(revoked_at IS NULL AND revoked_reason IS NULL) OR (revoked_at IS NOT NULL AND revoked_reason IN ('signed_out', 'ended_elsewhere', 'password_changed', 'password_reset'))", name=op.f('ck_user_sessions_revoked')),
    sa.CheckConstraint('expires_at > created_at', name=op.f('ck_user_sessions_lifetime')),
    sa.CheckConstraint('idle_minutes > 0', name=op.f('ck_user_sessions_idle_minutes')),
    sa.CheckConstraint('length(secret_hash) = 64', name=op.f('ck_user_sessions_secret_hash')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_user_sessions_secret_hash'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default=sa.text('1'), nullable=False))

    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))

    op.drop_table('user_sessions')