"""survey page: opens, contact consent, dealer phone

Revision ID: 3d5869e0322f
Revises: fdc88261cf9e
Create Date: 2026-11-22 21:53:54.337882
"""
from alembic import op
import sqlalchemy as sa


revision = '3d5869e0322f'
down_revision = 'fdc88261cf9e'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('dealers', sa.Column('phone', sa.String(length=20), nullable=True))
    op.add_column('survey_responses', sa.Column('contact_consent', sa.Boolean(), nullable=True))
    op.add_column('survey_responses', sa.Column('contact_from', sa.Time(), nullable=True))
    op.add_column('survey_responses', sa.Column('contact_to', sa.Time(), nullable=True))
    op.add_column('surveys', sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('surveys', sa.Column('open_count', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('surveys', sa.Column('browser_family', sa.String(length=20), nullable=True))
    op.add_column('surveys', sa.Column('network_hash', sa.String(length=32), nullable=True))


def downgrade() -> None:
    op.drop_column('surveys', 'network_hash')
    op.drop_column('surveys', 'browser_family')
    op.drop_column('surveys', 'open_count')
    op.drop_column('surveys', 'opened_at')
    op.drop_column('survey_responses', 'contact_to')
    op.drop_column('survey_responses', 'contact_from')
    op.drop_column('survey_responses', 'contact_consent')
    op.drop_column('dealers', 'phone')
