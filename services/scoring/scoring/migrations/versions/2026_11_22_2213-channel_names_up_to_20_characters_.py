"""channel names up to 20 characters (survey_center)

Revision ID: 81b015e63300
Revises: 3b7e9a1c5d20
Create Date: 2026-11-22 22:13:54.947759
"""
from alembic import op
import sqlalchemy as sa


revision = '81b015e63300'
down_revision = '3b7e9a1c5d20'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('responses_received') as batch_op:
        batch_op.alter_column('channel',
               existing_type=sa.VARCHAR(length=10),
               type_=sa.String(length=20),
               existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('responses_received') as batch_op:
        batch_op.alter_column('channel',
               existing_type=sa.String(length=20),
               type_=sa.VARCHAR(length=10),
               existing_nullable=False)
