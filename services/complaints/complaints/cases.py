"""Complaint cases: opening one per source, taking workflow steps, and what each step publishes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from complaints.config import Settings
from complaints.models import Complaint, Dealer, HistoryEntry, RepairOrderSeen
from complaints.rules import case_from_callback, case_from_survey, decide_severity
from complaints.workflow import (
    STEPS,
    Action,
    ComplaintStatus,
    allowed_actions,
    is_named_supervisor,
    may,
    possible,
)
from csi_shared.auth import Principal, Role
from csi_shared.bus.outbox import Work
from csi_shared.db import insert_unless_exists
from csi_shared.dealers import dealer_ref
from csi_shared.dealers import remember_dealer as known_dealer
from csi_shared.errors import Conflict, Forbidden, InvalidInput
from csi_shared.events import (
    CallbackCompleted,
    ComplaintClosed,
    ComplaintOpened,
    ComplaintSource,
    DealerRef,
    RepairOrderClosed,
    Severity,
    SurveyContactPreference,
    SurveyResponseSubmitted,
)


async def remember_dealer(work: Work, ref: DealerRef) -> Dealer:
    dealer = await known_dealer(work.session, Dealer, ref)
    await work.session.flush()
    return dealer


@dataclass(frozen=True)
class NewCase:
    source_ref: str
    dealer: Dealer
    source: ComplaintSource
    category: str
    opened_by: str
    opened_by_role: str = "system"
    """The opener's role for the history (`system` when an unhappy answer opened the case by itself)."""
    ro_number: str | None = None
    channel: str | None = None
    severity: Severity | None = None
    minor: bool = False
    """The rules found one low item and nothing else (`rules.Opening.minor`)."""
    description: str | None = None
    customer_name: str | None = None
    customer_phone: str | None = None
    heard_at: datetime | None = None
    """When the customer said it (the survey's submission, the call's completion): the 24-hour clock starts there, not
    when this service read the event (consumer lag, a restart). None for cases staff open: now."""


async def _comebacks_on(work: Work, vin: str | None) -> int:
    if not vin:
        return 0
    query = (
        select(func.count())
        .select_from(RepairOrderSeen)
        .where(RepairOrderSeen.vin == vin, RepairOrderSeen.comeback.is_(True))
    )
    return int((await work.session.execute(query)).scalar_one())


ONE_CASE_PER_VISIT = frozenset({ComplaintSource.SURVEY, ComplaintSource.CALLBACK})
"""The signals that join the visit's case instead of opening another. A case staff open (walk-in, phone, hotline) is
always its own: they chose to open it."""


async def _case_of_visit(work: Work, case: NewCase) -> Complaint | None:
    """The visit's case still being worked (not closed), if an earlier signal about the same RO opened one."""
    if case.ro_number is None:
        return None
    query = (
        select(Complaint)
        .where(Complaint.dealer_code == case.dealer.code, Complaint.ro_number == case.ro_number,
               Complaint.status != ComplaintStatus.CLOSED.value)
        .order_by(Complaint.opened_at)
        .limit(1)
        .with_for_update()
    )  # fmt: skip
    return (await work.session.execute(query)).scalar_one_or_none()


async def _add_to_case(work: Work, complaint: Complaint, case: NewCase) -> Complaint | None:
    """A second signal about the same visit (the survey after the callback, say) joins its case as a history entry
    (`added`, naming its source) instead of opening a second case; the same signal again adds nothing."""
    marker = f"[{case.source_ref}]"
    seen = await work.session.execute(
        select(HistoryEntry.id).where(
            HistoryEntry.complaint_id == complaint.id, HistoryEntry.action == "added",
            HistoryEntry.note.startswith(marker),
        )
    )  # fmt: skip
    if seen.first() is not None:
        return None
    now = work.clock.now()
    work.session.add(HistoryEntry(
        complaint_id=complaint.id, action="added", from_status=complaint.status, to_status=complaint.status,
        actor=case.opened_by, role=case.opened_by_role,
        note=f"{marker} {case.source.value} {case.category}: {case.description or ''}"[:4000], at=now,
    ))  # fmt: skip
    complaint.updated_at = now
    if complaint.severity == Severity.MINOR:
        # A second unhappy signal about the visit is more than one low item: no more one-step close.
        complaint.severity = Severity.NORMAL.value
    return complaint


