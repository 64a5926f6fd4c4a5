"""Keeping the running aggregates: what a response adds (or takes back), RO and complaint counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from csi_shared.dealers import remember_dealer as known_dealer
from csi_shared.events import DealerRef, SurveyResponseSubmitted
from scoring.config import Settings
from scoring.method import FACTORS, csi_index, factor_scores, interval_95, level, response_csi, to_index
from scoring.models import (
    CountedRo,
    Dealer,
    DealerPeriod,
    FactorAggregate,
    ItemAggregate,
    PeriodState,
    ResponseReceived,
)
from scoring.periods import local_month, period_closes_at


async def remember_dealer(session: AsyncSession, ref: DealerRef) -> Dealer:
    return await known_dealer(session, Dealer, ref)


async def dealer_period(session: AsyncSession, dealer_code: str, period: str) -> DealerPeriod:
    row = await session.get(DealerPeriod, (dealer_code, period))
    if row is None:
        row = DealerPeriod(
            dealer_code=dealer_code, period=period, responses=0, csi_sum=0.0, csi_sumsq=0.0, overall_n=0,
            overall_sum=0.0, loyalty_n=0, loyalty_top=0, ros=0, complaints=0, factors={}, dirty=False,
        )  # fmt: skip
        session.add(row)
    return row


def contribution(response: SurveyResponseSubmitted, settings: Settings) -> dict[str, Any]:
    """What one response adds to its dealer's period."""
    scores = factor_scores((a.factor, a.score) for a in response.answers)
    loyalty = [x for x in (response.recommend, response.return_intent) if x is not None]
    return {
        "factors": scores,
        "items": [[a.item, a.factor, a.score] for a in response.answers if a.score is not None],
        "overall": response.overall,
        "csi": response_csi(scores, settings.factor_weights),
        "loyalty_n": len(loyalty),
        "loyalty_top": sum(1 for x in loyalty if x >= settings.top_box_from),
    }


async def record_response(
    session: AsyncSession, response: SurveyResponseSubmitted, settings: Settings, now: datetime
) -> None:
    """Count a response once: a redelivery changes nothing, a correction replaces what it added, a late one is kept
    aside. One response counts per RO: a survey (web or phone) replaces answers taken on a callback; any other second
    response is kept but not counted."""
    dealer = await remember_dealer(session, response.dealer)
    tz = ZoneInfo(dealer.time_zone)
    closes_at = period_closes_at(response.settlement_month, tz)
    # An answer given before the window closed counts even if it reaches us a little later (consumer lag);
    # a change to an answer already counted is judged by now: once a period is final it never changes.
    late = response.submitted_at >= closes_at
    new = contribution(response, settings)
    existing = await session.get(ResponseReceived, response.response_id)
    if existing is not None:
        final = now >= closes_at or now >= period_closes_at(existing.period, tz)
        if existing.contribution == new or existing.late or late or final:
            return
        if existing.counted:
            await _apply(session, existing.dealer_code, existing.period, existing.contribution, -1, settings, now)
            await _apply(session, dealer.code, response.settlement_month, new, +1, settings, now)
        existing.contribution, existing.period, existing.submitted_at = (
            new,
            response.settlement_month,
            response.submitted_at,
        )
        return
    counted = False
    if not late:
        claim = await session.get(CountedRo, (dealer.code, response.ro_number))
        if claim is None:
            session.add(
                CountedRo(dealer_code=dealer.code, ro_number=response.ro_number, response_id=response.response_id)
            )
            counted = True
        elif response.channel != "callback":
            # The full questionnaire outranks the few CSI questions asked on a callback: it takes the RO's place.
            current = await session.get(ResponseReceived, claim.response_id)
            if current is not None and current.channel == "callback" and current.counted:
                await _apply(session, current.dealer_code, current.period, current.contribution, -1, settings, now)
                current.counted = False
                claim.response_id = response.response_id
                counted = True
    session.add(
        ResponseReceived(
            response_id=response.response_id, dealer_code=dealer.code, ro_number=response.ro_number,
            period=response.settlement_month, channel=response.channel, submitted_at=response.submitted_at,
            counted=counted, late=late, contribution=new,
        )
    )  # fmt: skip
    if counted:
        await _apply(session, dealer.code, response.settlement_month, new, +1, settings, now)


