"""survey link generation

A link whose RO's phone was corrected after it went out is retired: the survey keeps its row and answers, and its
link (derived from the survey id and this generation) is made anew for the new number. Existing links are
generation 0 and keep their tokens.

Revision ID: 4c8e2a6f9b13
Revises: b3a1d6e2c801
Create Date: 2026-12-06 03:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '4c8e2a6f9b13'
down_revision = 'b3a1d6e2c801'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('surveys', sa.Column('link_generation', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('surveys') as batch:
        batch.drop_column('link_generation')
