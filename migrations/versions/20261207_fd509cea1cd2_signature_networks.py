"""Signature networks: per online signature, keyed hashes of the signer's network and email domain (what a bulk
invalidation matches on; paper rows have none), indexed per demand with the signing time

Revision ID: fd509cea1cd2
Revises: 2852bcec76ed
Create Date: 2026-12-07 19:33:37.731805

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fd509cea1cd2'
down_revision = '2852bcec76ed'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('network_hash', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('domain_hash', sa.String(length=16), nullable=True))
        batch_op.create_check_constraint('paper_unhashed',
                                         "source = 'online' OR (network_hash IS NULL AND domain_hash IS NULL)")
        batch_op.create_index('ix_signatures_proposal_domain', ['proposal_id', 'domain_hash', 'created_at'], unique=False)
        batch_op.create_index('ix_signatures_proposal_network', ['proposal_id', 'network_hash', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.drop_index('ix_signatures_proposal_network')
        batch_op.drop_index('ix_signatures_proposal_domain')
        batch_op.drop_constraint('paper_unhashed', type_='check')
        batch_op.drop_column('domain_hash')
        batch_op.drop_column('network_hash')
