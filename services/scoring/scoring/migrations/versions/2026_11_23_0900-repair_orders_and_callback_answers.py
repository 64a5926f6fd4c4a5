"""repair orders and callback answers

Each RO's counted period (so a correction can move its count), its service advisor and job kinds, and completed
callbacks' visit satisfaction: what the breakdown by service advisor and job kind reads. ROs consumed before this
revision have no row: nothing here can tell their advisor, and a correction of one counts it in its new period only.

Revision ID: 3b7e9a1c5d20
Revises: 8c1d2e3f4a5b
Create Date: 2026-11-23 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '3b7e9a1c5d20'
down_revision = '8c1d2e3f4a5b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('repair_orders',
    sa.Column('dealer_code', sa.String(length=20), nullable=False),
    sa.Column('ro_number', sa.String(length=50), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('service_advisor_id', sa.String(length=50), nullable=True),
    sa.Column('service_advisor_name', sa.String(length=200), nullable=True),
    sa.Column('job_kinds', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('dealer_code', 'ro_number')
    )
    with op.batch_alter_table('repair_orders', schema=None) as batch_op:
        batch_op.create_index('ix_repair_orders_dealer_period', ['dealer_code', 'period'], unique=False)

    op.create_table('callback_answers',
    sa.Column('callback_id', sa.String(length=80), nullable=False),
    sa.Column('dealer_code', sa.String(length=20), nullable=False),
    sa.Column('ro_number', sa.String(length=50), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('visit_satisfaction', sa.Integer(), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('callback_id')
    )
    with op.batch_alter_table('callback_answers', schema=None) as batch_op:
        batch_op.create_index('ix_callback_answers_ro', ['dealer_code', 'ro_number'], unique=False)

    with op.batch_alter_table('responses_received', schema=None) as batch_op:
        batch_op.create_index('ix_responses_received_dealer_period', ['dealer_code', 'period'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('responses_received', schema=None) as batch_op:
        batch_op.drop_index('ix_responses_received_dealer_period')

    with op.batch_alter_table('callback_answers', schema=None) as batch_op:
        batch_op.drop_index('ix_callback_answers_ro')

    op.drop_table('callback_answers')
    with op.batch_alter_table('repair_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_repair_orders_dealer_period')

    op.drop_table('repair_orders')
