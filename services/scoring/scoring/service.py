"""Reading the CSI: a dealer's card, the OEM ranking, trends from the aggregates; the breakdown from one dealer-period's
ROs and counted responses."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, NamedTuple, overload
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from csi_shared.events import INDEX_CHANNELS
from csi_shared.figures import pct, rates
from scoring import periods
from scoring.breakdown import (
    VISIT_CALLBACKS,
    BreakdownBy,
    CallbackScore,
    GroupFigures,
    group_figures,
    visit_callback_scores,
)
from scoring.config import Settings
from scoring.dispositions import Disposition, RoFacts, disposition
from scoring.method import FACTORS, csi_index, is_strength, is_weak, priorities
from scoring.models import (
    CallbackAnswer,
    CountedRo,
    Dealer,
    DealerPeriod,
    ItemAggregate,
    ItemImportance,
    RepairOrder,
    ResponseReceived,
    RoSurveyState,
)
from scoring.schemas import (
    Breakdown,
    BreakdownGroup,
    CallbackSatisfaction,
    Card,
    FactorFigure,
    ItemFigure,
    Standing,
    TrendPoint,
)
from scoring.spans import Span, SpanFigures, months_of, span_figures, span_items
from scoring.standing import standing, standing_among


def brand_scope() -> str:
    return "brand"


def region_scope(region: str) -> str:
    return f"region:{region}"


async def importance_for(
    session: AsyncSession, *, period: str, region: str | None, settings: Settings
) -> dict[str, float]:
    """Item importance for a dealer: its region's where the region has enough answers, else the brand's."""
    scopes = [brand_scope()]
    if settings.importance_scope == "region" and region:
        scopes.insert(0, region_scope(region))
    rows = (
        await session.execute(
            select(ItemImportance).where(ItemImportance.period == period, ItemImportance.scope.in_(scopes))
        )
    ).scalars()
    found: dict[str, dict[str, ItemImportance]] = {}
    for row in rows:
        found.setdefault(row.item, {})[row.scope] = row
    importance: dict[str, float] = {}
    for item, by_scope in found.items():
        for scope in scopes:
            row = by_scope.get(scope)
            if row is not None and row.importance is not None and row.pairs >= settings.min_importance_responses:
                importance[item] = row.importance
                break
    return importance


async def region_item_means(session: AsyncSession, *, months: Sequence[str], region: str | None) -> dict[str, float]:
    """The benchmark a priority is weak against: each item's mean over every answer of the dealer's region in the
    period (the brand's when the dealer has no region). The dealer's own answers are in it: a mean below the mean of a
    group that includes it is below the mean of the others too."""
    ia, d = ItemAggregate, Dealer
    query = select(ia.item, func.sum(ia.total), func.sum(ia.n)).where(ia.period.in_(months), ia.n > 0)
    if region is not None:
        query = query.join(d, d.code == ia.dealer_code).where(d.region == region)
    return {item: total / n for item, total, n in await session.execute(query.group_by(ia.item)) if n}


def card(dealer: Dealer, period: str, row: DealerPeriod | SpanFigures | None, items: Sequence[ItemAggregate], importance: dict[str, float],
         settings: Settings, now: datetime, benchmark: dict[str, float] | None = None) -> Card:  # fmt: skip
    """A dealer's CSI card for a period. `benchmark`: the region's item means (`region_item_means`)."""
    tz = ZoneInfo(dealer.time_zone)
    factors = (row.factors if row else {}) or {}
    version, in_force = settings.weights_version(period)
    weights = csi_index({f: v.get("index") for f, v in factors.items()}, in_force)
    responses = row.responses if row else 0
    item_means = {i.item: i.total / i.n for i in items if i.n > 0}
    strengths = sorted(
        i.item
        for i in items
        if i.n > 0
        and is_strength(list(i.levels), settings.strength_very_satisfied_share, settings.strength_min_answers)
    )
    weak = {
        i.item
        for i in items
        if i.n > 0
        and is_weak(i.total / i.n, list(i.levels), (benchmark or {}).get(i.item), settings.priority_dissatisfied_share)
    }
    return Card(
        dealer_code=dealer.code,
        dealer_name=dealer.name,
        region=dealer.region,
        period=period,
        status=periods.status(period, tz, now),
        index=_round(row.csi_index if row else None),
        responses=responses,
        interval=(_round(row.interval_low), _round(row.interval_high))
        if row and row.interval_low is not None and row.interval_high is not None
        else None,
        factors={
            f: FactorFigure(index=_round(v.get("index")), responses=v.get("responses", 0)) for f, v in factors.items()
        },
        weights_used={f: round(w, 4) for f, w in weights.weights_used.items()},
        weights_version=version,
        missing_factors=list(weights.missing_factors) if responses else [],
        strengths=strengths,
        priorities=priorities(item_means, importance, weak=weak, strengths=strengths, limit=settings.priority_items),
        items={
            i.item: ItemFigure(factor=i.factor, mean=round(i.total / i.n, 2), answers=i.n) for i in items if i.n > 0
        },
        loyalty=round(row.loyalty_top / row.loyalty_n, 3) if row and row.loyalty_n else None,
        overall=round(row.overall_sum / row.overall_n, 2) if row and row.overall_n else None,
        ros=row.ros if row else 0,
        complaints=row.complaints if row else 0,
        complaints_per_100_ros=pct(row.complaints, row.ros, 2) if row else None,
        small_sample=responses < settings.min_sample,
        under_review=row.under_review if row else False,
        review_headline=row.review_headline if row and row.under_review else None,
    )


async def callback_scores(session: AsyncSession, dealer_code: str, period: str) -> dict[str, int]:
    """RO number -> the visit callback's satisfaction, for the ROs counted in the period."""
    ro, cb = RepairOrder, CallbackAnswer
    answers = await session.execute(
        select(cb.callback_id, cb.ro_number, cb.reason, cb.completed_at, cb.visit_satisfaction)
        .join(ro, (ro.dealer_code == cb.dealer_code) & (ro.ro_number == cb.ro_number))
        .where(ro.dealer_code == dealer_code, ro.period == period, cb.reason.in_(VISIT_CALLBACKS))
    )
    return visit_callback_scores(CallbackScore(*a) for a in answers)


async def dealer_card(
    session: AsyncSession, dealer: Dealer, period: str, settings: Settings, now: datetime, span: Span = Span.MONTH
) -> Card:
    """The card of a month, or of a span ending with it (`spans`): the span's sums, its items, its region benchmark;
    importance and the weights are the last month's."""
    months = months_of(period, span)
    row: DealerPeriod | SpanFigures | None
    if span is Span.MONTH:
        row = await session.get(DealerPeriod, (dealer.code, period))
        items = list(
            (await session.execute(select(ItemAggregate).where(ItemAggregate.dealer_code == dealer.code, ItemAggregate.period == period).order_by(ItemAggregate.item))).scalars()
        )  # fmt: skip
        every = None
    else:
        every = await span_figures(session, months=months, settings=settings)
        row = every.get(dealer.code)
        items = await span_items(session, dealer_code=dealer.code, months=months)
    importance = await importance_for(session, period=period, region=dealer.region, settings=settings)
    benchmark = await region_item_means(session, months=months, region=dealer.region)
    out = card(dealer, period, row, items, importance, settings, now, benchmark)
    out.span, out.months = span, months
    if row is not None:
        out.response_rate, out.contact_rate = rates(
            responses=row.responses, invited=row.ros_invited, with_phone=row.ros_with_phone, ros=row.ros
        )
    if every is None:
        figures = await standing(session, region=dealer.region, period=period, own_index=row.csi_index if row else None,
                                 ranked=not out.small_sample, min_sample=settings.min_sample)  # fmt: skip
    else:
        regions = {code: region for code, region in await session.execute(select(Dealer.code, Dealer.region))}
        rows = [(code, regions.get(code), f.csi_index, {x: f.factor_index(x) for x in FACTORS}, f.responses)
                for code, f in every.items()]  # fmt: skip
        figures = standing_among(rows, dealer_code=dealer.code, region=dealer.region, min_sample=settings.min_sample)
    out.standing = Standing.model_validate(figures)
    # The dealer's own measure, beside the index and never in it.
    scores = [score for month in months for score in (await callback_scores(session, dealer.code, month)).values()]
    out.callback_satisfaction = CallbackSatisfaction(
        mean=round(sum(scores) / len(scores), 2) if scores else None, answers=len(scores)
    )
    return out


class _RankRow(NamedTuple):
    code: str
    name: str
    region: str | None
    time_zone: str
    responses: int
    index: float
    interval_low: float | None
    interval_high: float | None
    ros: int
    complaints: int
    invited: int
    with_phone: int
    under_review: bool
    review_headline: str | None
    service_initiation: float | None
    service_advisor: float | None
    service_facility: float | None
    vehicle_pickup: float | None
    service_quality: float | None


# The five factor indices close each ranking row, in the order of FACTORS.
_FACTORS_AT = len(_RankRow._fields) - len(FACTORS)


async def dispositions(
    session: AsyncSession, *, dealers: Sequence[Dealer], period: str, now: datetime
) -> dict[str, Disposition]:
    """Every RO of the period of each dealer in its one survey state, with its callback's outcome."""
    ro, st, c, rr = RepairOrder, RoSurveyState, CountedRo, ResponseReceived
    query = (
        select(ro.dealer_code, st.has_phone, st.no_survey_reason, st.invited_at, st.link_expires_at, st.opened_at,
               st.callback_status, rr.channel)
        .select_from(ro)
        .outerjoin(st, (st.dealer_code == ro.dealer_code) & (st.ro_number == ro.ro_number))
        .outerjoin(c, (c.dealer_code == ro.dealer_code) & (c.ro_number == ro.ro_number))
        .outerjoin(rr, (rr.response_id == c.response_id) & rr.counted.is_(True)
                   & rr.channel.in_([ch.value for ch in INDEX_CHANNELS]))
        .where(ro.period == period, ro.dealer_code.in_([d.code for d in dealers]))
    )  # fmt: skip
    facts: dict[str, list[RoFacts]] = {d.code: [] for d in dealers}
    for code, *fields in await session.execute(query):
        facts[code].append(RoFacts(*fields))
    return {code: disposition(rows, now) for code, rows in facts.items()}


async def ranking(
    session: AsyncSession,
    *,
    period: str,
    region: str | None,
    visible: Callable[[str, str | None], bool],
    settings: Settings,
    now: datetime,
    hold_out_under_review: bool = False,
    span: Span = Span.MONTH,
) -> dict[str, Any]:
    """Every dealer of the period (or of the span ending with it) with a score that the caller may see (`visible`, their scope) in the region asked
    for, ranked among themselves; dealers under the minimum sample are listed apart. The national and regional
    averages are the brand's benchmarks, over every ranked dealer."""
    dp, d = DealerPeriod, Dealer
    # Plain rows, not ORM objects: 3,000 dealers a read, and only the columns the ranking shows.
    query = (
        select(d.code, d.name, d.region, d.time_zone, dp.responses, dp.csi_index, dp.interval_low, dp.interval_high,
               dp.ros, dp.complaints, dp.ros_invited, dp.ros_with_phone, dp.under_review, dp.review_headline,
               *(getattr(dp, f"{f}_index") for f in FACTORS))
        .join(d, d.code == dp.dealer_code)
        .where(dp.period == period, dp.csi_index.is_not(None))
        .order_by(dp.csi_index.desc(), dp.dealer_code)
    )  # fmt: skip
    # Rows become named tuples once: for 3,000 dealers, reading row attributes costs more than the query.
    if span is Span.MONTH:
        rows = [_RankRow._make(r) for r in await session.execute(query)]
    else:
        rows = await _span_rank_rows(session, months=months_of(period, span), settings=settings)
    ranked = [r for r in rows if r.responses >= settings.min_sample]
    small = [r for r in rows if r.responses < settings.min_sample]
    national = _mean([r.index for r in ranked])
    by_region: dict[str, list[float]] = {}
    for r in ranked:
        by_region.setdefault(r.region or "", []).append(r.index)
    in_scope = [r for r in ranked if (region is None or r.region == region) and visible(r.code, r.region)]
    # Held out, dealers under review are listed apart and the others ranked among themselves; the benchmarks stay.
    held_out = [r for r in in_scope if r.under_review] if hold_out_under_review else []
    in_scope = [r for r in in_scope if not r.under_review] if hold_out_under_review else in_scope
    statuses: dict[str, str] = {}

    def entry(r: _RankRow, rank: int | None, percentile: float | None) -> dict[str, Any]:
        status = statuses.get(r.time_zone)
        if status is None:
            status = statuses[r.time_zone] = periods.status(period, ZoneInfo(r.time_zone), now)
        low, high = r.interval_low, r.interval_high
        response_rate, contact_rate = rates(
            responses=r.responses, invited=r.invited, with_phone=r.with_phone, ros=r.ros
        )
        return {
            "dealer_code": r.code, "dealer_name": r.name, "region": r.region, "rank": rank, "percentile": percentile,
            "index": round(r.index * 10) / 10, "responses": r.responses,
            "interval": [round(low * 10) / 10, round(high * 10) / 10] if low is not None and high is not None else None,
            "factors": {f: None if i is None else round(i * 10) / 10 for f, i in zip(FACTORS, r[_FACTORS_AT:], strict=True)},
            "status": status,
            "complaints_per_100_ros": pct(r.complaints, r.ros, 2),
            "response_rate": response_rate, "contact_rate": contact_rate,
            "under_review": bool(r.under_review),
            "review_headline": r.review_headline if r.under_review else None,
        }  # fmt: skip

    entries = []
    total = len(in_scope)
    ascending = sorted(r.index for r in in_scope)
    rank = 0
    previous: float | None = None
    for position, r in enumerate(in_scope, start=1):
        if r.index != previous:
            rank, previous = position, r.index
        # Share of the other dealers in scope scoring below this one.
        below = bisect_left(ascending, r.index)
        entries.append(entry(r, rank, pct(below, total - 1) if total > 1 else 100.0))
    return {
        "period": period,
        "span": span.value,
        "months": months_of(period, span),
        "region": region,
        "min_sample": settings.min_sample,
        "national_average": _round(national),
        "regional_averages": {k or "(none)": _round(_mean(v)) for k, v in sorted(by_region.items())},
        "ranked": entries,
        "hold_out_under_review": hold_out_under_review,
        "held_out": [entry(r, None, None) for r in held_out],
        "small_sample": [
            entry(r, None, None) for r in small if (region is None or r.region == region) and visible(r.code, r.region)
        ],
    }


async def _span_rank_rows(session: AsyncSession, *, months: list[str], settings: Settings) -> list[_RankRow]:
    """The ranking's rows over a span: every dealer's summed figures (`spans.span_figures`), best first."""
    figures = await span_figures(session, months=months, settings=settings)
    dealers = {
        code: rest
        for code, *rest in await session.execute(select(Dealer.code, Dealer.name, Dealer.region, Dealer.time_zone))
    }
    rows = [
        _RankRow(code, *dealers[code], f.responses, f.csi_index, f.interval_low, f.interval_high, f.ros, f.complaints,
                 f.ros_invited, f.ros_with_phone, f.under_review, f.review_headline,
                 *(f.factor_index(x) for x in FACTORS))
        for code, f in figures.items() if f.csi_index is not None and code in dealers
    ]  # fmt: skip
    return sorted(rows, key=lambda r: (-r.index, r.code))


async def trend(
    session: AsyncSession, dealer: Dealer, start: str, end: str, settings: Settings, now: datetime
) -> list[TrendPoint]:
    rows = {
        r.period: r
        for r in (await session.execute(select(DealerPeriod).where(DealerPeriod.dealer_code == dealer.code, DealerPeriod.period >= start, DealerPeriod.period <= end))).scalars()
    }  # fmt: skip
    tz = ZoneInfo(dealer.time_zone)
    out = []
    for period in periods.months(start, end):
        r = rows.get(period)
        out.append(TrendPoint(
            period=period, status=periods.status(period, tz, now), index=_round(r.csi_index if r else None),
            responses=r.responses if r else 0, small_sample=(r.responses if r else 0) < settings.min_sample,
            factors={f: _round(v.get("index")) for f, v in ((r.factors if r else {}) or {}).items()},
        ))  # fmt: skip
    return out


async def breakdown(
    session: AsyncSession, dealer: Dealer, period: str, by: BreakdownBy, settings: Settings, now: datetime
) -> Breakdown:
    """The dealer's CSI per service advisor or job kind: computed at read time from the period's ROs, counted
    responses and visit callbacks (a few thousand rows at most), so corrections of an RO's advisor, jobs or month and
    replaced responses are right without a second set of aggregates to keep in step."""
    ro = RepairOrder
    columns = (ro.ro_number, ro.period, ro.service_advisor_id, ro.service_advisor_name, ro.job_kinds)
    ros = {
        r.ro_number: r
        for r in await session.execute(select(*columns).where(ro.dealer_code == dealer.code, ro.period == period))
    }
    received = ResponseReceived
    # Only the parts of each contribution the figures need: its item answers are most of it, and decoding them was
    # the largest cost of a big dealer-month.
    responses = [
        (number, {"factors": factors, "csi": csi})
        for number, factors, csi in await session.execute(
            select(received.ro_number, received.contribution["factors"], received.contribution["csi"].as_float()).where(
                received.dealer_code == dealer.code, received.period == period, received.counted.is_(True)
            )
        )
    ]
    # Answers counted in this period for ROs counted in another (a correction survey-api has not carried over yet).
    elsewhere = sorted({number for number, _ in responses if number not in ros})
    for start in range(0, len(elsewhere), 500):
        chunk = elsewhere[start : start + 500]
        query = select(*columns).where(ro.dealer_code == dealer.code, ro.ro_number.in_(chunk))
        ros.update((r.ro_number, r) for r in await session.execute(query))
    callbacks = await callback_scores(session, dealer.code, period)
    groups = group_figures(
        by=by, period=period, ros=ros, responses=responses, callbacks=callbacks, weights=settings.weights_for(period)
    )
    return Breakdown(
        dealer_code=dealer.code,
        period=period,
        status=periods.status(period, ZoneInfo(dealer.time_zone), now),
        by=by,
        min_sample=settings.min_sample,
        groups=[_breakdown_group(g, settings) for g in groups],
    )


def _breakdown_group(g: GroupFigures, settings: Settings) -> BreakdownGroup:
    return BreakdownGroup(
        key=g.key, name=g.name, ros=g.ros, responses=g.responses, index=_round(g.index),
        interval=(_round(g.interval[0]), _round(g.interval[1])) if g.interval else None,
        factors={f: FactorFigure(index=_round(i), responses=n) for f, (i, n) in g.factors.items()},
        small_sample=g.responses < settings.min_sample,
        callback_satisfaction=CallbackSatisfaction(
            mean=None if g.callback_mean is None else round(g.callback_mean, 2), answers=g.callback_answers
        ),
    )  # fmt: skip


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


@overload
def _round(value: float) -> float: ...
@overload
def _round(value: float | None) -> float | None: ...
def _round(value: float | None) -> float | None:
    # Indices are shown to one decimal. round(x * 10) / 10 is what the ranking does inline for 24,000 values a read:
    # 2.5x faster than round(x, 1), and the same answer on a million random indices.
    return None if value is None else round(value * 10) / 10