async def open_case(work: Work, case: NewCase, settings: Settings) -> Complaint | None:
    """Open a case unless its source already opened one, or add to the visit's case (one case per visit); announce a
    new case. Returns the case opened or added to; None when this signal was already recorded."""
    existing = await _case_of_visit(work, case) if case.source in ONE_CASE_PER_VISIT else None
    if existing is not None and existing.source_ref != case.source_ref:
        return await _add_to_case(work, existing, case)
    ro = await work.session.get(RepairOrderSeen, (case.dealer.code, case.ro_number)) if case.ro_number else None
    vin = ro.vin if ro else None
    severity = decide_severity(
        requested=case.severity,
        category=case.category,
        source=case.source,
        comebacks=await _comebacks_on(work, vin),
        major_categories=settings.major_categories,
        minor=case.minor,
    )
    now = work.clock.now()
    # Never in the future (a producer's clock ahead of ours) and never before the customer spoke.
    opened_at = min(case.heard_at, now) if case.heard_at is not None else now
    complaint_id = str(uuid.uuid4())
    values: dict[str, Any] = {
        "id": complaint_id, "source_ref": case.source_ref, "dealer_code": case.dealer.code, "ro_number": case.ro_number,
        "vin": vin, "source": case.source.value, "channel": case.channel, "severity": severity.value, "category": case.category,
        "description": case.description, "status": ComplaintStatus.OPEN.value,
        "customer_name": case.customer_name or (ro.customer_name if ro else None),
        "customer_phone": case.customer_phone or (ro.customer_phone if ro else None),
        "opened_at": opened_at, "opened_by": case.opened_by,
        "first_response_due": opened_at + timedelta(hours=settings.first_response_hours),
        "resolution_due": opened_at + timedelta(days=settings.resolution_target_days),
        "escalation_level": 0, "resolution_escalation_level": 0, "reopened": 0, "updated_at": now,
    }  # fmt: skip
    if not await insert_unless_exists(work.session, Complaint.__table__, values, key="source_ref"):
        return None
    complaint = await work.session.get(Complaint, complaint_id)
    assert complaint is not None
    work.session.add(HistoryEntry(complaint_id=complaint_id, action="open", from_status=None, to_status=ComplaintStatus.OPEN.value,
                                  actor=case.opened_by, role=case.opened_by_role, note=case.description, at=now))  # fmt: skip
    await work.publish(
        ComplaintOpened(
            complaint_id=complaint_id, dealer=dealer_ref(case.dealer), ro_number=case.ro_number, source=case.source,
            severity=severity, category=case.category, opened_at=opened_at, first_response_due=complaint.first_response_due,
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
    seen.delivered_at = ro.delivered_at
    seen.comeback = seen.comeback or any(job.comeback for job in ro.jobs)


async def on_comeback_detected(work: Work, dealer_code: str, ro_number: str | None) -> None:
    """The callback scheduler found this RO repeats an earlier repair."""
    seen = await work.session.get(RepairOrderSeen, (dealer_code, ro_number)) if ro_number else None
    if seen is not None:
        seen.comeback = True


async def on_survey_response(work: Work, response: SurveyResponseSubmitted, settings: Settings) -> Complaint | None:
    """A dissatisfied answer opens a case by itself: each complaint heard stands for many unheard."""
    opening = case_from_survey(response)
    if opening is None:
        return None
    dealer = await remember_dealer(work, response.dealer)
    return await open_case(
        work,
        NewCase(source_ref=f"survey:{response.response_id}", dealer=dealer, source=ComplaintSource.SURVEY,
                ro_number=response.ro_number, category=opening.category, channel=response.channel,
                description=opening.description, opened_by="system", heard_at=response.submitted_at,
                minor=opening.minor),
        settings,
    )  # fmt: skip


async def on_callback_completed(work: Work, callback: CallbackCompleted, settings: Settings) -> Complaint | None:
    opening = case_from_callback(callback)
    if opening is None:
        return None
    dealer = await remember_dealer(work, callback.dealer)
    return await open_case(
        work,
        NewCase(source_ref=f"callback:{callback.callback_id}", dealer=dealer, source=ComplaintSource.CALLBACK,
                ro_number=callback.ro_number, category=opening.category, channel="callback",
                description=opening.description, customer_name=callback.customer_name,
                customer_phone=callback.customer_phone, opened_by="system", heard_at=callback.completed_at,
                minor=opening.minor),
        settings,
    )  # fmt: skip


# --- steps ---------------------------------------------------------------------------------------


class IllegalStep(Conflict):
    title = "Step not allowed now"
    code = "state_conflict"


REQUIRED = {
    Action.PROPOSE_ACTION: ("cause", "corrective_action", "preventive_action"),
    Action.APPROVE_ACTION: ("supervisor",),
    Action.REOPEN: ("note",),
    Action.SETTLE_MINOR: ("note",),  # the response given to the customer, kept in the history
    Action.CLOSE_NO_CONTACT: ("note",),  # why the case closes unanswered
}


async def take_step(
    work: Work,
    complaint: Complaint,
    dealer: Dealer,
    *,
    action: Action | str,
    user: Principal,
    fields: dict[str, str | None],
) -> None:
    """Move a case one step, recording who did it; 409 with the steps allowed now when this one is not."""
    now = work.clock.now()
    if action not in STEPS:
        raise InvalidInput("unknown step", [{"field": "action", "reason": f"one of {', '.join(STEPS)}"}])
    action = Action(action)
    if user.role is not Role.ADMIN and dealer.code not in user.dealers:
        raise Forbidden("only the dealer's own staff work its complaints")
    supervisor = is_named_supervisor(user.subject, complaint.supervisor)
    resolver = user.subject == complaint.resolved_by
    declined = complaint.contact_consent is False
    allowed = allowed_actions(complaint.status, user.role, complaint.resolved_at, now, supervisor=supervisor,
                              resolver=resolver, severity=complaint.severity, declined=declined)  # fmt: skip
    if not possible(action, complaint.status, complaint.resolved_at, now, severity=complaint.severity,
                    declined=declined):  # fmt: skip
        raise IllegalStep(
            f"cannot {action} a complaint that is {complaint.status}",
            allowed_actions=allowed,
            current_status=complaint.status,
            status_now=complaint.status,  # the earlier name, kept for clients written against it
        )
    if not may(user.role, action, supervisor=supervisor, resolver=resolver):
        if action is Action.VERIFY and resolver:
            raise Forbidden(
                "only the general manager or the supervisor named at approval may verify the actions, "
                "and someone else than whoever resolved the case"
            )
        if action is Action.VERIFY:
            raise Forbidden("only the general manager or the supervisor named at approval may verify the actions")
        raise Forbidden(f"a {user.role} may not {action}; allowed for you now: {', '.join(allowed) or 'nothing'}")
    missing = [name for name in REQUIRED.get(action, ()) if not (fields.get(name) or "").strip()]
    if missing:
        raise InvalidInput(
            f"{action} needs {', '.join(missing)}", [{"field": m, "reason": f"required to {action}"} for m in missing]
        )

    before = complaint.status
    complaint.status = STEPS[action].to_state.value
    complaint.updated_at = now
    if action is Action.ACKNOWLEDGE:
        complaint.first_response_at = now
    elif action is Action.PROPOSE_ACTION:
        complaint.cause, complaint.corrective_action, complaint.preventive_action = (
            fields["cause"],
            fields["corrective_action"],
            fields["preventive_action"],
        )
    elif action is Action.APPROVE_ACTION:
        complaint.supervisor = fields["supervisor"]
    elif action is Action.RESOLVE:
        complaint.resolved_at, complaint.resolved_by = now, user.subject
    elif action is Action.VERIFY:
        complaint.verified_at, complaint.verified_by = now, user.subject
    elif action is Action.CLOSE:
        complaint.closed_at = now
    elif action is Action.SETTLE_MINOR:
        # Answered, resolved and closed at once: each moment is recorded so the report's response and resolution
        # figures count the case like any other.
        complaint.first_response_at = complaint.first_response_at or now
        complaint.resolved_at, complaint.resolved_by, complaint.closed_at = now, user.subject, now
    elif action is Action.CLOSE_NO_CONTACT:
        complaint.closed_at = now  # never resolved: nobody could be answered; the report counts it apart
    elif action is Action.REOPEN:
        complaint.reopened += 1
        if complaint.severity == Severity.MINOR:
            # The one-step answer did not settle it: the corrective-action path this time.
            complaint.severity = Severity.NORMAL.value
        # The fix is to be made again, so it is to be checked again: the earlier check stays in the history.
        complaint.closed_at = complaint.verified_at = complaint.verified_by = None
    work.session.add(HistoryEntry(complaint_id=complaint.id, action=action.value, from_status=before, to_status=complaint.status,
                                  actor=user.subject, role=user.role.value, note=fields.get("note"), at=now))  # fmt: skip
    if action in (Action.CLOSE, Action.SETTLE_MINOR, Action.CLOSE_NO_CONTACT):
        await work.publish(
            ComplaintClosed(
                complaint_id=complaint.id, dealer=dealer_ref(dealer), ro_number=complaint.ro_number, vin=complaint.vin,
                severity=Severity(complaint.severity), category=complaint.category, opened_at=complaint.opened_at, closed_at=now,
                customer_name=complaint.customer_name, customer_phone=complaint.customer_phone,
            ),
            dealer_code=dealer.code,
        )  # fmt: skip
    await work.session.flush()


async def on_contact_preference(work: Work, preference: SurveyContactPreference) -> Complaint | None:
    """The customer said, after a dissatisfied answer, whether and when the dealer may call: shown on the case."""
    complaint = (
        await work.session.execute(select(Complaint).where(Complaint.source_ref == f"survey:{preference.response_id}"))
    ).scalar_one_or_none()
    if complaint is None or complaint.contact_given_at is not None:
        return None
    window = preference.preferred_time
    complaint.contact_consent, complaint.contact_given_at = preference.contact_consent, preference.given_at
    complaint.contact_from, complaint.contact_to = (window.start, window.end) if window else (None, None)
    when = f", {window.start:%H:%M}-{window.end:%H:%M}" if window else ""
    note = f"customer {'agrees to' if preference.contact_consent else 'declines'} a call about the answer{when}"
    work.session.add(HistoryEntry(complaint_id=complaint.id, action="contact_preference", from_status=complaint.status,
                                  to_status=complaint.status, actor="customer", role="customer", note=note,
                                  at=preference.given_at))  # fmt: skip
    return complaint
