"""Staff alerts from the complaint events: who gets which alert, its text, and its one message per event and person.

A major `complaint.opened` reaches the dealer's service manager at once; `complaint.escalated` the person of the new
level (service manager, general manager, the OEM's regional contact). Each alert is one `notification_messages` row
keyed `alert:<event id>:<staff id>`: a redelivered event makes no second one. The send job delivers them like
invitations, in quiet hours only the escalations to the OEM.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from csi_shared.db import insert_missing
from csi_shared.events import ComplaintEscalated, ComplaintOpened, EscalationKind, EscalationTarget, Severity
from survey_api.dealers.staff import StaffRole, contact, staff_with_role
from survey_api.models import Dealer, MessageKind, MessageStatus, NotificationMessage
from survey_api.notifications.rules import QuietHours

log = logging.getLogger(__name__)

ALERT_MAX_AGE = timedelta(hours=1)
"""An event older than this alerts nobody: a new consumer group (a first deploy, an offset reset) replays a week of
complaint events, and last Tuesday's escalation must not wake the OEM tonight. The digests still count the cases."""

ESCALATION_ROLES = {
    EscalationTarget.SERVICE_MANAGER: StaffRole.SERVICE_MANAGER,
    EscalationTarget.GENERAL_MANAGER: StaffRole.GENERAL_MANAGER,
    EscalationTarget.OEM_REGION: StaffRole.OEM_REGION,
}
LEVEL_NAMES = {
    StaffRole.SERVICE_MANAGER: "服务经理",
    StaffRole.GENERAL_MANAGER: "总经理",
    StaffRole.OEM_REGION: "厂家区域",
}


def escalation_recipient(target: EscalationTarget) -> tuple[StaffRole, bool]:
    """Whose phone an escalation rings, and whether it may ring in quiet hours (only the OEM's: it is the last level)."""
    role = ESCALATION_ROLES[target]
    return role, role is StaffRole.OEM_REGION


def opened_text(opened: ComplaintOpened, tz: ZoneInfo) -> str:
    due = opened.first_response_due.astimezone(tz).strftime("%m-%d %H:%M")
    ro = f"，RO {opened.ro_number}" if opened.ro_number else ""
    return f"【CSI】{opened.dealer.name}重大投诉（{opened.category}{ro}）已立案，请于{due}前首次响应。编号{opened.complaint_id[:8]}"


def escalated_text(escalated: ComplaintEscalated, dealer_name: str, role: StaffRole) -> str:
    missed = "首次响应" if escalated.kind is EscalationKind.FIRST_RESPONSE else "解决"
    return (f"【CSI】{dealer_name}投诉{escalated.complaint_id[:8]}未按时{missed}，已升级至第{escalated.level}级"
            f"（{LEVEL_NAMES[role]}），请立即处理。")  # fmt: skip


async def alert_staff(
    *, session: AsyncSession, event_id: UUID, dealer_code: str, role: StaffRole, text: str, quiet_exempt: bool,
    quiet: QuietHours, now: datetime,
) -> int:  # fmt: skip
    """One message per active person of the role (SMS, else e-mail); returns how many alerts this call queued (0 on a repeat)."""
    dealer = await session.get(Dealer, dealer_code)
    if dealer is None:
        log.warning("an alert for unknown dealer %s: nobody to tell", dealer_code)
        return 0
    people = [(p, c) for p in await staff_with_role(session=session, dealer_code=dealer_code, role=role)
              if (c := contact(p, prefer_email=False))]  # fmt: skip
    if not people:
        log.warning("no %s in %s's staff directory: the alert reaches nobody", role.value, dealer_code)
        return 0
    send_at = now if quiet_exempt else quiet.next_allowed(now, ZoneInfo(dealer.time_zone))
    rows = [
        {"idempotency_key": f"alert:{event_id}:{p.staff_id}", "kind": MessageKind.ALERT, "channel": channel, "recipient": to,
         "dealer_code": dealer_code, "survey_id": None, "staff_id": p.staff_id, "status": MessageStatus.PENDING, "attempts": 0,
         "created_at": now, "next_attempt_at": send_at, "body": text, "quiet_exempt": quiet_exempt}
        for p, (channel, to) in people
    ]  # fmt: skip
    return len(await insert_missing(session, NotificationMessage.__table__, rows, key="idempotency_key"))


async def on_complaint_opened(
    *, session: AsyncSession, event_id: UUID, opened: ComplaintOpened, quiet: QuietHours, now: datetime,
    occurred_at: datetime | None = None,
) -> int:  # fmt: skip
    """A major case reaches the dealer's service manager at once (outside quiet hours); a normal one waits for the
    worklist and the digest."""
    if opened.severity is not Severity.MAJOR or _stale(occurred_at, now):
        return 0
    text = opened_text(opened, ZoneInfo(opened.dealer.time_zone))
    return await alert_staff(session=session, event_id=event_id, dealer_code=opened.dealer.dealer_code,
                             role=StaffRole.SERVICE_MANAGER, text=text, quiet_exempt=False, quiet=quiet, now=now)  # fmt: skip


async def on_complaint_escalated(
    *, session: AsyncSession, event_id: UUID, escalated: ComplaintEscalated, quiet: QuietHours, now: datetime,
    occurred_at: datetime | None = None,
) -> int:  # fmt: skip
    """The person of the new level; the OEM's regional contact even in quiet hours."""
    if _stale(occurred_at, now):
        return 0
    role, exempt = escalation_recipient(escalated.escalated_to)
    dealer = await session.get(Dealer, escalated.dealer_code)
    text = escalated_text(escalated, dealer.name if dealer else escalated.dealer_code, role)
    return await alert_staff(session=session, event_id=event_id, dealer_code=escalated.dealer_code, role=role,
                             text=text, quiet_exempt=exempt, quiet=quiet, now=now)  # fmt: skip


def _stale(occurred_at: datetime | None, now: datetime) -> bool:
    if occurred_at is not None and now - occurred_at > ALERT_MAX_AGE:
        log.info("an alert for an event of %s is %s old: not sent (replayed history)", occurred_at, now - occurred_at)
        return True
    return False
