"""Keeping the running aggregates: what a response adds (or takes back), RO and complaint counts; what the breakdown
reads of each RO and callback."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from csi_shared.dealers import remember_dealer as known_dealer
from csi_shared.events import (
    INDEX_CHANNELS,
    CallbackCompleted,
    CallbackReason,
    CallbackStatus,
    DealerRef,
    RepairOrderClosed,
    SurveyInvitationCreated,
    SurveyOpened,
    SurveyResponseSubmitted,
    SurveyWithheld,
)
from csi_shared.satisfaction import level
from scoring.breakdown import visit_satisfaction
from scoring.config import Settings
from scoring.integrity.identity import customer_key, mask_phone, phone_key
from scoring.integrity.signals import straight_line_score
from scoring.method import FACTORS, csi_index, factor_scores, interval_95, response_csi, to_index
from scoring.models import (
    CallbackAnswer,
    CountedRo,
    Dealer,
    DealerPeriod,
    FactorAggregate,
    ItemAggregate,
    PeriodState,
    RepairOrder,
    ResponseReceived,
    RoSurveyState,
)
from scoring.periods import local_month, period_closes_at
from scoring.repair_orders import Counted, job_kinds, recount


async def remember_dealer(session: AsyncSession, ref: DealerRef) -> Dealer:
    return await known_dealer(session, Dealer, ref)


async def dealer_period(session: AsyncSession, dealer_code: str, period: str) -> DealerPeriod:
    row = await session.get(DealerPeriod, (dealer_code, period))
    if row is None:
        row = DealerPeriod(
            dealer_code=dealer_code, period=period, responses=0, csi_sum=0.0, csi_sumsq=0.0, overall_n=0,
            overall_sum=0.0, loyalty_n=0, loyalty_top=0, ros=0, complaints=0, ros_with_phone=0, ros_invited=0,
            factors={}, dirty=False,
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
        # Weighted with the weights in force for the response's settlement month.
        "csi": response_csi(scores, settings.weights_for(response.settlement_month)),
        "loyalty_n": len(loyalty),
        "loyalty_top": sum(1 for x in loyalty if x >= settings.top_box_from),
    }


def visit_facts(response: SurveyResponseSubmitted) -> dict[str, Any]:
    """What the integrity signals read of an answer: the page's record of the visit, the comment, straight-lining."""
    scores = [a.score for a in response.answers if a.score is not None]
    return {
        "overall": response.overall, "items_answered": len(scores),
        "straight_line_score": straight_line_score(scores, response.overall),
        "comment": (response.comment or None) and response.comment[:2000], "opened_at": response.opened_at,
        "seconds_to_submit": response.seconds_to_submit, "browser_family": (response.browser_family or None) and response.browser_family[:30],
        "network_hash": (response.network_hash or None) and response.network_hash[:64],
    }  # fmt: skip


