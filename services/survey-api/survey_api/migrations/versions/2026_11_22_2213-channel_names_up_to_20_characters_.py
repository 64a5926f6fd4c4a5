"""channel names up to 20 characters (survey_center)

Revision ID: b6ba2050b729
Revises: 3d5869e0322f
Create Date: 2026-11-22 22:13:56.815687
"""
from alembic import op
import sqlalchemy as sa


revision = 'b6ba2050b729'
down_revision = '3d5869e0322f'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('survey_responses') as batch_op:
        batch_op.alter_column('channel',
               existing_type=sa.VARCHAR(length=10),
               type_=sa.String(length=20),
               existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('survey_responses') as batch_op:
        batch_op.alter_column('channel',
               existing_type=sa.String(length=20),
               type_=sa.VARCHAR(length=10),
               existing_nullable=False)
