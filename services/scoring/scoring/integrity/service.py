"""Integrity reviews: the signals of every dealer of a period read from scoring's own tables, the OEM's known numbers
of a dealer, the under-review mark and the answers an analyst takes out of the index. The caller owns the
transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from csi_shared.auth import Principal
from csi_shared.bus.outbox import Work
from csi_shared.errors import Conflict, NotFound
from csi_shared.events import INDEX_CHANNELS, IntegrityFlagged
from scoring.aggregates import dealer_period, set_response_excluded
from scoring.breakdown import VISIT_CALLBACKS, CallbackScore, visit_callback_scores
from scoring.config import Settings
from scoring.integrity.identity import mask_phone, phone_key
from scoring.integrity.signals import (
    AnswerSeen,
    Assessment,
    DealerFacts,
    MonthFigures,
    RoSeen,
    assess_all,
    signal_parts,
)
from scoring.models import (
    CallbackAnswer,
    Dealer,
    DealerKnownNumber,
    DealerPeriod,
    IntegrityAction,
    RepairOrder,
    ResponseReceived,
    RoSurveyState,
)

INDEX_CHANNEL_VALUES = [c.value for c in INDEX_CHANNELS]


class ResponseNotFound(NotFound):
    pass


def previous_month(period: str) -> str:
    year, month = map(int, period.split("-"))
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


@dataclass
class DealerRead:
    dealer: Dealer
    row: DealerPeriod
    facts: DealerFacts
    excluded: int


async def read_facts(session: AsyncSession, *, period: str, region: str | None) -> list[DealerRead]:
    """What the signals need of every dealer with figures in the period (of one region, or all): seven queries,
    whatever the number of dealers."""
    dp, d = DealerPeriod, Dealer

    def in_region(query: Any, code_column: Any) -> Any:
        query = query.join(d, d.code == code_column)
        return query if region is None else query.where(d.region == region)

    rows = (await session.execute(in_region(select(dp, d), dp.dealer_code).where(dp.period == period))).all()
    if not rows:
        return []
    before = previous_month(period)
    previous = {
        r.dealer_code: r
        for r in (await session.execute(in_region(select(dp), dp.dealer_code).where(dp.period == before))).scalars()
    }
    ro = RepairOrder
    ros: dict[str, list[RoSeen]] = defaultdict(list)
    query = select(
        ro.dealer_code,
        ro.ro_number,
        ro.phone_hash,
        ro.phone_masked,
        ro.customer_key,
        ro.vin,
        ro.callback_declined,
        ro.late_settlement_corrections,
    )
    for code, *fields in await session.execute(in_region(query, ro.dealer_code).where(ro.period == period)):
        ros[code].append(RoSeen(*fields))

    rr, st = ResponseReceived, RoSurveyState
    query = (
        select(rr.dealer_code, rr.response_id, rr.ro_number, rr.channel, rr.submitted_at, rr.items_answered,
               rr.straight_line_score, rr.comment, rr.overall, rr.opened_at, rr.seconds_to_submit, rr.browser_family,
               rr.network_hash, st.invited_at, rr.counted, rr.excluded)
        .outerjoin(st, (st.dealer_code == rr.dealer_code) & (st.ro_number == rr.ro_number))
    )  # fmt: skip
    query = in_region(query, rr.dealer_code).where(
        rr.period == period, rr.channel.in_(INDEX_CHANNEL_VALUES), rr.late.is_(False),
        or_(rr.counted.is_(True), rr.excluded.is_(True)), rr.items_answered.is_not(None),
    )  # fmt: skip
    answers: dict[str, list[AnswerSeen]] = defaultdict(list)
    overall_counted: dict[str, dict[str, int]] = defaultdict(dict)
    excluded: dict[str, int] = defaultdict(int)
    for code, *fields, counted, was_excluded in await session.execute(query):
        answer = AnswerSeen(*fields)
        answers[code].append(answer)
        excluded[code] += bool(was_excluded)
        # The customer's own word to the OEM: what an analyst excluded is not.
        if counted and answer.overall is not None:
            overall_counted[code][answer.ro_number] = answer.overall

    cb = CallbackAnswer
    query = (
        select(cb.dealer_code, cb.callback_id, cb.ro_number, cb.reason, cb.completed_at, cb.visit_satisfaction)
        .join(ro, (ro.dealer_code == cb.dealer_code) & (ro.ro_number == cb.ro_number))
        .where(ro.period == period, cb.reason.in_(VISIT_CALLBACKS))
    )
    callbacks: dict[str, list[CallbackScore]] = defaultdict(list)
    for code, *fields in await session.execute(in_region(query, cb.dealer_code)):
        callbacks[code].append(CallbackScore(*fields))

    kn = DealerKnownNumber
    known: dict[str, dict[str, str | None]] = defaultdict(dict)
    for code, key, label in await session.execute(
        in_region(select(kn.dealer_code, kn.phone_hash, kn.label), kn.dealer_code)
    ):
        known[code][key] = label

    out = []
    for row, dealer in rows:
        code = dealer.code
        scores = visit_callback_scores(callbacks.get(code, ()))
        pairs = [(score, overall_counted[code][n]) for n, score in sorted(scores.items()) if n in overall_counted[code]]
        out.append(DealerRead(dealer=dealer, row=row, excluded=excluded.get(code, 0), facts=DealerFacts(
            dealer_code=code, region=dealer.region, ros=ros.get(code, []), ros_total=row.ros,
            ros_with_phone=row.ros_with_phone, answers=answers.get(code, []), known_numbers=known.get(code, {}),
            callback_pairs=pairs, current=_month(row), previous=_month(previous.get(code)),
        )))  # fmt: skip
    return out


def _month(row: DealerPeriod | None) -> MonthFigures | None:
    if row is None:
        return None
    low, high = row.interval_low, row.interval_high
    interval = (low, high) if low is not None and high is not None else None
    return MonthFigures(row.period, row.csi_index, interval, row.responses)


def assessments(read: Sequence[DealerRead], settings: Settings) -> dict[str, Assessment]:
    found = assess_all([r.facts for r in read], t=settings.integrity)
    return {a.dealer_code: a for a in found}


async def report(
    session: AsyncSession, *, user: Principal, period: str, region: str | None, settings: Settings
) -> dict[str, Any]:
    """Every dealer of the period in the caller's scope, riskiest first, each signal with its part of the risk."""
    read = await read_facts(session, period=period, region=region)
    found = assessments(read, settings)
    weights = settings.integrity.weights
    dealers = []
    for r in read:
        if not user.may_access(r.dealer.code, r.dealer.region):
            continue
        a = found[r.dealer.code]
        parts = signal_parts(a.signals, weights)
        dealers.append({
            "dealer_code": r.dealer.code, "dealer_name": r.dealer.name, "region": r.dealer.region, "risk": a.risk,
            "flagged": a.flagged, "under_review": r.row.under_review, "ros": r.row.ros, "responses": r.row.responses,
            "excluded_responses": r.excluded, "index": None if r.row.csi_index is None else round(r.row.csi_index, 1),
            "signals": [
                {"code": s.code, "flagged": s.flagged, "part": parts[s.code], "p_value": s.p_value,
                 "explanation": s.explanation, "evidence": s.evidence, "examples": s.examples}
                for s in a.signals
            ],
        })  # fmt: skip
    dealers.sort(key=lambda e: (-e["risk"], e["dealer_code"]))
    for rank, entry in enumerate(dealers, start=1):
        entry["rank"] = rank
    return {"period": period, "region": region, "dealers": dealers}


