"""where each RO stands with its survey and callback

Revision ID: d1ffab9fc3c0
Revises: 81b015e63300
Create Date: 2026-11-22 22:21:43.794424
"""
from alembic import op
import sqlalchemy as sa


revision = 'd1ffab9fc3c0'
down_revision = '81b015e63300'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ro_survey_states',
    sa.Column('dealer_code', sa.String(length=20), nullable=False),
    sa.Column('ro_number', sa.String(length=50), nullable=False),
    sa.Column('has_phone', sa.Boolean(), nullable=True),
    sa.Column('no_survey_reason', sa.String(length=30), nullable=True),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('link_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('callback_status', sa.String(length=20), nullable=True),
    sa.Column('counted_period', sa.String(length=7), nullable=True),
    sa.Column('counted_phone', sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column('counted_invited', sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.PrimaryKeyConstraint('dealer_code', 'ro_number')
    )
    op.add_column('dealer_periods', sa.Column('ros_with_phone', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('dealer_periods', sa.Column('ros_invited', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    op.drop_column('dealer_periods', 'ros_invited')
    op.drop_column('dealer_periods', 'ros_with_phone')
    op.drop_table('ro_survey_states')
