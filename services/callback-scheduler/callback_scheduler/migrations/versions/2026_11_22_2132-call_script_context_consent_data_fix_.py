"""call script context, consent, data-fix tasks, complaints seen

Revision ID: 4281bef9bf5f
Revises: 11d6df563d52
Create Date: 2026-11-22 21:32:04.897929
"""
from alembic import op
import sqlalchemy as sa


revision = '4281bef9bf5f'
down_revision = '11d6df563d52'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('complaints_seen',
    sa.Column('complaint_id', sa.String(length=36), nullable=False),
    sa.Column('dealer_code', sa.String(length=20), nullable=False),
    sa.Column('ro_number', sa.String(length=50), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('category', sa.String(length=50), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('complaint_id')
    )
    op.create_index('ix_complaints_seen_dealer_opened', 'complaints_seen', ['dealer_code', 'opened_at'], unique=False)
    op.create_index('ix_complaints_seen_dealer_ro', 'complaints_seen', ['dealer_code', 'ro_number'], unique=False)
    op.create_table('data_fix_tasks',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('dealer_code', sa.String(length=20), nullable=False),
    sa.Column('ro_number', sa.String(length=50), nullable=False),
    sa.Column('callback_id', sa.String(length=36), nullable=False),
    sa.Column('service_advisor_id', sa.String(length=50), nullable=True),
    sa.Column('wrong_phone', sa.String(length=20), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reported_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['callback_id'], ['callbacks.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('callback_id')
    )
    op.create_index('ix_data_fix_tasks_dealer_status', 'data_fix_tasks', ['dealer_code', 'status'], unique=False)
    op.create_index(op.f('ix_callback_attempts_made_by'), 'callback_attempts', ['made_by'], unique=False)
    op.add_column('callbacks', sa.Column('alternate_phone', sa.String(length=20), nullable=True))
    op.add_column('callbacks', sa.Column('visit_call', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index('ix_callbacks_planned', 'callbacks', ['dealer_code', 'status', 'planned_at'], unique=False)
    op.add_column('customer_last_visits', sa.Column('callback_consent', sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column('repair_orders', sa.Column('alternate_phone', sa.String(length=20), nullable=True))
    op.add_column('repair_orders', sa.Column('callback_consent', sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column('repair_orders', sa.Column('preferred_from', sa.Time(), nullable=True))
    op.add_column('repair_orders', sa.Column('preferred_to', sa.Time(), nullable=True))
    op.add_column('repair_orders', sa.Column('mileage_km', sa.Integer(), nullable=True))
    op.add_column('repair_orders', sa.Column('service_advisor_id', sa.String(length=50), nullable=True))
    op.add_column('repair_orders', sa.Column('service_advisor_name', sa.String(length=100), nullable=True))
    op.add_column('repair_orders', sa.Column('jobs', sa.JSON(), nullable=True))
    # A visit's one callback was the post-service one; its occasion is now named after the visit, so a redelivered
    # RO still finds it and plans nothing twice.
    op.execute("UPDATE callbacks SET visit_call = true, occasion = 'visit' || substr(occasion, 13) "
               "WHERE reason = 'post_service' AND occasion LIKE 'post_service:%'")


def downgrade() -> None:
    op.execute("UPDATE callbacks SET occasion = 'post_service' || substr(occasion, 6) WHERE occasion LIKE 'visit:%'")
    op.drop_column('repair_orders', 'jobs')
    op.drop_column('repair_orders', 'service_advisor_name')
    op.drop_column('repair_orders', 'service_advisor_id')
    op.drop_column('repair_orders', 'mileage_km')
    op.drop_column('repair_orders', 'preferred_to')
    op.drop_column('repair_orders', 'preferred_from')
    op.drop_column('repair_orders', 'callback_consent')
    op.drop_column('repair_orders', 'alternate_phone')
    op.drop_column('customer_last_visits', 'callback_consent')
    op.drop_index('ix_callbacks_planned', table_name='callbacks')
    op.drop_column('callbacks', 'visit_call')
    op.drop_column('callbacks', 'alternate_phone')
    op.drop_index(op.f('ix_callback_attempts_made_by'), table_name='callback_attempts')
    op.drop_index('ix_data_fix_tasks_dealer_status', table_name='data_fix_tasks')
    op.drop_table('data_fix_tasks')
    op.drop_index('ix_complaints_seen_dealer_ro', table_name='complaints_seen')
    op.drop_index('ix_complaints_seen_dealer_opened', table_name='complaints_seen')
    op.drop_table('complaints_seen')
