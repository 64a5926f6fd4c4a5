"""late settlement corrections

How often an RO's settlement time was corrected into another month after its survey link went out: the RO stays in
the month of its link, and the integrity signal `late_settlement_corrections` counts such ROs.

Revision ID: 2b6d8f0a4c35
Revises: 9a4c6e8b2d17
Create Date: 2026-12-06 03:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '2b6d8f0a4c35'
down_revision = '9a4c6e8b2d17'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('repair_orders', sa.Column('late_settlement_corrections', sa.Integer(), nullable=False,
                                             server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('repair_orders') as batch:
        batch.drop_column('late_settlement_corrections')
