"""The monthly complaint figures per dealer."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from complaints.config import Settings
from complaints.models import Complaint, Dealer
from complaints.rules import escalation_schedule
from complaints.schemas import (
    ComplaintFigures,
    ComplaintReport,
    DealerFigures,
    EscalationStepOut,
    FirstResponseEscalations,
    ResolutionEscalations,
)
from complaints.workflow import ComplaintStatus
from csi_shared.calendar import month_bounds
from csi_shared.events import EscalationKind
from csi_shared.figures import pct

SETTLED = frozenset(
    {ComplaintStatus.RESOLVED, ComplaintStatus.VERIFIED, ComplaintStatus.CONFIRMED, ComplaintStatus.CLOSED}
)
"""Resolved or past it: no longer counted as open."""


def figures(complaints: Sequence[Complaint]) -> ComplaintFigures:
    """Opened by source and category, first responses in time, time to resolve, reopened, escalations.

    "In time" is against each case's own deadlines, set when it was opened: a change of the targets does not rewrite
    how earlier cases are counted.
    """
    opened = len(complaints)
    responded_in_time = sum(
        1 for c in complaints if c.first_response_at is not None and c.first_response_at <= c.first_response_due
    )
    resolved = [(c, c.resolved_at) for c in complaints if c.resolved_at is not None]
    hours = [(at - c.opened_at).total_seconds() / 3600 for c, at in resolved]
    return ComplaintFigures(
        opened=opened,
        by_source=dict(sorted(Counter(c.source for c in complaints).items())),
        by_category=dict(sorted(Counter(c.category for c in complaints).items())),
        major=sum(1 for c in complaints if c.severity == "major"),
        minor=sum(1 for c in complaints if c.severity == "minor"),
        # A minor case settled at once: resolved and closed in the same step, the corrective path skipped.
        settled_in_one_step=sum(
            1 for c in complaints if c.severity == "minor" and c.closed_at is not None and c.closed_at == c.resolved_at
        ),
        closed_no_contact=sum(1 for c in complaints if c.closed_at is not None and c.resolved_at is None),
        first_response_in_time_pct=pct(responded_in_time, opened),
        resolved=len(resolved),
        median_hours_to_resolve=round(statistics.median(hours), 1) if hours else None,
        resolved_within_target_pct=pct(sum(1 for c, at in resolved if at <= c.resolution_due), len(resolved)),
        reopened_pct=pct(sum(1 for c in complaints if c.reopened), opened),
        escalations=FirstResponseEscalations(
            **{f"level_{n}": sum(1 for c in complaints if c.escalation_level >= n) for n in (1, 2, 3)}
        ),
        resolution_escalations=ResolutionEscalations(
            **{f"level_{n}": sum(1 for c in complaints if c.resolution_escalation_level >= n) for n in (2, 3)}
        ),
        open=sum(1 for c in complaints if c.status not in SETTLED),
    )


def schedule_out(settings: Settings) -> list[EscalationStepOut]:
    """The escalation ladders as hours after opening, for the targets set now."""
    step = timedelta(hours=settings.escalation_step_hours)
    deadlines = {
        EscalationKind.FIRST_RESPONSE: timedelta(hours=settings.first_response_hours),
        EscalationKind.RESOLUTION: timedelta(days=settings.resolution_target_days),
    }
    return [
        EscalationStepOut(
            kind=kind, level=rung.level, to=rung.to, after_opening_hours=(due + rung.after_due).total_seconds() / 3600
        )
        for kind, due in deadlines.items()
        for rung in escalation_schedule(kind, step=step)
    ]


async def monthly(session: AsyncSession, dealers: Sequence[Dealer], month: str, settings: Settings) -> ComplaintReport:
    rows: list[DealerFigures] = []
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
        rows.append(DealerFigures(dealer_code=dealer.code, **figures(found).model_dump()))
    return ComplaintReport(
        month=month,
        first_response_hours=settings.first_response_hours,
        resolution_target_days=settings.resolution_target_days,
        escalation_schedule=schedule_out(settings),
        dealers=rows,
        total=figures(everything),
    )
