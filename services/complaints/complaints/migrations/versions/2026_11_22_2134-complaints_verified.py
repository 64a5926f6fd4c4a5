"""complaints verified: who checked the corrective actions, and when (the verify step)

Revision ID: e363ee2b02a8
Revises: 7750e0343ecc
Create Date: 2026-11-22 21:34:33.937531
"""
from alembic import op
import sqlalchemy as sa


revision = 'e363ee2b02a8'
down_revision = '7750e0343ecc'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('verified_by', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_column('verified_by')
        batch_op.drop_column('verified_at')
