"""customers vehicles surveys responses

Revision ID: 4b9e4258e656
Revises: c4a9392a7219
Create Date: 2026-11-22 08:59:21.728248
"""
from alembic import op
import sqlalchemy as sa


revision = '4b9e4258e656'
down_revision = 'c4a9392a7219'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('customers',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('phone')
    )
    op.create_table('customer_visits',
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('dealer_code', sa.String(length=20), nullable=False),
    sa.Column('last_visit_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('visits', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.ForeignKeyConstraint(['dealer_code'], ['dealers.code'], ),
    sa.PrimaryKeyConstraint('customer_id', 'dealer_code')
    )
    op.create_table('surveys',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('dealer_code', sa.String(length=20), nullable=False),
    sa.Column('ro_number', sa.String(length=50), nullable=False),
    sa.Column('questionnaire', sa.String(length=30), nullable=False),
    sa.Column('questionnaire_version', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('settlement_month', sa.String(length=7), nullable=False),
    sa.Column('visit_date', sa.String(length=10), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['dealer_code'], ['dealers.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dealer_code', 'ro_number', name='uq_surveys_dealer_ro'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_table('vehicles',
    sa.Column('vin', sa.String(length=17), nullable=False),
    sa.Column('plate', sa.String(length=20), nullable=True),
    sa.Column('customer_id', sa.String(length=36), nullable=True),
    sa.Column('last_mileage_km', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.PrimaryKeyConstraint('vin')
    )
    with op.batch_alter_table('vehicles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vehicles_customer_id'), ['customer_id'], unique=False)

    op.create_table('survey_responses',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('survey_id', sa.String(length=36), nullable=True),
    sa.Column('dealer_code', sa.String(length=20), nullable=False),
    sa.Column('ro_number', sa.String(length=50), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('questionnaire', sa.String(length=30), nullable=False),
    sa.Column('questionnaire_version', sa.Integer(), nullable=False),
    sa.Column('settlement_month', sa.String(length=7), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('overall', sa.Integer(), nullable=False),
    sa.Column('recommend', sa.Integer(), nullable=False),
    sa.Column('return_intent', sa.Integer(), nullable=True),
    sa.Column('comment', sa.String(length=2000), nullable=True),
    sa.Column('taken_by', sa.String(length=100), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dealer_code'], ['dealers.code'], ),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dealer_code', 'ro_number', name='uq_survey_responses_dealer_ro'),
    sa.UniqueConstraint('survey_id')
    )
    with op.batch_alter_table('repair_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('previous_visit_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_repair_orders_customer_id'), ['customer_id'], unique=False)
        batch_op.create_foreign_key('fk_repair_orders_customer_id', 'customers', ['customer_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('repair_orders', schema=None) as batch_op:
        # WARNING: constraint name is None; this directive will fail as
        # rendered.  Add a name, or use a naming convention; see
        # https://alembic.sqlalchemy.org/en/latest/naming.html
        batch_op.drop_constraint('fk_repair_orders_customer_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_repair_orders_customer_id'))
        batch_op.drop_column('previous_visit_at')
        batch_op.drop_column('customer_id')

    op.drop_table('survey_responses')
    with op.batch_alter_table('vehicles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vehicles_customer_id'))

    op.drop_table('vehicles')
    op.drop_table('surveys')
    op.drop_table('customer_visits')
    op.drop_table('customers')
