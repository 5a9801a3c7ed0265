"""foundation: customers, accounts, snapshots, cases, imports

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 18:39:47.317241
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('customer',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('id_number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('province', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sqlite_with_rowid=False,
    )
    op.create_table('import_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('encoding', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('running', 'succeeded', 'failed', name='runstatus', native_enum=False, length=24), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('imported', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('quarantined', sa.Integer(), nullable=False),
    sa.Column('missing', sa.Integer(), nullable=False),
    sa.Column('closed', sa.Integer(), nullable=False),
    sa.Column('quarantine_file', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('import_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_run_as_of'), ['as_of'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_run_sha256'), ['sha256'], unique=False)

    op.create_table('card_account',
    sa.Column('customer_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('card_number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('credit_limit', sa.BigInteger(), nullable=False),
    sa.Column('principal', sa.BigInteger(), nullable=False),
    sa.Column('interest', sa.BigInteger(), nullable=False),
    sa.Column('fees', sa.BigInteger(), nullable=False),
    sa.Column('minimum_due', sa.BigInteger(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('days_past_due', sa.Integer(), nullable=False),
    sa.Column('last_payment_date', sa.Date(), nullable=True),
    sa.Column('last_payment_amount', sa.BigInteger(), nullable=True),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('last_as_of', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sqlite_with_rowid=False,
    )
    op.create_table('contact_point',
    sa.Column('customer_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('relation', sa.Enum('self', 'emergency', name='contactrelation', native_enum=False, length=24), nullable=False),
    sa.Column('kind', sa.Enum('phone', 'email', 'address', name='contactkind', native_enum=False, length=24), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('contact_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('valid', sa.Boolean(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('customer_id', 'relation', 'kind', 'value', name='uq_contact_point')
    )
    op.create_table('quarantined_row',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_run_id', sa.Integer(), nullable=False),
    sa.Column('line_number', sa.Integer(), nullable=False),
    sa.Column('account_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('raw', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['import_run_id'], ['import_run.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('quarantined_row', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quarantined_row_import_run_id'), ['import_run_id'], unique=False)

    op.create_table('balance_snapshot',
    sa.Column('account_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('principal', sa.BigInteger(), nullable=False),
    sa.Column('interest', sa.BigInteger(), nullable=False),
    sa.Column('fees', sa.BigInteger(), nullable=False),
    sa.Column('minimum_due', sa.BigInteger(), nullable=False),
    sa.Column('days_past_due', sa.Integer(), nullable=False),
    sa.Column('bucket', sa.Enum('M0', 'M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M7+', name='bucket', native_enum=False, length=24), nullable=False),
    sa.Column('import_run_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['card_account.id'], ),
    sa.ForeignKeyConstraint(['import_run_id'], ['import_run.id'], ),
    sa.PrimaryKeyConstraint('account_id', 'as_of'),
    sqlite_with_rowid=False,
    )
    with op.batch_alter_table('balance_snapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_balance_snapshot_as_of'), ['as_of'], unique=False)

    op.create_table('collection_case',
    sa.Column('account_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('customer_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', name='casestatus', native_enum=False, length=24), nullable=False),
    sa.Column('bucket', sa.Enum('M0', 'M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M7+', name='bucket', native_enum=False, length=24), nullable=False),
    sa.Column('stage', sa.Enum('early_warning', 'soft_reminder', 'formal_demand', 'negotiation', 'lawyer_letter', 'payment_order', 'litigation', 'enforcement', 'cured', 'paid', 'settled', 'written_off', name='stage', native_enum=False, length=24), nullable=False),
    sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('risk_tier', sa.Enum('high', 'medium', 'low', name='risktier', native_enum=False, length=24), nullable=True),
    sa.Column('risk_reasons', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('stage_entered_on', sa.Date(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('outcome', sa.Enum('cured', 'paid', 'settled', 'written_off', name='outcome', native_enum=False, length=24), nullable=True),
    sa.Column('max_dpd', sa.Integer(), nullable=False),
    sa.Column('missing_since', sa.Date(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['card_account.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('collection_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collection_case_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collection_case_owner'), ['owner'], unique=False)
        batch_op.create_index('ix_case_stage', ['stage'], unique=False)
        batch_op.create_index('uq_case_open_account', ['account_id'], unique=True, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    op.create_table('timeline_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('event', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['collection_case.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('timeline_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_timeline_event_case_id'), ['case_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('timeline_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_timeline_event_case_id'))

    op.drop_table('timeline_event')
    with op.batch_alter_table('collection_case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_stage')
        batch_op.drop_index('uq_case_open_account', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index(batch_op.f('ix_collection_case_owner'))
        batch_op.drop_index(batch_op.f('ix_collection_case_account_id'))

    op.drop_table('collection_case')
    with op.batch_alter_table('balance_snapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_balance_snapshot_as_of'))

    op.drop_table('balance_snapshot')
    with op.batch_alter_table('quarantined_row', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quarantined_row_import_run_id'))

    op.drop_table('quarantined_row')
    op.drop_table('contact_point')
    op.drop_table('card_account')
    with op.batch_alter_table('import_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_run_sha256'))
        batch_op.drop_index(batch_op.f('ix_import_run_as_of'))

    op.drop_table('import_run')
    op.drop_table('customer')
