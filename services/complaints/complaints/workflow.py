"""The complaint workflow of DOMAIN.md as pure rules: states, steps, and who may take which step when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from csi_shared.auth import Role
from csi_shared.events import Severity

SA, CRA, SM, GM, ADMIN = Role.SERVICE_ADVISOR, Role.CRA, Role.SERVICE_MANAGER, Role.GENERAL_MANAGER, Role.ADMIN


class ComplaintStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    INVESTIGATING = "investigating"
    ACTION_PROPOSED = "action_proposed"
    ACTION_APPROVED = "action_approved"
    RESOLVED = "resolved"
    VERIFIED = "verified"
    CONFIRMED = "confirmed"
    CLOSED = "closed"


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    INVESTIGATE = "investigate"
    PROPOSE_ACTION = "propose_action"
    APPROVE_ACTION = "approve_action"
    RESOLVE = "resolve"
    VERIFY = "verify"
    CONFIRM = "confirm"
    CLOSE = "close"
    REOPEN = "reopen"
    SETTLE_MINOR = "settle_minor"
    CLOSE_NO_CONTACT = "close_no_contact"


S = ComplaintStatus


@dataclass(frozen=True)
class Step:
    from_states: frozenset[ComplaintStatus]
    to_state: ComplaintStatus
    roles: frozenset[Role]


STEPS: dict[Action, Step] = {
    # The first response to the customer stops the first-response clock.
    Action.ACKNOWLEDGE: Step(frozenset({S.OPEN}), S.ACKNOWLEDGED, frozenset({SA, CRA, SM, GM})),
    Action.INVESTIGATE: Step(frozenset({S.ACKNOWLEDGED}), S.INVESTIGATING, frozenset({SA, SM, GM})),
    # The service manager proposes cause, corrective and preventive action (纠正预防措施) ...
    Action.PROPOSE_ACTION: Step(frozenset({S.INVESTIGATING}), S.ACTION_PROPOSED, frozenset({SM})),
    # ... the general manager approves and names who supervises it.
    Action.APPROVE_ACTION: Step(frozenset({S.ACTION_PROPOSED}), S.ACTION_APPROVED, frozenset({GM})),
    Action.RESOLVE: Step(frozenset({S.ACTION_APPROVED}), S.RESOLVED, frozenset({SA, SM, GM})),
    # The general manager (or the supervisor named at approval, see `may`) checks the corrective actions were carried
    # out before the customer is asked [002]: nobody confirms a fix that was never made.
    Action.VERIFY: Step(frozenset({S.RESOLVED}), S.VERIFIED, frozenset({GM})),
    # A CRA records that the customer is satisfied.
    Action.CONFIRM: Step(frozenset({S.VERIFIED}), S.CONFIRMED, frozenset({CRA})),
    Action.CLOSE: Step(frozenset({S.CONFIRMED}), S.CLOSED, frozenset({CRA, SM, GM})),
    Action.REOPEN: Step(
        frozenset({S.RESOLVED, S.VERIFIED, S.CONFIRMED, S.CLOSED}), S.INVESTIGATING, frozenset({CRA, SM, GM})
    ),
    # A minor case (one low item, nothing else) is answered and closed by the service manager in one step, with the
    # response recorded (issue 26). Not once a corrective action is proposed: that path is then under way. The
    # general manager, above him, may too. Only for minor cases: see `possible`.
    Action.SETTLE_MINOR: Step(frozenset({S.OPEN, S.ACKNOWLEDGED, S.INVESTIGATING}), S.CLOSED, frozenset({SM, GM})),
    # A customer who declined contact cannot be answered or asked to confirm: the general manager closes the case with
    # a reason, unresolved, and the report counts it apart (issue 26). Only when the customer declined: see `possible`.
    Action.CLOSE_NO_CONTACT: Step(
        frozenset({S.OPEN, S.ACKNOWLEDGED, S.INVESTIGATING, S.ACTION_PROPOSED, S.ACTION_APPROVED}),
        S.CLOSED,
        frozenset({GM}),
    ),
}
STATES = tuple(ComplaintStatus)
REOPEN_WINDOW = timedelta(days=30)


def is_named_supervisor(subject: str, supervisor: str | None) -> bool:
    """Whether the caller is the supervisor the general manager named at `approve_action` (by their user id)."""
    return supervisor is not None and subject == supervisor.strip()


def may(role: Role, action: Action | str, *, supervisor: bool = False, resolver: bool = False) -> bool:
    """Whether this role may take the step; `supervisor`: the caller is the case's named supervisor, who may verify;
    `resolver`: the caller marked the fix made, and nobody checks their own work."""
    if resolver and action == Action.VERIFY:
        return False
    return role is ADMIN or role in STEPS[Action(action)].roles or (supervisor and action == Action.VERIFY)


def possible(
    action: Action | str, status: str, resolved_at: datetime | None, now: datetime, *, severity: str | None = None,
    declined: bool = False,
) -> bool:  # fmt: skip
    """Whether the step can be taken from this state now, whoever asks; `severity` the case's, `declined`: the customer
    declined contact."""
    step = STEPS[Action(action)]
    if status not in step.from_states:
        return False
    if action == Action.SETTLE_MINOR:
        return severity == Severity.MINOR
    if action == Action.CLOSE_NO_CONTACT:
        return declined
    if action == Action.REOPEN:
        return resolved_at is not None and now - resolved_at <= REOPEN_WINDOW
    return True


def allowed_actions(
    status: str, role: Role, resolved_at: datetime | None, now: datetime, *, supervisor: bool = False,
    resolver: bool = False, severity: str | None = None, declined: bool = False,
) -> list[Action]:  # fmt: skip
    """The steps this caller may take now."""
    return [a for a in STEPS
            if may(role, a, supervisor=supervisor, resolver=resolver)
            and possible(a, status, resolved_at, now, severity=severity, declined=declined)]  # fmt: skip
