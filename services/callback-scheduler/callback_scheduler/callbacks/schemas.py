"""A callback on the wire."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class CustomerOut(BaseModel):
    name: str
    phone: str | None


class CallbackOut(BaseModel):
    id: str
    dealer_code: str
    ro_number: str | None
    reason: str
    status: str
    overdue: bool
    due_at: datetime
    planned_at: datetime | None
    customer: CustomerOut
    attempts: list[dict[str, object]] = []


class CallbackPage(BaseModel):
    items: list[CallbackOut]
    next_cursor: str | None
