"""What the SMS gateway posts to the webhooks, and what they answer."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from csi_shared.phones import normalise_phone


class Receipt(BaseModel):
    """A delivery receipt: the handset got the message, or the network gave up on it. Sent again at will."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{
        "idempotency_key": "inv-8f3c2a", "message_id": "gw-123456", "status": "delivered",
        "at": "2026-11-03T10:00:05+08:00",
    }]})  # fmt: skip
    idempotency_key: str = Field(min_length=1, max_length=100)
    message_id: str | None = Field(default=None, max_length=100)
    status: Literal["delivered", "failed"]
    error: str | None = Field(default=None, max_length=200)
    at: AwareDatetime | None = None


class ReceiptAck(BaseModel):
    message_status: str
    """The message's status after the receipt: sent, delivered, undeliverable (or cancelled)."""


class InboundSms(BaseModel):
    """A customer's reply to one of our texts."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, json_schema_extra={"examples": [
        {"from": "+8613800138000", "text": "TD", "received_at": "2026-11-03T10:05:00+08:00"}
    ]})  # fmt: skip
    sender: str = Field(alias="from", min_length=3, max_length=32)
    text: str = Field(max_length=1000)
    received_at: AwareDatetime | None = None

    @field_validator("sender")
    @classmethod
    def _e164(cls, value: str) -> str:
        return normalise_phone(value)


class InboundAck(BaseModel):
    opted_out: bool
    """Whether the reply was a stop word and the phone now gets no more surveys."""
