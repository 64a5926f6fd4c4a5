"""Spans longer than a month (the card, the ranking and the export): a small dealer with 12 answers a month has 36 over
three, enough to be ranked. A span's figures are the sums of its months' aggregates, recomputed the way a month's are:
factor means over every answer of the span, the index with the weights of the span's last month, the interval from
the spread of every answer's own CSI."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from csi_shared.calendar import add_months
from scoring.config import Settings
from scoring.method import FACTORS, csi_index, interval_95, to_index
from scoring.models import DealerPeriod, FactorAggregate, ItemAggregate


class Span(StrEnum):
    MONTH = "month"
    ROLLING_3M = "rolling_3m"
    QUARTER = "quarter"


def months_of(period: str, span: Span) -> list[str]:
    """The settlement months a span ending with `period` covers, oldest first: the month alone; it and the two before
    (rolling three months, across a year's end: 2027-01 covers 2026-11, 2026-12, 2027-01); the quarter to date
    (2026-11 covers 2026-10 and 2026-11: Q4 starts in October)."""
    if span is Span.MONTH:
        return [period]
    if span is Span.ROLLING_3M:
        return [add_months(period, -2), add_months(period, -1), period]
    month = int(period[5:7])
    return [add_months(period, -k) for k in range((month - 1) % 3, -1, -1)]


@dataclass
class SpanFigures:
    """One dealer's sums over a span, in the shape of a `DealerPeriod` where the card and the ranking read it."""

    dealer_code: str
    period: str
    responses: int = 0
    csi_sum: float = 0.0
    csi_sumsq: float = 0.0
    overall_n: int = 0
    overall_sum: float = 0.0
    loyalty_n: int = 0
    loyalty_top: int = 0
    ros: int = 0
    complaints: int = 0
    ros_with_phone: int = 0
    ros_invited: int = 0
    under_review: bool = False
    review_headline: str | None = None
    """The latest month's under review, its signals in a line."""
    csi_index: float | None = None
    interval_low: float | None = None
    interval_high: float | None = None
    factors: dict[str, dict[str, float | int | None]] = field(default_factory=dict)

    def factor_index(self, factor: str) -> float | None:
        index = self.factors.get(factor, {}).get("index")
        return float(index) if index is not None else None


_SUMMED = ("responses", "csi_sum", "csi_sumsq", "overall_n", "overall_sum", "loyalty_n", "loyalty_top", "ros",
           "complaints", "ros_with_phone", "ros_invited")  # fmt: skip


async def span_figures(
    session: AsyncSession, *, months: Sequence[str], settings: Settings, dealer_codes: Sequence[str] | None = None
) -> dict[str, SpanFigures]:
    """Every dealer's (or the given dealers') figures over the months, keyed by dealer code. Two grouped queries: the
    dealer-periods' counters and the factor sums; an analyst's review mark on any month marks the span."""
    dp, fa = DealerPeriod, FactorAggregate
    end = months[-1]
    query = select(dp.dealer_code, *(func.sum(getattr(dp, c)) for c in _SUMMED)).where(dp.period.in_(months))
    reviewed = (
        select(dp.dealer_code, dp.review_headline)
        .where(dp.period.in_(months), dp.under_review.is_(True))
        .order_by(dp.period)
    )
    factors = select(fa.dealer_code, fa.factor, func.sum(fa.n), func.sum(fa.total)).where(fa.period.in_(months))
    if dealer_codes is not None:
        query = query.where(dp.dealer_code.in_(dealer_codes))
        reviewed = reviewed.where(dp.dealer_code.in_(dealer_codes))
        factors = factors.where(fa.dealer_code.in_(dealer_codes))
    out: dict[str, SpanFigures] = {}
    for code, *sums in await session.execute(query.group_by(dp.dealer_code)):
        out[code] = SpanFigures(code, end, **{c: v or 0 for c, v in zip(_SUMMED, sums, strict=True)})
    for code, headline in await session.execute(reviewed):
        if code in out:  # the latest month under review says the headline
            out[code].under_review, out[code].review_headline = True, headline
    by_dealer: dict[str, dict[str, tuple[int, float]]] = {}
    for code, factor, n, total in await session.execute(factors.group_by(fa.dealer_code, fa.factor)):
        by_dealer.setdefault(code, {})[factor] = (n or 0, total or 0.0)
    weights = settings.weights_for(end)
    for code, figures in out.items():
        sums = by_dealer.get(code, {})
        indices = {f: to_index(sums[f][1] / sums[f][0]) if sums.get(f, (0, 0.0))[0] else None for f in FACTORS}
        result = csi_index(indices, weights)
        figures.csi_index = result.value if figures.responses else None
        interval = interval_95(figures.responses, figures.csi_sum, figures.csi_sumsq, figures.csi_index)
        figures.interval_low, figures.interval_high = interval if interval else (None, None)
        figures.factors = {f: {"index": indices[f], "responses": sums.get(f, (0, 0.0))[0]} for f in FACTORS}
    return out


async def span_items(session: AsyncSession, *, dealer_code: str, months: Sequence[str]) -> list[ItemAggregate]:
    """The dealer's item figures summed over the months (answers, sum, the five levels), as unsaved rows."""
    rows = (
        await session.execute(
            select(ItemAggregate)
            .where(ItemAggregate.dealer_code == dealer_code, ItemAggregate.period.in_(months))
            .order_by(ItemAggregate.item)
        )
    ).scalars()
    merged: dict[str, ItemAggregate] = {}
    for row in rows:
        item = merged.get(row.item)
        if item is None:
            merged[row.item] = ItemAggregate(dealer_code=dealer_code, period=months[-1], item=row.item,
                                             factor=row.factor, n=row.n, total=row.total, levels=list(row.levels))  # fmt: skip
        else:
            item.n += row.n
            item.total += row.total
            item.levels = [a + b for a, b in zip(item.levels, row.levels, strict=True)]
    return [merged[k] for k in sorted(merged)]
