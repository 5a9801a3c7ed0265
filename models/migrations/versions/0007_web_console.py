"""web console: credentials, login failures; who requested a review and where it was decided

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 23:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'user_credential',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('password_hash', sa.String(length=512), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )
    op.create_table(
        'login_failure',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('client', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_login_failure_name_at', 'login_failure', ['name', 'at'], unique=False)
    op.create_index(
        'ix_login_failure_client_at', 'login_failure', ['client', 'at'], unique=False
    )
    with op.batch_alter_table('review') as batch:
        batch.add_column(
            sa.Column(
                'requested_by', sa.String(length=64), nullable=False, server_default='system'
            )
        )
        batch.add_column(sa.Column('decided_via', sa.String(length=24), nullable=True))
        batch.create_index('ix_review_queue', ['status', 'opened_on', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('review') as batch:
        batch.drop_index('ix_review_queue')
        batch.drop_column('decided_via')
        batch.drop_column('requested_by')
    op.drop_index('ix_login_failure_client_at', table_name='login_failure')
    op.drop_index('ix_login_failure_name_at', table_name='login_failure')
    op.drop_table('login_failure')
    op.drop_table('user_credential')
