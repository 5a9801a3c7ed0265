"""negotiation: promises to pay, disputes, repayment plans and instalments; reviews of a kind
(stage move, dispute, plan); the legal stage a case returns to after negotiation

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 01:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | Sequence[str] | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _tz() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('review') as batch:
        batch.add_column(
            sa.Column('kind', sa.String(length=24), nullable=False, server_default='stage')
        )
        batch.add_column(sa.Column('subject_id', sa.Integer(), nullable=True))
        batch.alter_column('target_stage', existing_type=sa.String(length=24), nullable=True)
    with op.batch_alter_table('collection_case') as batch:
        batch.add_column(sa.Column('return_stage', sa.String(length=24), nullable=True))
    op.create_table(
        'promise',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('made_on', sa.Date(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('channel', sa.String(length=24), nullable=True),
        sa.Column('contact_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.String(), nullable=True),
        sa.Column('status', sa.String(length=24), nullable=False),
        sa.Column('paid', sa.BigInteger(), nullable=False),
        sa.Column('closed_on', sa.Date(), nullable=True),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('created_at', _tz(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['collection_case.id']),
        sa.ForeignKeyConstraint(['contact_id'], ['contact.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_promise_case_id', 'promise', ['case_id'], unique=False)
    op.create_index('ix_promise_status_due', 'promise', ['status', 'due_on'], unique=False)
    op.create_table(
        'dispute',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('status', sa.String(length=24), nullable=False),
        sa.Column('opened_on', sa.Date(), nullable=False),
        sa.Column('note', sa.String(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=True),
        sa.Column('resolved_on', sa.Date(), nullable=True),
        sa.Column('resolved_by', sa.String(length=64), nullable=True),
        sa.Column('resolution', sa.String(), nullable=True),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('created_at', _tz(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['collection_case.id']),
        sa.ForeignKeyConstraint(['review_id'], ['review.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_dispute_case_id', 'dispute', ['case_id'], unique=False)
    op.create_table(
        'repayment_plan',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('status', sa.String(length=24), nullable=False),
        sa.Column('balance', sa.BigInteger(), nullable=False),
        sa.Column('total', sa.BigInteger(), nullable=False),
        sa.Column('waived_fees', sa.BigInteger(), nullable=False),
        sa.Column('months', sa.Integer(), nullable=False),
        sa.Column('first_due', sa.Date(), nullable=False),
        sa.Column('accrues_interest', sa.Boolean(), nullable=False),
        sa.Column('accrues_fees', sa.Boolean(), nullable=False),
        sa.Column('proposed_by', sa.String(length=64), nullable=False),
        sa.Column('proposed_on', sa.Date(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=True),
        sa.Column('decided_by', sa.String(length=64), nullable=True),
        sa.Column('decided_on', sa.Date(), nullable=True),
        sa.Column('ended_on', sa.Date(), nullable=True),
        sa.Column('reason', sa.String(), nullable=True),
        sa.Column('note', sa.String(), nullable=True),
        sa.Column('policy_version', sa.String(length=64), nullable=False),
        sa.Column('created_at', _tz(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['collection_case.id']),
        sa.ForeignKeyConstraint(['review_id'], ['review.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_repayment_plan_case_id', 'repayment_plan', ['case_id'], unique=False)
    op.create_index('ix_repayment_plan_status', 'repayment_plan', ['status'], unique=False)
    op.create_table(
        'plan_installment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('paid', sa.BigInteger(), nullable=False),
        sa.Column('paid_on', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['repayment_plan.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('plan_id', 'seq', name='uq_plan_installment_seq'),
    )
    op.create_index(
        'ix_plan_installment_status_due', 'plan_installment', ['status', 'due_on'], unique=False
    )


def downgrade() -> None:
    op.drop_index('ix_plan_installment_status_due', table_name='plan_installment')
    op.drop_table('plan_installment')
    op.drop_index('ix_repayment_plan_status', table_name='repayment_plan')
    op.drop_index('ix_repayment_plan_case_id', table_name='repayment_plan')
    op.drop_table('repayment_plan')
    op.drop_index('ix_dispute_case_id', table_name='dispute')
    op.drop_table('dispute')
    op.drop_index('ix_promise_status_due', table_name='promise')
    op.drop_index('ix_promise_case_id', table_name='promise')
    op.drop_table('promise')
    with op.batch_alter_table('collection_case') as batch:
        batch.drop_column('return_stage')
    with op.batch_alter_table('review') as batch:
        batch.alter_column('target_stage', existing_type=sa.String(length=24), nullable=False)
        batch.drop_column('subject_id')
        batch.drop_column('kind')
