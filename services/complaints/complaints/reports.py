"""The monthly complaint figures per dealer."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from complaints.models import Complaint, Dealer
from csi_shared.calendar import month_bounds


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def figures(complaints: Sequence[Complaint], first_response: timedelta) -> dict[str, Any]:
    """Opened by source and category, first responses in time, time to resolve, reopened, escalations."""
    opened = len(complaints)
    responded_in_time = sum(
        1 for c in complaints if c.first_response_at is not None and c.first_response_at - c.opened_at <= first_response
    )
    resolved = [c for c in complaints if c.resolved_at is not None]
    hours = [(c.resolved_at - c.opened_at).total_seconds() / 3600 for c in resolved]  # type: ignore[operator]
    return {
        "opened": opened,
        "by_source": dict(sorted(Counter(c.source for c in complaints).items())),
        "by_category": dict(sorted(Counter(c.category for c in complaints).items())),
        "major": sum(1 for c in complaints if c.severity == "major"),
        "first_response_within_24h_pct": _pct(responded_in_time, opened),
        "resolved": len(resolved),
        "median_hours_to_resolve": round(statistics.median(hours), 1) if hours else None,
        "resolved_within_target_pct": _pct(
            sum(1 for c in resolved if c.resolved_at <= c.resolution_due), len(resolved)
        ),  # type: ignore[operator]
        "reopened_pct": _pct(sum(1 for c in complaints if c.reopened), opened),
        "escalations": {f"level_{n}": sum(1 for c in complaints if c.escalation_level >= n) for n in (1, 2, 3)},
        "open": sum(1 for c in complaints if c.status not in ("resolved", "confirmed", "closed")),
    }


async def monthly(
    session: AsyncSession, dealers: Sequence[Dealer], month: str, first_response: timedelta
) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    everything: list[Complaint] = []
    for dealer in dealers:
        start, end = month_bounds(month, ZoneInfo(dealer.time_zone))
        found = list(
            (
                await session.execute(
                    select(Complaint).where(
                        Complaint.dealer_code == dealer.code, Complaint.opened_at >= start, Complaint.opened_at < end
                    )
                )
            ).scalars()
        )
        everything += found
        rows.append({"dealer_code": dealer.code, **figures(found, first_response)})
    return {"month": month, "dealers": rows, "total": figures(everything, first_response)}
