"""erasure requests, phone reads, consent records

Revision ID: 5f7b6ef0badb
Revises: 9e4b1a7c5f12
Create Date: 2026-11-23 00:15:19.378603
"""
from alembic import op
import sqlalchemy as sa


revision = '5f7b6ef0badb'
down_revision = '9e4b1a7c5f12'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('consent_records',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=True),
    sa.Column('dealer_code', sa.String(length=20), nullable=True),
    sa.Column('ro_number', sa.String(length=50), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('window_from', sa.Time(), nullable=True),
    sa.Column('window_to', sa.Time(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('phone_hash', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_consent_records_customer', 'consent_records', ['customer_id', 'recorded_at'], unique=False)
    op.create_index('ix_consent_records_phone_hash', 'consent_records', ['phone_hash'], unique=False)

    op.create_table('erasure_requests',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('subject_kind', sa.String(length=10), nullable=False),
    sa.Column('subject_hash', sa.String(length=64), nullable=False),
    sa.Column('requested_by', sa.String(length=200), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ros', sa.Integer(), nullable=False),
    sa.Column('customers', sa.Integer(), nullable=False),
    sa.Column('parts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_erasure_requests_subject_hash', 'erasure_requests', ['subject_hash'], unique=False)

    op.create_table('phone_reads',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reader', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('dealer_code', sa.String(length=20), nullable=False),
    sa.Column('service', sa.String(length=40), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=True),
    sa.Column('ro_number', sa.String(length=50), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_phone_reads_dealer_read_at', 'phone_reads', ['dealer_code', 'read_at'], unique=False)
    op.create_index('ix_phone_reads_read_at', 'phone_reads', ['read_at'], unique=False)

    op.create_table('erasure_progress',
    sa.Column('request_id', sa.String(length=36), nullable=False),
    sa.Column('service', sa.String(length=40), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('parts_done', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['erasure_requests.id'], ),
    sa.PrimaryKeyConstraint('request_id', 'service')
    )


def downgrade() -> None:
    op.drop_table('erasure_progress')
    op.drop_table('phone_reads')
    op.drop_table('erasure_requests')
    op.drop_table('consent_records')
