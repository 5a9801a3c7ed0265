"""payments: each payment on a case with its allocation to fees, interest and principal

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 00:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'payment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.String(length=64), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('paid_on', sa.Date(), nullable=False),
        sa.Column('reference', sa.String(length=64), nullable=True),
        sa.Column('allocated_fees', sa.BigInteger(), nullable=False),
        sa.Column('allocated_interest', sa.BigInteger(), nullable=False),
        sa.Column('allocated_principal', sa.BigInteger(), nullable=False),
        sa.Column('overpaid', sa.BigInteger(), nullable=False),
        sa.Column('source', sa.String(length=24), nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['collection_case.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('reference'),
    )
    op.create_index('ix_payment_case_id', 'payment', ['case_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_payment_case_id', table_name='payment')
    op.drop_table('payment')
