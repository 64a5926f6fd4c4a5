"""who resolved a complaint (someone else verifies the fix)

Revision ID: 7d2f4a9c1e60
Revises: e6d4a9b5f134
Create Date: 2026-12-06 03:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '7d2f4a9c1e60'
down_revision = 'e6d4a9b5f134'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('complaints', sa.Column('resolved_by', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('complaints') as batch:
        batch.drop_column('resolved_by')