async def dealer_assessment(
    session: AsyncSession, dealer: Dealer, period: str, settings: Settings
) -> Assessment | None:
    """One dealer's signals, against its region (so the whole region is read)."""
    read = await read_facts(session, period=period, region=dealer.region)
    return assessments(read, settings).get(dealer.code)


def headline(assessment: Assessment | None) -> str:
    """The signals of a dealer-period under review in a line: which flagged, the strongest one's sentence."""
    flagged = sorted((s for s in assessment.signals if s.flagged), key=lambda s: -s.strength) if assessment else []
    if not flagged:
        return "Under review: no signal flagged now"
    codes = ", ".join(s.code for s in flagged)
    return f"{len(flagged)} integrity signal{'s' if len(flagged) > 1 else ''} ({codes}): {flagged[0].explanation}"[:500]


# --- the OEM's actions ------------------------------------------------------------------------------------------


def _audit(session: AsyncSession, *, dealer_code: str, period: str, action: str, reason: str, user: Principal,
           at: datetime, response_id: str | None = None) -> None:  # fmt: skip
    session.add(IntegrityAction(dealer_code=dealer_code, period=period, action=action, response_id=response_id,
                                reason=reason, by_subject=user.subject, by_role=user.role.value, at=at))  # fmt: skip


async def mark_review(
    work: Work, *, dealer: Dealer, period: str, under_review: bool, reason: str, user: Principal, settings: Settings
) -> dict[str, Any]:
    """Mark a dealer-period under review (or clear the mark): audited, shown on the card and in the ranking, and
    published as `integrity.flagged` (with the risk as computed now) and, through the next run, `score.updated`."""
    session, now = work.session, work.clock.now()
    row = await dealer_period(session, dealer.code, period)
    assessment = await dealer_assessment(session, dealer, period, settings)
    row.under_review = under_review
    row.review_headline = headline(assessment) if under_review else None
    row.dirty = True  # score.updated carries the mark
    _audit(session, dealer_code=dealer.code, period=period, action="under_review" if under_review else "review_cleared",
           reason=reason, user=user, at=now)  # fmt: skip
    event = IntegrityFlagged(
        dealer_code=dealer.code, region=dealer.region, period=period, under_review=under_review,
        risk_score=assessment.risk if assessment else None, signals=assessment.flagged if assessment else [],
        reason=reason, by=user.subject, at=now,
    )  # fmt: skip
    await work.publish(event, dealer_code=dealer.code)
    return event.model_dump(mode="json")