async def _apply(
    session: AsyncSession,
    dealer_code: str,
    period: str,
    c: dict[str, Any],
    sign: int,
    settings: Settings,
    now: datetime,
) -> None:
    row = await dealer_period(session, dealer_code, period)
    row.responses += sign
    if c["csi"] is not None:
        row.csi_sum += sign * c["csi"]
        row.csi_sumsq += sign * c["csi"] ** 2
    if c["overall"] is not None:
        row.overall_n += sign
        row.overall_sum += sign * c["overall"]
    row.loyalty_n += sign * c["loyalty_n"]
    row.loyalty_top += sign * c["loyalty_top"]

    factors = {
        f.factor: f
        for f in (await session.execute(select(FactorAggregate).where(FactorAggregate.dealer_code == dealer_code, FactorAggregate.period == period))).scalars()
    }  # fmt: skip
    for factor, score in c["factors"].items():
        agg = factors.get(factor)
        if agg is None:
            agg = factors[factor] = FactorAggregate(
                dealer_code=dealer_code, period=period, factor=factor, n=0, total=0.0
            )
            session.add(agg)
        agg.n += sign
        agg.total += sign * score

    items = {
        i.item: i
        for i in (await session.execute(select(ItemAggregate).where(ItemAggregate.dealer_code == dealer_code, ItemAggregate.period == period))).scalars()
    }  # fmt: skip
    overall = c["overall"]
    for item, factor, score in c["items"]:
        agg = items.get(item)
        if agg is None:
            agg = items[item] = ItemAggregate(
                dealer_code=dealer_code, period=period, item=item, factor=factor, n=0, total=0.0, levels=[0, 0, 0, 0, 0],
                pairs=0, sx=0.0, sy=0.0, sxx=0.0, syy=0.0, sxy=0.0,
            )  # fmt: skip
            session.add(agg)
        agg.n += sign
        agg.total += sign * score
        levels = list(agg.levels)
        levels[level(score)] += sign
        agg.levels = levels  # a new list, so the JSON column is written
        if overall is not None:
            agg.pairs += sign
            agg.sx += sign * score
            agg.sy += sign * overall
            agg.sxx += sign * score * score
            agg.syy += sign * overall * overall
            agg.sxy += sign * score * overall

    _recompute(row, factors.values(), settings)
    row.dirty = True
    row.updated_at = now
    state = await session.get(PeriodState, period)
    if state is None:
        session.add(PeriodState(period=period, importance_dirty=True))
    else:
        state.importance_dirty = True


def _recompute(row: DealerPeriod, factors: Any, settings: Settings) -> None:
    indices = {f.factor: (to_index(f.total / f.n) if f.n > 0 else None) for f in factors}
    result = csi_index(indices, settings.factor_weights)
    row.csi_index = result.value
    interval = interval_95(row.responses, row.csi_sum, row.csi_sumsq, result.value)
    row.interval_low, row.interval_high = interval if interval else (None, None)
    counts = {f.factor: f.n for f in factors}
    row.factors = {f: {"index": indices.get(f), "responses": counts.get(f, 0)} for f in FACTORS}
    for f in FACTORS:
        setattr(row, f"{f}_index", indices.get(f))


async def count_ro(session: AsyncSession, dealer: DealerRef, settled_at: datetime) -> None:
    """An RO counts in its settlement month: the denominator of complaints per 100 ROs."""
    await remember_dealer(session, dealer)
    row = await dealer_period(session, dealer.dealer_code, local_month(settled_at, ZoneInfo(dealer.time_zone)))
    row.ros += 1
    row.dirty = True


async def count_complaint(session: AsyncSession, dealer: DealerRef, opened_at: datetime) -> None:
    """A complaint counts in the month it was opened (dealer's calendar)."""
    await remember_dealer(session, dealer)
    row = await dealer_period(session, dealer.dealer_code, local_month(opened_at, ZoneInfo(dealer.time_zone)))
    row.complaints += 1
    row.dirty = True
