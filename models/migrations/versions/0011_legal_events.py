"""legal events: court steps with their own dates (legal_event), and the statutory milestone
each opens pointing back to it (milestone.legal_event_id)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 01:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | Sequence[str] | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'legal_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('track', sa.String(length=24), nullable=False),
        sa.Column('event', sa.String(length=48), nullable=False),
        sa.Column('on', sa.Date(), nullable=False),
        sa.Column('late', sa.Boolean(), nullable=False),
        sa.Column('forced', sa.Boolean(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('document_id', sa.Integer(), nullable=True),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['collection_case.id']),
        sa.ForeignKeyConstraint(['document_id'], ['document.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_legal_event_case_on', 'legal_event', ['case_id', 'on'], unique=False)
    with op.batch_alter_table('milestone') as batch:
        batch.add_column(sa.Column('legal_event_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(
            'fk_milestone_legal_event', 'legal_event', ['legal_event_id'], ['id']
        )


def downgrade() -> None:
    with op.batch_alter_table('milestone') as batch:
        batch.drop_constraint('fk_milestone_legal_event', type_='foreignkey')
        batch.drop_column('legal_event_id')
    op.drop_index('ix_legal_event_case_on', table_name='legal_event')
    op.drop_table('legal_event')
