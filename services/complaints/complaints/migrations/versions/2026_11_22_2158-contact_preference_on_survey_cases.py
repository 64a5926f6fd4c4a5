"""contact preference on survey cases

Revision ID: a1466d3ad58d
Revises: a2a117bde438
Create Date: 2026-11-22 21:58:33.703726
"""
from alembic import op
import sqlalchemy as sa


revision = 'a1466d3ad58d'
down_revision = 'a2a117bde438'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('complaints', sa.Column('contact_consent', sa.Boolean(), nullable=True))
    op.add_column('complaints', sa.Column('contact_from', sa.Time(), nullable=True))
    op.add_column('complaints', sa.Column('contact_to', sa.Time(), nullable=True))
    op.add_column('complaints', sa.Column('contact_given_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('complaints', 'contact_given_at')
    op.drop_column('complaints', 'contact_to')
    op.drop_column('complaints', 'contact_from')
    op.drop_column('complaints', 'contact_consent')
