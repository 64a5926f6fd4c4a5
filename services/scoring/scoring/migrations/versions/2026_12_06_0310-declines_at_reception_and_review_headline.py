"""declines at reception and the review headline

Each RO keeps whether its customer declined a callback at reception (the `declined_at_reception` integrity signal);
a dealer-period under review keeps the headline of its signals, shown on the ranking and the card. ROs received before
this revision have a null: the signal leaves them out.

Revision ID: 9a4c6e8b2d17
Revises: d5c3f8a4e023
Create Date: 2026-12-06 03:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '9a4c6e8b2d17'
down_revision = 'd5c3f8a4e023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('repair_orders', sa.Column('callback_declined', sa.Boolean(), nullable=True))
    op.add_column('dealer_periods', sa.Column('review_headline', sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('dealer_periods') as batch:
        batch.drop_column('review_headline')
    with op.batch_alter_table('repair_orders') as batch:
        batch.drop_column('callback_declined')
