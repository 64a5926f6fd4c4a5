"""ro delivery time for retention

Revision ID: 5c0e2b7d9f41
Revises: a1466d3ad58d
Create Date: 2026-11-23 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '5c0e2b7d9f41'
down_revision = 'a1466d3ad58d'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('repair_orders', sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True))
    # ROs kept before this column have no delivery time here: their retention period runs from now, so that they are
    # anonymised in time rather than never.
    op.execute("UPDATE repair_orders SET delivered_at = CURRENT_TIMESTAMP WHERE delivered_at IS NULL")


def downgrade() -> None:
    with op.batch_alter_table('repair_orders') as batch:
        batch.drop_column('delivered_at')
