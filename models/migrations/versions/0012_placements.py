"""placements: cases given to panel law firms, and their recall

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 02:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | Sequence[str] | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'placement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('firm_id', sa.String(length=32), nullable=False),
        sa.Column('lawyer_licence', sa.String(length=17), nullable=False),
        sa.Column('placed_on', sa.Date(), nullable=False),
        sa.Column('placed_by', sa.String(length=64), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=True),
        sa.Column('recalled_on', sa.Date(), nullable=True),
        sa.Column('recalled_by', sa.String(length=64), nullable=True),
        sa.Column('recall_reason', sa.String(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['collection_case.id']),
        sa.ForeignKeyConstraint(['review_id'], ['review.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_placement_case_id', 'placement', ['case_id'], unique=False)
    op.create_index(
        'ix_placement_firm_open', 'placement', ['firm_id', 'recalled_on'], unique=False
    )
    op.create_index(
        'uq_placement_open',
        'placement',
        ['case_id'],
        unique=True,
        sqlite_where=sa.text('recalled_on IS NULL'),
        postgresql_where=sa.text('recalled_on IS NULL'),
    )


def downgrade() -> None:
    op.drop_index('uq_placement_open', table_name='placement')
    op.drop_index('ix_placement_firm_open', table_name='placement')
    op.drop_index('ix_placement_case_id', table_name='placement')
    op.drop_table('placement')
