"""coverage reconciliations (csi reconcile)

Revision ID: 7c1e0a93d2b4
Revises: 4281bef9bf5f
Create Date: 2026-12-06 02:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '7c1e0a93d2b4'
down_revision = '4281bef9bf5f'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('coverage_reconciliations',
    sa.Column('dealer_code', sa.String(length=20), nullable=False),
    sa.Column('received_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked', sa.Integer(), nullable=False),
    sa.Column('repaired', sa.Integer(), nullable=False),
    sa.Column('reconciled_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('dealer_code')
    )


def downgrade() -> None:
    op.drop_table('coverage_reconciliations')
