"""notification messages, survey opt-outs, invited and withheld surveys

Revision ID: 5a1e7c0d9b21
Revises: 36119656c444
Create Date: 2026-11-23 00:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '5a1e7c0d9b21'
down_revision = '36119656c444'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notification_messages',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('idempotency_key', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=False),
    sa.Column('dealer_code', sa.String(length=20), nullable=False),
    sa.Column('survey_id', sa.String(length=36), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('provider_message_id', sa.String(length=100), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['dealer_code'], ['dealers.code'], ),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    op.create_index('ix_notification_messages_due', 'notification_messages', ['status', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_notification_messages_dealer_code'), 'notification_messages', ['dealer_code'], unique=False)
    op.create_index(op.f('ix_notification_messages_survey_id'), 'notification_messages', ['survey_id'], unique=False)
    op.create_index(op.f('ix_notification_messages_provider_message_id'), 'notification_messages', ['provider_message_id'], unique=False)
    op.create_table('survey_opt_outs',
    sa.Column('phone', sa.String(length=80), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('opted_out_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('phone')
    )
    op.add_column('surveys', sa.Column('invited_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('surveys', sa.Column('withheld_reason', sa.String(length=30), nullable=True))
    # Links already sent before messages existed count as invited for the fatigue rule.
    op.execute("UPDATE surveys SET invited_at = sent_at WHERE sent_at IS NOT NULL")
    op.create_index('ix_surveys_to_invite', 'surveys', ['invited_at', 'send_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_surveys_to_invite', table_name='surveys')
    op.drop_column('surveys', 'withheld_reason')
    op.drop_column('surveys', 'invited_at')
    op.drop_table('survey_opt_outs')
    op.drop_index(op.f('ix_notification_messages_provider_message_id'), table_name='notification_messages')
    op.drop_index(op.f('ix_notification_messages_survey_id'), table_name='notification_messages')
    op.drop_index(op.f('ix_notification_messages_dealer_code'), table_name='notification_messages')
    op.drop_index('ix_notification_messages_due', table_name='notification_messages')
    op.drop_table('notification_messages')
