"""attempts special callbacks ros and visits

Revision ID: 11d6df563d52
Revises: bb22611b14d0
Create Date: 2026-11-22 09:03:48.260608
"""
from alembic import op
import sqlalchemy as sa


revision = '11d6df563d52'
down_revision = 'bb22611b14d0'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('customer_last_visits',
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('dealer_code', sa.String(length=20), nullable=False),
    sa.Column('last_visit_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ro_number', sa.String(length=50), nullable=False),
    sa.Column('vin', sa.String(length=17), nullable=False),
    sa.Column('customer_name', sa.String(length=100), nullable=False),
    sa.Column('customer_phone', sa.String(length=20), nullable=True),
    sa.Column('dormant_callback_for', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('customer_id', 'dealer_code')
    )
    with op.batch_alter_table('customer_last_visits', schema=None) as batch_op:
        batch_op.create_index('ix_customer_last_visits_last_visit', ['last_visit_at'], unique=False)

    op.create_table('repair_orders',
    sa.Column('dealer_code', sa.String(length=20), nullable=False),
    sa.Column('ro_number', sa.String(length=50), nullable=False),
    sa.Column('vin', sa.String(length=17), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=True),
    sa.Column('customer_name', sa.String(length=100), nullable=False),
    sa.Column('customer_phone', sa.String(length=20), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('repair_op_codes', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('dealer_code', 'ro_number')
    )
    with op.batch_alter_table('repair_orders', schema=None) as batch_op:
        batch_op.create_index('ix_repair_orders_dealer_delivered', ['dealer_code', 'delivered_at'], unique=False)
        batch_op.create_index('ix_repair_orders_dealer_vin', ['dealer_code', 'vin'], unique=False)

    op.create_table('callback_attempts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('callback_id', sa.String(length=36), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.Column('reschedule_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answers', sa.JSON(), nullable=True),
    sa.Column('issue', sa.String(length=2000), nullable=True),
    sa.Column('made_by', sa.String(length=100), nullable=False),
    sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['callback_id'], ['callbacks.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('callback_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_callback_attempts_callback_id'), ['callback_id'], unique=False)

    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('related_ro_number', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('source_ref', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('note', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('failed_attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('on_time', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('answers', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('issue', sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column('dissatisfied', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('overdue_notified_at', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.drop_column('overdue_notified_at')
        batch_op.drop_column('dissatisfied')
        batch_op.drop_column('issue')
        batch_op.drop_column('answers')
        batch_op.drop_column('on_time')
        batch_op.drop_column('completed_at')
        batch_op.drop_column('failed_attempts')
        batch_op.drop_column('note')
        batch_op.drop_column('source_ref')
        batch_op.drop_column('related_ro_number')
        batch_op.drop_column('customer_id')

    with op.batch_alter_table('callback_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callback_attempts_callback_id'))

    op.drop_table('callback_attempts')
    with op.batch_alter_table('repair_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_repair_orders_dealer_vin')
        batch_op.drop_index('ix_repair_orders_dealer_delivered')

    op.drop_table('repair_orders')
    with op.batch_alter_table('customer_last_visits', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_last_visits_last_visit')

    op.drop_table('customer_last_visits')
