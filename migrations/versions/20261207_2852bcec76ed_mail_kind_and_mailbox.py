"""Each outbox message's kind and the mailbox it reaches, indexed for the hourly cap per mailbox and kind

Messages queued before this revision have neither: they do not count towards the cap.

Revision ID: 2852bcec76ed
Revises: c803d70e59fa
Create Date: 2026-12-07 20:02:10.725668

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2852bcec76ed'
down_revision = 'c803d70e59fa'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mailbox', sa.String(length=254), server_default='', nullable=False))
        batch_op.add_column(sa.Column('kind', sa.String(length=40), server_default='', nullable=False))
        batch_op.create_index('ix_outbox_messages_mailbox_kind', ['mailbox', 'kind', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_mailbox_kind')
        batch_op.drop_column('kind')
        batch_op.drop_column('mailbox')
