"""audit chain: the append-only, hash-chained audit_entry table; on PostgreSQL a trigger that
refuses UPDATE, DELETE and TRUNCATE on it

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 01:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | Sequence[str] | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Whoever may write the table may still drop the trigger (or the table): the chain, not the
# trigger, is what proves a change (`duecourse audit verify`). The trigger stops the ordinary
# mistakes: an UPDATE or DELETE by hand or by code that forgot the table is append-only.
_REFUSE = """
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_entry is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        'audit_entry',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('action', sa.String(length=24), nullable=False),
        sa.Column('subject_type', sa.String(length=32), nullable=False),
        sa.Column('subject_id', sa.String(length=64), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('data', sa.String(), nullable=False),
        sa.Column('prev_hash', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_audit_entry_case', 'audit_entry', ['case_id', 'id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(_REFUSE)
        op.execute(
            'CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry '
            'FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()'
        )
        op.execute(
            'CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry '
            'FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()'
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry')
        op.execute('DROP TRIGGER IF EXISTS audit_entry_no_change ON audit_entry')
        op.execute('DROP FUNCTION IF EXISTS audit_entry_append_only()')
    op.drop_index('ix_audit_entry_case', table_name='audit_entry')
    op.drop_table('audit_entry')