async def record_response(
    session: AsyncSession, response: SurveyResponseSubmitted, settings: Settings, now: datetime
) -> None:
    """Count a response once: a redelivery changes nothing, a correction replaces what it added, a late one is kept
    aside. One response counts per RO, the first one the customer gave the OEM (link or survey centre); a dealer's
    channel never counts."""
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
        for name, value in visit_facts(response).items():
            setattr(existing, name, value)
        return
    counted = False
    # Only what customers told the OEM counts: answers entered by dealer staff or given on a dealer's callback are
    # kept, never counted (DOMAIN.md "Who collects the CSI").
    if not late and response.channel in INDEX_CHANNELS:
        claim = await session.get(CountedRo, (dealer.code, response.ro_number))
        if claim is None:
            session.add(
                CountedRo(dealer_code=dealer.code, ro_number=response.ro_number, response_id=response.response_id)
            )
            counted = True
    session.add(
        ResponseReceived(
            response_id=response.response_id, dealer_code=dealer.code, ro_number=response.ro_number,
            period=response.settlement_month, channel=response.channel, submitted_at=response.submitted_at,
            counted=counted, late=late, contribution=new, excluded=False, **visit_facts(response),
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


async def set_response_excluded(
    session: AsyncSession, response: ResponseReceived, excluded: bool, settings: Settings, now: datetime
) -> None:
    """An answer an OEM analyst takes out of the index (what it added taken back, as a correction does) or counts
    again. The RO keeps its claim while the answer is out: no other answer takes the place of one under review, and
    reinstating it counts it again. A late answer never counts."""
    if response.excluded == excluded:
        return
    response.excluded = excluded
    if excluded and response.counted:
        await _apply(session, response.dealer_code, response.period, response.contribution, -1, settings, now)
        response.counted = False
    elif not excluded and not response.late:
        claim = await session.get(CountedRo, (response.dealer_code, response.ro_number))
        if claim is not None and claim.response_id == response.response_id:
            await _apply(session, response.dealer_code, response.period, response.contribution, +1, settings, now)
            response.counted = True


def _recompute(row: DealerPeriod, factors: Any, settings: Settings) -> None:
    indices = {f.factor: (to_index(f.total / f.n) if f.n > 0 else None) for f in factors}
    result = csi_index(indices, settings.weights_for(row.period))
    row.csi_index = result.value
    interval = interval_95(row.responses, row.csi_sum, row.csi_sumsq, result.value)
    row.interval_low, row.interval_high = interval if interval else (None, None)
    counts = {f.factor: f.n for f in factors}
    row.factors = {f: {"index": indices.get(f), "responses": counts.get(f, 0)} for f in FACTORS}
    for f in FACTORS:
        setattr(row, f"{f}_index", indices.get(f))


async def record_repair_order(session: AsyncSession, ro: RepairOrderClosed, settings: Settings) -> None:
    """An RO counts once, in its settlement month (the denominator of complaints per 100 ROs). A newer revision settled
    in another month moves the count there and both months are re-published; a redelivered or older revision changes
    nothing. The newest revision's service advisor and job kinds are kept for the breakdown; its customer's phone and
    name as salted hashes (the phone masked beside), and the VIN, for the integrity signals."""
    await remember_dealer(session, ro.dealer)
    # A settlement corrected into another month after the survey link went out stays in the link's month.
    held = getattr(ro, "settlement_held", None)
    period = held or local_month(ro.settled_at, ZoneInfo(ro.dealer.time_zone))
    row = await session.get(RepairOrder, (ro.dealer.dealer_code, ro.ro_number))
    move = recount(Counted(row.revision, row.period) if row else None, ro.revision, period)
    if move is None:
        return
    if row is None:
        row = RepairOrder(dealer_code=ro.dealer.dealer_code, ro_number=ro.ro_number)
        session.add(row)
    row.revision, row.period, row.job_kinds = ro.revision, period, job_kinds(ro.jobs)
    salt, phone = settings.integrity_salt, ro.customer.phone
    row.phone_hash, row.phone_masked = (phone_key(phone, salt), mask_phone(phone)) if phone else (None, None)
    row.customer_key, row.vin = customer_key(ro.customer.name, salt), ro.vin
    row.callback_declined = not ro.customer.callback_consent
    if held is not None:
        row.late_settlement_corrections = (row.late_settlement_corrections or 0) + 1
    state = await survey_state_of(session, ro.dealer.dealer_code, ro.ro_number)
    state.has_phone = bool(ro.customer.phone)
    state.no_survey_reason = str(ro.no_survey_reason) if ro.no_survey_reason else None
    await sync_rate_counts(session, state, period)
    advisor = ro.service_advisor
    row.service_advisor_id, row.service_advisor_name = (advisor.id, advisor.name) if advisor else (None, None)
    for counted_in, change in ((move.take_from, -1), (move.add_to, +1)):
        if counted_in is not None:
            dp = await dealer_period(session, ro.dealer.dealer_code, counted_in)
            dp.ros += change
            dp.dirty = True


async def record_callback(session: AsyncSession, callback: CallbackCompleted) -> None:
    """Keep a completed callback's visit satisfaction for the breakdown (never the index); a redelivery changes
    nothing. Callbacks not reached, or without that answer or an RO, have nothing to keep."""
    await remember_dealer(session, callback.dealer)
    score = visit_satisfaction(callback.answers)
    if callback.status is not CallbackStatus.COMPLETED or callback.ro_number is None or score is None:
        return
    if await session.get(CallbackAnswer, callback.callback_id) is not None:
        return
    session.add(
        CallbackAnswer(
            callback_id=callback.callback_id, dealer_code=callback.dealer.dealer_code, ro_number=callback.ro_number,
            reason=callback.reason.value, visit_satisfaction=score, completed_at=callback.completed_at,
        )
    )  # fmt: skip


async def count_complaint(session: AsyncSession, dealer: DealerRef, opened_at: datetime) -> None:
    """A complaint counts in the month it was opened (dealer's calendar)."""
    await remember_dealer(session, dealer)
    row = await dealer_period(session, dealer.dealer_code, local_month(opened_at, ZoneInfo(dealer.time_zone)))
    row.complaints += 1
    row.dirty = True


async def exclude_dealer_answers(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """Take out of the index every answer still counted from a dealer's channel (entered by dealer staff, or a
    callback's CSI questions) under the rules before the OEM index counted only customers' own answers; the RO's
    place goes to a customer's own answer where one was kept aside. Recomputes every period it touches, final ones
    included: those answers should never have counted. Returns how many were taken out; a second run takes none."""
    dealer_made = (
        await session.execute(
            select(ResponseReceived).where(
                ResponseReceived.counted.is_(True), ResponseReceived.channel.not_in([c.value for c in INDEX_CHANNELS])
            )
        )
    ).scalars().all()  # fmt: skip
    for response in dealer_made:
        await _apply(session, response.dealer_code, response.period, response.contribution, -1, settings, now)
        response.counted = False
        claim = await session.get(CountedRo, (response.dealer_code, response.ro_number))
        own = (
            await session.execute(
                select(ResponseReceived)
                .where(
                    ResponseReceived.dealer_code == response.dealer_code, ResponseReceived.ro_number == response.ro_number,
                    ResponseReceived.channel.in_([c.value for c in INDEX_CHANNELS]), ResponseReceived.late.is_(False),
                    ResponseReceived.excluded.is_(False),
                )
                .order_by(ResponseReceived.submitted_at)
                .limit(1)
            )
        ).scalar_one_or_none()  # fmt: skip
        if own is not None:
            own.counted = True
            await _apply(session, own.dealer_code, own.period, own.contribution, +1, settings, now)
            if claim is not None:
                claim.response_id = own.response_id
        elif claim is not None:
            await session.delete(claim)
    return len(dealer_made)


# --- where each RO stands with its survey and callback (dispositions) -------------------------------------------

VISIT_CALLS = frozenset({CallbackReason.POST_SERVICE, CallbackReason.COMEBACK})


async def survey_state_of(session: AsyncSession, dealer_code: str, ro_number: str) -> RoSurveyState:
    state = await session.get(RoSurveyState, (dealer_code, ro_number))
    if state is None:
        state = RoSurveyState(dealer_code=dealer_code, ro_number=ro_number)
        session.add(state)
    return state


async def record_invitation(session: AsyncSession, invitation: SurveyInvitationCreated, sent_at: datetime) -> None:
    """A link for the RO (again, after a correction moved it: the newer expiry holds)."""
    state = await survey_state_of(session, invitation.dealer.dealer_code, invitation.ro_number)
    state.invited_at = state.invited_at or invitation.send_at or sent_at
    state.link_expires_at = invitation.expires_at
    ro = await session.get(RepairOrder, (invitation.dealer.dealer_code, invitation.ro_number))
    if ro is not None:  # otherwise the RO, when it comes, counts it
        await sync_rate_counts(session, state, ro.period)


async def record_withheld(session: AsyncSession, withheld: SurveyWithheld) -> None:
    """The link was not sent after all (opt-out, fatigue) or never arrived: the RO counts as not invited, with why."""
    state = await survey_state_of(session, withheld.dealer.dealer_code, withheld.ro_number)
    state.invited_at = None
    state.no_survey_reason = withheld.reason.value
    ro = await session.get(RepairOrder, (withheld.dealer.dealer_code, withheld.ro_number))
    if ro is not None:
        await sync_rate_counts(session, state, ro.period)


async def record_opening(session: AsyncSession, opened: SurveyOpened) -> None:
    state = await survey_state_of(session, opened.dealer.dealer_code, opened.ro_number)
    state.opened_at = state.opened_at or opened.opened_at


async def record_callback_state(
    session: AsyncSession, dealer_code: str, ro_number: str | None, reason: CallbackReason, status: str, final: bool
) -> None:
    """The outcome of the visit's one callback; a planned one never overwrites an outcome already told."""
    if ro_number is None or reason not in VISIT_CALLS:
        return
    state = await survey_state_of(session, dealer_code, ro_number)
    if final or state.callback_status is None:
        state.callback_status = status


async def sync_rate_counts(session: AsyncSession, state: RoSurveyState, period: str) -> None:
    """Bring the period counters of the contact and response rates in line with what is now known of the RO: take
    back what it added before (perhaps to another period, after a correction), add what holds now."""
    phone, invited = bool(state.has_phone), state.invited_at is not None
    if (state.counted_period, state.counted_phone, state.counted_invited) == (period, phone, invited):
        return
    if state.counted_period is not None:
        before = await dealer_period(session, state.dealer_code, state.counted_period)
        before.ros_with_phone -= state.counted_phone
        before.ros_invited -= state.counted_invited
        before.dirty = True
    now = await dealer_period(session, state.dealer_code, period)
    now.ros_with_phone += phone
    now.ros_invited += invited
    now.dirty = True
    state.counted_period, state.counted_phone, state.counted_invited = period, phone, invited
