"""survey send times and why an RO has no survey

Revision ID: fdc88261cf9e
Revises: 4b9e4258e656
Create Date: 2026-11-22 21:42:26.744026
"""
from alembic import op
import sqlalchemy as sa


revision = 'fdc88261cf9e'
down_revision = '4b9e4258e656'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('repair_orders', sa.Column('no_survey_reason', sa.String(length=30), nullable=True))
    op.add_column('surveys', sa.Column('send_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('surveys', sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('surveys', sa.Column('send_claimed_until', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_surveys_unsent', 'surveys', ['sent_at', 'send_at'], unique=False)
    # Links made before send times existed went out when they were made.
    op.execute("UPDATE surveys SET send_at = created_at, sent_at = created_at")


def downgrade() -> None:
    op.drop_index('ix_surveys_unsent', table_name='surveys')
    op.drop_column('surveys', 'send_claimed_until')
    op.drop_column('surveys', 'sent_at')
    op.drop_column('surveys', 'send_at')
    op.drop_column('repair_orders', 'no_survey_reason')
