"""responses and aggregates

Revision ID: 6fbe4b0b8ba5
Revises: f358b4c1a1be
Create Date: 2026-11-22 09:09:25.326543
"""
from alembic import op
import sqlalchemy as sa


revision = '6fbe4b0b8ba5'
down_revision = 'f358b4c1a1be'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('counted_ros',
    sa.Column('dealer_code', sa.String(length=20), nullable=False),
    sa.Column('ro_number', sa.String(length=50), nullable=False),
    sa.Column('response_id', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('dealer_code', 'ro_number')
    )
    op.create_table('dealer_periods',
    sa.Column('dealer_code', sa.String(length=20), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('responses', sa.Integer(), nullable=False),
    sa.Column('csi_sum', sa.Float(), nullable=False),
    sa.Column('csi_sumsq', sa.Float(), nullable=False),
    sa.Column('overall_n', sa.Integer(), nullable=False),
    sa.Column('overall_sum', sa.Float(), nullable=False),
    sa.Column('loyalty_n', sa.Integer(), nullable=False),
    sa.Column('loyalty_top', sa.Integer(), nullable=False),
    sa.Column('ros', sa.Integer(), nullable=False),
    sa.Column('complaints', sa.Integer(), nullable=False),
    sa.Column('csi_index', sa.Float(), nullable=True),
    sa.Column('interval_low', sa.Float(), nullable=True),
    sa.Column('interval_high', sa.Float(), nullable=True),
    sa.Column('factors', sa.JSON(), nullable=False),
    sa.Column('dirty', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('dealer_code', 'period')
    )
    with op.batch_alter_table('dealer_periods', schema=None) as batch_op:
        batch_op.create_index('ix_dealer_periods_period_index', ['period', 'csi_index'], unique=False)

    op.create_table('dealers',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('region', sa.String(length=50), nullable=True),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    with op.batch_alter_table('dealers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dealers_region'), ['region'], unique=False)

    op.create_table('factor_aggregates',
    sa.Column('dealer_code', sa.String(length=20), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('factor', sa.String(length=30), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('total', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('dealer_code', 'period', 'factor')
    )
    op.create_table('item_aggregates',
    sa.Column('dealer_code', sa.String(length=20), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('item', sa.String(length=50), nullable=False),
    sa.Column('factor', sa.String(length=30), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('total', sa.Float(), nullable=False),
    sa.Column('levels', sa.JSON(), nullable=False),
    sa.Column('pairs', sa.Integer(), nullable=False),
    sa.Column('sx', sa.Float(), nullable=False),
    sa.Column('sy', sa.Float(), nullable=False),
    sa.Column('sxx', sa.Float(), nullable=False),
    sa.Column('syy', sa.Float(), nullable=False),
    sa.Column('sxy', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('dealer_code', 'period', 'item')
    )
    with op.batch_alter_table('item_aggregates', schema=None) as batch_op:
        batch_op.create_index('ix_item_aggregates_period', ['period', 'item'], unique=False)

    op.create_table('item_importance',
    sa.Column('scope', sa.String(length=60), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('item', sa.String(length=50), nullable=False),
    sa.Column('importance', sa.Float(), nullable=True),
    sa.Column('pairs', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'period', 'item')
    )
    op.create_table('period_state',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('importance_dirty', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('period')
    )
    op.create_table('responses_received',
    sa.Column('response_id', sa.String(length=80), nullable=False),
    sa.Column('dealer_code', sa.String(length=20), nullable=False),
    sa.Column('ro_number', sa.String(length=50), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('counted', sa.Boolean(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('contribution', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('response_id')
    )


def downgrade() -> None:
    op.drop_table('responses_received')
    op.drop_table('period_state')
    op.drop_table('item_importance')
    with op.batch_alter_table('item_aggregates', schema=None) as batch_op:
        batch_op.drop_index('ix_item_aggregates_period')

    op.drop_table('item_aggregates')
    op.drop_table('factor_aggregates')
    with op.batch_alter_table('dealers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dealers_region'))

    op.drop_table('dealers')
    with op.batch_alter_table('dealer_periods', schema=None) as batch_op:
        batch_op.drop_index('ix_dealer_periods_period_index')

    op.drop_table('dealer_periods')
    op.drop_table('counted_ros')
