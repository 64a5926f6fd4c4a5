"""complaints resolution escalation level: how far a missed resolution target climbed (0 for every existing case)

Revision ID: a2a117bde438
Revises: e363ee2b02a8
Create Date: 2026-11-22 21:37:06.066717
"""
from alembic import op
import sqlalchemy as sa


revision = 'a2a117bde438'
down_revision = 'e363ee2b02a8'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolution_escalation_level', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_column('resolution_escalation_level')
