"""one number per letter: document_number (kind, case, as-of) -> number

Revision ID: 0005
Revises: 0002, 0004
Create Date: 2026-11-28 18:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | Sequence[str] | None = ('0002', '0004')  # needs document (0002)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'document_number',
        sa.Column('kind', sa.String(length=64), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('number', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['collection_case.id'], ),
        sa.PrimaryKeyConstraint('kind', 'case_id', 'as_of'),
        sa.UniqueConstraint('number', name='uq_document_number_number'),
    )
    # the letters already stored keep their number (the lowest, where a race gave two)
    op.execute(
        "INSERT INTO document_number (kind, case_id, as_of, number, created_at) "
        "SELECT kind, case_id, as_of, MIN(number), MIN(rendered_at) FROM document "
        "WHERE number IS NOT NULL GROUP BY kind, case_id, as_of"
    )


def downgrade() -> None:
    op.drop_table('document_number')
