"""open callbacks and complaints, and the daily digests planned

Revision ID: 9e4b1a7c5f12
Revises: 7c2f4e8a1d03
Create Date: 2026-11-23 01:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '9e4b1a7c5f12'
down_revision = '7c2f4e8a1d03'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('open_callbacks',
    sa.Column('callback_id', sa.String(length=36), nullable=False),
    sa.Column('dealer_code', sa.String(length=20), nullable=False),
    sa.Column('ro_number', sa.String(length=50), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('planned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('overdue_since', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('callback_id')
    )
    op.create_index(op.f('ix_open_callbacks_dealer_code'), 'open_callbacks', ['dealer_code'], unique=False)
    op.create_table('open_complaints',
    sa.Column('complaint_id', sa.String(length=36), nullable=False),
    sa.Column('dealer_code', sa.String(length=20), nullable=False),
    sa.Column('first_response_due', sa.DateTime(timezone=True), nullable=False),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('complaint_id')
    )
    op.create_index(op.f('ix_open_complaints_dealer_code'), 'open_complaints', ['dealer_code'], unique=False)
    op.create_table('dealer_digests',
    sa.Column('dealer_code', sa.String(length=20), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('planned_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('dealer_code', 'day')
    )


def downgrade() -> None:
    op.drop_table('dealer_digests')
    op.drop_index(op.f('ix_open_complaints_dealer_code'), table_name='open_complaints')
    op.drop_table('open_complaints')
    op.drop_index(op.f('ix_open_callbacks_dealer_code'), table_name='open_callbacks')
    op.drop_table('open_callbacks')