async def set_exclusion(
    session: AsyncSession, *, response: ResponseReceived, excluded: bool, reason: str, user: Principal,
    settings: Settings, now: datetime,
) -> None:  # fmt: skip
    """Take a customer's answer out of the index (its contribution taken back, as a correction does) or count it
    again; audited either way. Final periods change too: an answer that was not the customer's should never have
    counted. Doing what is already done changes nothing but the trail."""
    if response.channel not in INDEX_CHANNEL_VALUES:
        raise Conflict(f"response {response.response_id} came through a dealer's channel: the index never counts it")
    action = "response_excluded" if excluded else "response_reinstated"
    _audit(session, dealer_code=response.dealer_code, period=response.period, action=action, reason=reason, user=user,
           at=now, response_id=response.response_id)  # fmt: skip
    await set_response_excluded(session, response, excluded, settings, now)


async def response_in_scope(session: AsyncSession, user: Principal, response_id: str) -> ResponseReceived:
    response = await session.get(ResponseReceived, response_id)
    dealer = await session.get(Dealer, response.dealer_code) if response else None
    if response is None or dealer is None or not user.may_access(dealer.code, dealer.region):
        raise ResponseNotFound(f"response {response_id} is unknown or outside your scope")
    return response


async def known_numbers(session: AsyncSession, dealer_codes: Sequence[str]) -> dict[str, list[DealerKnownNumber]]:
    """dealer code -> its known numbers, for the dealers that have any."""
    query = select(DealerKnownNumber).where(DealerKnownNumber.dealer_code.in_(dealer_codes))
    found: dict[str, list[DealerKnownNumber]] = defaultdict(list)
    for k in sorted((await session.execute(query)).scalars(), key=lambda k: (k.label or "", k.phone_masked)):
        found[k.dealer_code].append(k)
    return dict(found)


async def set_known_numbers(
    session: AsyncSession, *, dealer: Dealer, numbers: Sequence[tuple[str, str | None]], user: Principal,
    settings: Settings, now: datetime,
) -> list[DealerKnownNumber]:  # fmt: skip
    """Replace the dealer's known numbers (its own, its staff's): kept as salted hashes and masked forms only."""
    await session.execute(delete(DealerKnownNumber).where(DealerKnownNumber.dealer_code == dealer.code))
    kept: dict[str, DealerKnownNumber] = {}
    for phone, label in numbers:
        key = phone_key(phone, settings.integrity_salt)
        kept[key] = DealerKnownNumber(dealer_code=dealer.code, phone_hash=key, phone_masked=mask_phone(phone) or "",
                                      label=label, set_by=user.subject, set_at=now)  # fmt: skip
    session.add_all(kept.values())
    await session.flush()
    return sorted(kept.values(), key=lambda k: (k.label or "", k.phone_masked))


async def actions(session: AsyncSession, *, dealer_codes: Sequence[str], period: str | None) -> list[IntegrityAction]:
    query = select(IntegrityAction).where(IntegrityAction.dealer_code.in_(dealer_codes)).order_by(IntegrityAction.id)
    if period is not None:
        query = query.where(IntegrityAction.period == period)
    return list((await session.execute(query)).scalars())
