"""integrity signals

What the integrity signals read of each answer (the page's visitor data, the comment, straight-lining) and of each RO
(a salted hash and a masked form of the customer's phone, a hash of the name, the VIN); the dealer's known numbers;
the under-review mark of a dealer-period; answers excluded by an analyst and the audit trail of those actions. Answers
and ROs received before this revision have nulls there: the signals leave them out.

Revision ID: 5e2a7c9d1f43
Revises: d1ffab9fc3c0
Create Date: 2026-11-24 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '5e2a7c9d1f43'
down_revision = 'd1ffab9fc3c0'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('responses_received', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overall', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('items_answered', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('straight_line_score', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('comment', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('seconds_to_submit', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('browser_family', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('network_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('excluded', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('repair_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('phone_masked', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('customer_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('vin', sa.String(length=20), nullable=True))
    op.add_column('dealer_periods', sa.Column('under_review', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table('dealer_known_numbers',
    sa.Column('dealer_code', sa.String(length=20), nullable=False),
    sa.Column('phone_hash', sa.String(length=64), nullable=False),
    sa.Column('phone_masked', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=True),
    sa.Column('set_by', sa.String(length=200), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('dealer_code', 'phone_hash')
    )
    op.create_table('integrity_actions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('dealer_code', sa.String(length=20), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('response_id', sa.String(length=80), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('by_subject', sa.String(length=200), nullable=False),
    sa.Column('by_role', sa.String(length=30), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('integrity_actions', schema=None) as batch_op:
        batch_op.create_index('ix_integrity_actions_dealer_period', ['dealer_code', 'period'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('integrity_actions', schema=None) as batch_op:
        batch_op.drop_index('ix_integrity_actions_dealer_period')
    op.drop_table('integrity_actions')
    op.drop_table('dealer_known_numbers')
    op.drop_column('dealer_periods', 'under_review')
    with op.batch_alter_table('repair_orders', schema=None) as batch_op:
        batch_op.drop_column('vin')
        batch_op.drop_column('customer_key')
        batch_op.drop_column('phone_masked')
        batch_op.drop_column('phone_hash')
    with op.batch_alter_table('responses_received', schema=None) as batch_op:
        batch_op.drop_column('excluded')
        batch_op.drop_column('network_hash')
        batch_op.drop_column('browser_family')
        batch_op.drop_column('seconds_to_submit')
        batch_op.drop_column('opened_at')
        batch_op.drop_column('comment')
        batch_op.drop_column('straight_line_score')
        batch_op.drop_column('items_answered')
        batch_op.drop_column('overall')
