"""Complaint cases: opening one per source, taking workflow steps, escalating, and what each step publishes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from complaints.config import Settings
from complaints.models import Complaint, Dealer, HistoryEntry, RepairOrderSeen
from complaints.workflow import STEPS, allowed_actions, escalated_to, escalation_level, may, possible
from csi_shared.auth import Principal, Role
from csi_shared.bus.outbox import Work
from csi_shared.db import insert_unless_exists
from csi_shared.dealers import remember_dealer as known_dealer
from csi_shared.errors import Conflict, Forbidden, InvalidInput
from csi_shared.events import (
    CallbackCompleted,
    ComplaintClosed,
    ComplaintEscalated,
    ComplaintOpened,
    DealerRef,
    RepairOrderClosed,
    SurveyResponseSubmitted,
)


def dealer_ref(dealer: Dealer) -> DealerRef:
    return DealerRef(dealer_code=dealer.code, name=dealer.name, region=dealer.region, time_zone=dealer.time_zone)


async def remember_dealer(work: Work, ref: DealerRef) -> Dealer:
    dealer = await known_dealer(work.session, Dealer, ref)
    await work.session.flush()
    return dealer


@dataclass(frozen=True)
class NewCase:
    source_ref: str
    dealer: Dealer
    source: str
    category: str
    opened_by: str
    ro_number: str | None = None
    channel: str | None = None
    severity: str | None = None
    description: str | None = None
    customer_name: str | None = None
    customer_phone: str | None = None


async def _comebacks_on(work: Work, vin: str | None) -> int:
    if not vin:
        return 0
    query = (
        select(func.count())
        .select_from(RepairOrderSeen)
        .where(RepairOrderSeen.vin == vin, RepairOrderSeen.comeback.is_(True))
    )
    return int((await work.session.execute(query)).scalar_one())


def decide_severity(*, requested: str | None, category: str, source: str, comebacks: int, settings: Settings) -> str:
    """Major when staff say so, for a safety-related category, a second comeback on the car, or an OEM hotline case."""
    if requested == "major" or category in settings.major_categories or comebacks >= 2 or source == "hotline":
        return "major"
    return "normal"


async def open_case(work: Work, case: NewCase, settings: Settings) -> Complaint | None:
    """Open a case unless its source already opened one; announce it."""
    ro = await work.session.get(RepairOrderSeen, (case.dealer.code, case.ro_number)) if case.ro_number else None
    vin = ro.vin if ro else None
    severity = decide_severity(
        requested=case.severity,
        category=case.category,
        source=case.source,
        comebacks=await _comebacks_on(work, vin),
        settings=settings,
    )
    now = work.clock.now()
    complaint_id = str(uuid.uuid4())
    values: dict[str, Any] = {
        "id": complaint_id, "source_ref": case.source_ref, "dealer_code": case.dealer.code, "ro_number": case.ro_number,
        "vin": vin, "source": case.source, "channel": case.channel, "severity": severity, "category": case.category,
        "description": case.description, "status": "open",
        "customer_name": case.customer_name or (ro.customer_name if ro else None),
        "customer_phone": case.customer_phone or (ro.customer_phone if ro else None),
        "opened_at": now, "opened_by": case.opened_by,
        "first_response_due": now + timedelta(hours=settings.first_response_hours),
        "resolution_due": now + timedelta(days=settings.resolution_target_days),
        "escalation_level": 0, "reopened": 0, "updated_at": now,
    }  # fmt: skip
    if not await insert_unless_exists(work.session, Complaint.__table__, values, key="source_ref"):
        return None
    complaint = await work.session.get(Complaint, complaint_id)
    assert complaint is not None
    work.session.add(HistoryEntry(complaint_id=complaint_id, action="open", from_status=None, to_status="open",
                                  actor=case.opened_by, role=case.source, note=case.description, at=now))  # fmt: skip
    await work.publish(
        ComplaintOpened(
            complaint_id=complaint_id, dealer=dealer_ref(case.dealer), ro_number=case.ro_number, source=case.source,  # type: ignore[arg-type]
            severity=severity, category=case.category, opened_at=now, first_response_due=complaint.first_response_due,  # type: ignore[arg-type]
        ),
        dealer_code=case.dealer.code,
    )  # fmt: skip
    return complaint


# --- from events ---------------------------------------------------------------------------------


async def on_repair_order(work: Work, ro: RepairOrderClosed) -> None:
    await remember_dealer(work, ro.dealer)
    seen = await work.session.get(RepairOrderSeen, (ro.dealer.dealer_code, ro.ro_number))
    if seen is None:
        seen = RepairOrderSeen(dealer_code=ro.dealer.dealer_code, ro_number=ro.ro_number, comeback=False)
        work.session.add(seen)
    seen.vin, seen.customer_name, seen.customer_phone = ro.vin, ro.customer.name, ro.customer.phone
    seen.comeback = seen.comeback or any(job.comeback for job in ro.jobs)


async def on_comeback_detected(work: Work, dealer_code: str, ro_number: str | None) -> None:
    """The callback scheduler found this RO repeats an earlier repair."""
    seen = await work.session.get(RepairOrderSeen, (dealer_code, ro_number)) if ro_number else None
    if seen is not None:
        seen.comeback = True


async def on_survey_response(work: Work, response: SurveyResponseSubmitted, settings: Settings) -> Complaint | None:
    """A low score opens a case by itself: each complaint heard stands for many unheard."""
    if response.channel == "callback":
        return None  # the callback's own `callback.completed` already speaks for this customer: one case, not two
    low_items = [a for a in response.answers if a.score is not None and a.score <= settings.survey_item_at_or_below]
    low_overall = response.overall is not None and response.overall <= settings.survey_overall_at_or_below
    if not low_items and not low_overall:
        return None
    dealer = await remember_dealer(work, response.dealer)
    worst = min(low_items, key=lambda a: a.score or 0) if low_items else None
    scores = ", ".join(f"{a.item}={a.score}" for a in low_items)
    description = f"survey ({response.channel}): overall {response.overall}" + (
        f"; low items: {scores}" if scores else ""
    )
    if response.comment:
        description += f"; comment: {response.comment}"
    return await open_case(
        work,
        NewCase(source_ref=f"survey:{response.response_id}", dealer=dealer, source="survey", ro_number=response.ro_number,
                category=worst.factor if worst else "overall_satisfaction", channel=response.channel,
                description=description, opened_by="system"),
        settings,
    )  # fmt: skip


async def on_callback_completed(work: Work, callback: CallbackCompleted, settings: Settings) -> Complaint | None:
    if not (callback.dissatisfied or callback.issue):
        return None
    dealer = await remember_dealer(work, callback.dealer)
    low = {k: v for k, v in callback.answers.items() if isinstance(v, int) and not isinstance(v, bool)}
    description = "; ".join(filter(None, [f"callback issue: {callback.issue}" if callback.issue else None,
                                          f"answers: {low}" if low else None]))  # fmt: skip
    return await open_case(
        work,
        NewCase(source_ref=f"callback:{callback.callback_id}", dealer=dealer, source="callback", ro_number=callback.ro_number,
                category="callback_issue" if callback.issue else "callback_dissatisfied", channel="callback",
                description=description, customer_name=callback.customer_name, customer_phone=callback.customer_phone,
                opened_by="system"),
        settings,
    )  # fmt: skip


# --- steps ---------------------------------------------------------------------------------------


class IllegalStep(Conflict):
    title = "Step not allowed now"


REQUIRED = {
    "propose_action": ("cause", "corrective_action", "preventive_action"),
    "approve_action": ("supervisor",),
    "reopen": ("note",),
}


async def take_step(
    work: Work, complaint: Complaint, dealer: Dealer, *, action: str, user: Principal, fields: dict[str, str | None]
) -> None:
    """Move a case one step, recording who did it; 409 with the steps allowed now when this one is not."""
    now = work.clock.now()
    if action not in STEPS:
        raise InvalidInput("unknown step", [{"field": "action", "reason": f"one of {', '.join(STEPS)}"}])
    if user.role is not Role.ADMIN and dealer.code not in user.dealers:
        raise Forbidden("only the dealer's own staff work its complaints")
    allowed = allowed_actions(complaint.status, user.role, complaint.resolved_at, now)
    if not possible(action, complaint.status, complaint.resolved_at, now):
        raise IllegalStep(
            f"cannot {action} a complaint that is {complaint.status}",
            allowed_actions=allowed,
            status_now=complaint.status,
        )
    if not may(user.role, action):
        raise Forbidden(f"a {user.role} may not {action}; allowed for you now: {', '.join(allowed) or 'nothing'}")
    missing = [name for name in REQUIRED.get(action, ()) if not (fields.get(name) or "").strip()]
    if missing:
        raise InvalidInput(
            f"{action} needs {', '.join(missing)}", [{"field": m, "reason": f"required to {action}"} for m in missing]
        )

    before = complaint.status
    complaint.status = STEPS[action].to_state
    complaint.updated_at = now
    if action == "acknowledge":
        complaint.first_response_at = now
    elif action == "propose_action":
        complaint.cause, complaint.corrective_action, complaint.preventive_action = (
            fields["cause"],
            fields["corrective_action"],
            fields["preventive_action"],
        )
    elif action == "approve_action":
        complaint.supervisor = fields["supervisor"]
    elif action == "resolve":
        complaint.resolved_at = now
    elif action == "close":
        complaint.closed_at = now
    elif action == "reopen":
        complaint.reopened += 1
        complaint.closed_at = None
    work.session.add(HistoryEntry(complaint_id=complaint.id, action=action, from_status=before, to_status=complaint.status,
                                  actor=user.subject, role=user.role.value, note=fields.get("note"), at=now))  # fmt: skip
    if action == "close":
        await work.publish(
            ComplaintClosed(
                complaint_id=complaint.id, dealer=dealer_ref(dealer), ro_number=complaint.ro_number, vin=complaint.vin,
                severity=complaint.severity, category=complaint.category, opened_at=complaint.opened_at, closed_at=now,  # type: ignore[arg-type]
                customer_name=complaint.customer_name, customer_phone=complaint.customer_phone,
            ),
            dealer_code=dealer.code,
        )  # fmt: skip
    await work.session.flush()


async def escalate_overdue(work: Work) -> int:
    """Climb each unacknowledged case to the level its age calls for, each level once; returns levels taken."""
    now = work.clock.now()
    rows = (
        await work.session.execute(
            select(Complaint).where(Complaint.status == "open", Complaint.escalation_level < 3,
                                    Complaint.opened_at <= now - timedelta(hours=24)).limit(500)
        )
    ).scalars().all()  # fmt: skip
    taken = 0
    for complaint in rows:
        target = escalation_level(complaint.opened_at, now)
        for level in range(complaint.escalation_level + 1, target + 1):
            # Only the replica whose update moves the level announces it.
            claimed = await work.session.execute(
                update(Complaint).where(Complaint.id == complaint.id, Complaint.escalation_level == level - 1, Complaint.status == "open")
                .values(escalation_level=level, updated_at=now)
            )  # fmt: skip
            if claimed.rowcount != 1:
                break
            who = escalated_to(level)
            work.session.add(HistoryEntry(complaint_id=complaint.id, action="escalate", from_status="open", to_status="open",
                                          actor="system", role="system", note=f"no first response after {level * 24} h: escalated to {who}", at=now))  # fmt: skip
            await work.publish(
                ComplaintEscalated(
                    complaint_id=complaint.id,
                    dealer_code=complaint.dealer_code,
                    level=level,
                    escalated_to=who,
                    escalated_at=now,
                ),  # type: ignore[arg-type]
                dealer_code=complaint.dealer_code,
            )
            taken += 1
    return taken
