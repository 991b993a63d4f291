"""Sealed ballots: an open secret vote's ballot holds only a ciphertext of its answer and receipt

A ballot row is now either sealed (the ciphertext; no receipt, answer or voter) or plain (a receipt and one kind
of answer), checked in the database; receipts are unique within their vote (a sealed receipt is checked when the
box is opened, at the close). SQLite keeps the table WITHOUT ROWID when batch mode rebuilds it.

Revision ID: a2491068e519
Revises: fd509cea1cd2
Create Date: 2026-12-07 19:32:46.458836

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a2491068e519'
down_revision = 'fd509cea1cd2'
branch_labels = None
depends_on = None

SEALED_OR_PLAIN = ("(sealed IS NOT NULL AND receipt IS NULL AND choice IS NULL AND ranking IS NULL "
                   "AND voter_id IS NULL) OR (sealed IS NULL AND receipt IS NOT NULL "
                   "AND (choice IS NULL) <> (ranking IS NULL))")


def upgrade():
    with op.batch_alter_table('poll_ballots', schema=None, table_kwargs={'sqlite_with_rowid': False}) as batch_op:
        batch_op.add_column(sa.Column('sealed', sa.LargeBinary(), nullable=True))
        batch_op.alter_column('receipt', existing_type=sa.VARCHAR(length=14), nullable=True)
        batch_op.drop_constraint(batch_op.f('uq_poll_ballots_receipt'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_poll_ballots_poll_id_receipt'), ['poll_id', 'receipt'])
        batch_op.drop_constraint(batch_op.f('ck_poll_ballots_one_kind_of_answer'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_poll_ballots_sealed_or_plain'), SEALED_OR_PLAIN)


def downgrade():
    # Sealed ballots cannot go back to a schema without them: close (or delete) the open secret votes first.
    with op.batch_alter_table('poll_ballots', schema=None, table_kwargs={'sqlite_with_rowid': False}) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_poll_ballots_sealed_or_plain'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_poll_ballots_one_kind_of_answer'),
                                         '(choice IS NULL) <> (ranking IS NULL)')
        batch_op.drop_constraint(batch_op.f('uq_poll_ballots_poll_id_receipt'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_poll_ballots_receipt'), ['receipt'])
        batch_op.alter_column('receipt', existing_type=sa.VARCHAR(length=14), nullable=False)
        batch_op.drop_column('sealed')
