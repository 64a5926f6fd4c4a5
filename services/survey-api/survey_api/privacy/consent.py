"""Consent records: every consent a customer gives or refuses, with its time, source and RO; the latest wins."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.models import ConsentRecord


def _window(body: dict[str, Any] | None) -> tuple[Any, Any]:
    window = (body or {}).get("customer", {}).get("preferred_callback_time") or {}
    return window.get("from"), window.get("to")


def reception_consent_changed(before: dict[str, Any] | None, after: dict[str, Any]) -> bool:
    """Whether an RO (or its correction) says something new about callback consent: a first RO always does."""
    if before is None:
        return True
    was, now = before.get("customer", {}), after.get("customer", {})
    return was.get("callback_consent") != now.get("callback_consent") or _window(before) != _window(after)


def record(
    session: AsyncSession,
    *,
    customer_id: str | None,
    dealer_code: str | None,
    ro_number: str | None,
    kind: str,
    granted: bool,
    window: tuple[time, time] | None,
    source: str,
    given_at: datetime,
    now: datetime,
    phone_hash: str | None = None,
) -> None:
    """Add one consent record to the session (rows are only ever added)."""
    session.add(
        ConsentRecord(
            customer_id=customer_id, dealer_code=dealer_code, ro_number=ro_number, kind=kind, granted=granted,
            window_from=window[0] if window else None, window_to=window[1] if window else None, source=source,
            given_at=given_at, recorded_at=now, phone_hash=phone_hash,
        )
    )  # fmt: skip


async def opted_out(session: AsyncSession, customer_ids: Collection[str]) -> set[str]:
    """The customers whose latest survey consent is a refusal: no dealer of the brand surveys them."""
    if not customer_ids:
        return set()
    query = (
        select(ConsentRecord.customer_id, ConsentRecord.granted)
        .where(ConsentRecord.kind == "survey", ConsentRecord.customer_id.in_(list(customer_ids)))
        .order_by(ConsentRecord.given_at, ConsentRecord.id)
    )
    latest = {customer_id: granted for customer_id, granted in (await session.execute(query)).all()}
    return {customer_id for customer_id, granted in latest.items() if customer_id and not granted}
