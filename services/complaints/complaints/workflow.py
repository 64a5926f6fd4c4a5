"""The complaint workflow of DOMAIN.md as pure rules: states, who may take which step, SLA escalation levels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from csi_shared.auth import Role

SA, CRA, SM, GM, ADMIN = Role.SERVICE_ADVISOR, Role.CRA, Role.SERVICE_MANAGER, Role.GENERAL_MANAGER, Role.ADMIN


@dataclass(frozen=True)
class Step:
    from_states: frozenset[str]
    to_state: str
    roles: frozenset[Role]


STEPS: dict[str, Step] = {
    # The first response to the customer stops the 24-hour clock.
    "acknowledge": Step(frozenset({"open"}), "acknowledged", frozenset({SA, CRA, SM, GM})),
    "investigate": Step(frozenset({"acknowledged"}), "investigating", frozenset({SA, SM, GM})),
    # The service manager proposes cause, corrective and preventive action (纠正预防措施) ...
    "propose_action": Step(frozenset({"investigating"}), "action_proposed", frozenset({SM})),
    # ... the general manager approves and names who supervises it.
    "approve_action": Step(frozenset({"action_proposed"}), "action_approved", frozenset({GM})),
    "resolve": Step(frozenset({"action_approved"}), "resolved", frozenset({SA, SM, GM})),
    # A CRA records that the customer is satisfied.
    "confirm": Step(frozenset({"resolved"}), "confirmed", frozenset({CRA})),
    "close": Step(frozenset({"confirmed"}), "closed", frozenset({CRA, SM, GM})),
    "reopen": Step(frozenset({"resolved", "confirmed", "closed"}), "investigating", frozenset({CRA, SM, GM})),
}
STATES = (
    "open",
    "acknowledged",
    "investigating",
    "action_proposed",
    "action_approved",
    "resolved",
    "confirmed",
    "closed",
)
REOPEN_WINDOW = timedelta(days=30)


def may(role: Role, action: str) -> bool:
    return role is ADMIN or role in STEPS[action].roles


def possible(action: str, status: str, resolved_at: datetime | None, now: datetime) -> bool:
    """Whether the step can be taken from this state now, whoever asks."""
    step = STEPS[action]
    if status not in step.from_states:
        return False
    if action == "reopen":
        return resolved_at is not None and now - resolved_at <= REOPEN_WINDOW
    return True


def allowed_actions(status: str, role: Role, resolved_at: datetime | None, now: datetime) -> list[str]:
    """The steps this role may take now."""
    return [a for a in STEPS if may(role, a) and possible(a, status, resolved_at, now)]


ESCALATION = (
    (timedelta(hours=24), 1, "service_manager"),
    (timedelta(hours=48), 2, "general_manager"),
    (timedelta(hours=72), 3, "oem_region"),
)


def escalation_level(opened_at: datetime, now: datetime) -> int:
    """How far an unacknowledged complaint should have climbed: 24 h the service manager, 48 h the general manager,
    72 h the OEM region."""
    return max((level for after, level, _ in ESCALATION if now - opened_at >= after), default=0)


def escalated_to(level: int) -> str:
    return next(who for _, lvl, who in ESCALATION if lvl == level)
