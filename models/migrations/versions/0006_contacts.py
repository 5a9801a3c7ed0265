"""contacts with proof; deferred action lines

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 22:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'contact',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('action_id', sa.Integer(), nullable=True),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('channel', sa.String(length=24), nullable=False),
        sa.Column('direction', sa.String(length=24), nullable=False),
        sa.Column('party', sa.String(length=24), nullable=False),
        sa.Column('to_masked', sa.String(length=200), nullable=False),
        sa.Column('template', sa.String(length=120), nullable=True),
        sa.Column('template_version', sa.Integer(), nullable=True),
        sa.Column('document_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=24), nullable=False),
        sa.Column('outcome', sa.String(length=24), nullable=True),
        sa.Column('demand', sa.Boolean(), nullable=False),
        sa.Column('proof_ref', sa.String(length=200), nullable=True),
        sa.Column('tracking_number', sa.String(length=64), nullable=True),
        sa.Column('delivered_on', sa.Date(), nullable=True),
        sa.Column('reason', sa.String(), nullable=False),
        sa.Column('conduct', sa.String(length=64), nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('note', sa.String(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['collection_case.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'),
    )
    op.create_index('ix_contact_case_as_of', 'contact', ['case_id', 'as_of'], unique=False)
    with op.batch_alter_table('cycle_action') as batch:
        batch.add_column(sa.Column('not_before', sa.DateTime(timezone=True), nullable=True))
        batch.create_index(
            'ix_cycle_action_due', ['id'], unique=False,
            sqlite_where=sa.text("status IN ('planned', 'deferred')"),
            postgresql_where=sa.text("status IN ('planned', 'deferred')"),
        )


def downgrade() -> None:
    with op.batch_alter_table('cycle_action') as batch:
        batch.drop_index('ix_cycle_action_due')
        batch.drop_column('not_before')
    op.drop_index('ix_contact_case_as_of', table_name='contact')
    op.drop_table('contact')
