"""staff directory, alert messages

Revision ID: 7c2f4e8a1d03
Revises: 5a1e7c0d9b21
Create Date: 2026-11-23 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '7c2f4e8a1d03'
down_revision = '5a1e7c0d9b21'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('staff',
    sa.Column('dealer_code', sa.String(length=20), nullable=False),
    sa.Column('staff_id', sa.String(length=50), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dealer_code'], ['dealers.code'], ),
    sa.PrimaryKeyConstraint('dealer_code', 'staff_id')
    )
    with op.batch_alter_table('notification_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('quiet_exempt', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('staff_id', sa.String(length=50), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('notification_messages', schema=None) as batch_op:
        batch_op.drop_column('staff_id')
        batch_op.drop_column('quiet_exempt')
        batch_op.drop_column('body')
    op.drop_table('staff')
