"""DMS keys expire and say when they were last used

Revision ID: 36119656c444
Revises: b6ba2050b729
Create Date: 2026-11-22 22:56:17.145574
"""
from alembic import op
import sqlalchemy as sa


revision = '36119656c444'
down_revision = 'b6ba2050b729'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('api_keys', sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('api_keys', sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('api_keys', 'last_used_at')
    op.drop_column('api_keys', 'expires_at')
