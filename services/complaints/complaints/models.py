"""complaints's tables."""

from sqlalchemy.orm import DeclarativeBase

from csi_shared.bus.tables import inbox_table, outbox_table


class Base(DeclarativeBase):
    pass


outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)
