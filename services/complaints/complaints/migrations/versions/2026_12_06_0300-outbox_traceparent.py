"""outbox rows carry the traceparent of the span that wrote them (csi_shared.tracing)

Revision ID: e6d4a9b5f134
Revises: 5c0e2b7d9f41
Create Date: 2026-12-06 03:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'e6d4a9b5f134'
down_revision = '5c0e2b7d9f41'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('traceparent', sa.String(length=55), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('traceparent')
