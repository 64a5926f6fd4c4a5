"""factor indices in columns of dealer_periods

The OEM ranking shows five factor indices for each of ~3,000 dealers. Read from the JSON column, decoding it was a
sixth of the request; as columns they come back as plain floats.

Revision ID: 8c1d2e3f4a5b
Revises: 6fbe4b0b8ba5
Create Date: 2026-11-22 13:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '8c1d2e3f4a5b'
down_revision = '6fbe4b0b8ba5'
branch_labels = None
depends_on = None

# Frozen here: a migration must not change when the code's list of factors does.
FACTORS = ("service_initiation", "service_advisor", "service_facility", "vehicle_pickup", "service_quality")


def upgrade() -> None:
    with op.batch_alter_table('dealer_periods') as batch:
        for factor in FACTORS:
            batch.add_column(sa.Column(f'{factor}_index', sa.Float(), nullable=True))
    postgres = op.get_bind().dialect.name == 'postgresql'
    for factor in FACTORS:
        value = (f"CAST(CAST(factors AS jsonb) -> '{factor}' ->> 'index' AS double precision)" if postgres
                 else f"json_extract(factors, '$.{factor}.index')")
        op.execute(f"UPDATE dealer_periods SET {factor}_index = {value}")


def downgrade() -> None:
    with op.batch_alter_table('dealer_periods') as batch:
        for factor in FACTORS:
            batch.drop_column(f'{factor}_index')
