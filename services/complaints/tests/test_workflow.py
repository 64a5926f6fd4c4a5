"""Every legal and illegal step per role, the named supervisor, the reopen window."""

from datetime import UTC, datetime, timedelta

import pytest

from complaints.workflow import (
    STATES,
    STEPS,
    Action,
    allowed_actions,
    is_named_supervisor,
    may,
    possible,
)
from csi_shared.auth import Role

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)

LEGAL = {
    ("open", "acknowledge"): "acknowledged",
    ("acknowledged", "investigate"): "investigating",
    ("investigating", "propose_action"): "action_proposed",
    ("action_proposed", "approve_action"): "action_approved",
    ("action_approved", "resolve"): "resolved",
    ("resolved", "verify"): "verified",
    ("verified", "confirm"): "confirmed",
    ("confirmed", "close"): "closed",
    ("resolved", "reopen"): "investigating",
    ("verified", "reopen"): "investigating",
    ("confirmed", "reopen"): "investigating",
    ("closed", "reopen"): "investigating",
}
WHO = {
    "acknowledge": {Role.SERVICE_ADVISOR, Role.CRA, Role.SERVICE_MANAGER, Role.GENERAL_MANAGER, Role.ADMIN},
    "investigate": {Role.SERVICE_ADVISOR, Role.SERVICE_MANAGER, Role.GENERAL_MANAGER, Role.ADMIN},
    "propose_action": {Role.SERVICE_MANAGER, Role.ADMIN},
    "approve_action": {Role.GENERAL_MANAGER, Role.ADMIN},
    "resolve": {Role.SERVICE_ADVISOR, Role.SERVICE_MANAGER, Role.GENERAL_MANAGER, Role.ADMIN},
    "verify": {Role.GENERAL_MANAGER, Role.ADMIN},
    "confirm": {Role.CRA, Role.ADMIN},
    "close": {Role.CRA, Role.SERVICE_MANAGER, Role.GENERAL_MANAGER, Role.ADMIN},
    "reopen": {Role.CRA, Role.SERVICE_MANAGER, Role.GENERAL_MANAGER, Role.ADMIN},
    "settle_minor": {Role.SERVICE_MANAGER, Role.GENERAL_MANAGER, Role.ADMIN},
    "close_no_contact": {Role.GENERAL_MANAGER, Role.ADMIN},
}


@pytest.mark.parametrize("status", STATES)
@pytest.mark.parametrize("action", list(STEPS))
def test_each_step_from_each_state(status: str, action: str) -> None:
    resolved_at = NOW - timedelta(days=1)
    assert possible(action, status, resolved_at, NOW) == ((status, action) in LEGAL)
    if (status, action) in LEGAL:
        assert STEPS[action].to_state == LEGAL[(status, action)]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(STEPS))
def test_who_may_take_each_step(role: Role, action: str) -> None:
    assert may(role, action) == (role in WHO[action])


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(STEPS))
def test_the_named_supervisor_may_verify_too_and_nothing_more(role: Role, action: str) -> None:
    assert may(role, action, supervisor=True) == (role in WHO[action] or action == "verify")


def test_the_named_supervisor_is_the_user_named_at_approval() -> None:
    assert is_named_supervisor("SA07", "SA07")
    assert is_named_supervisor("SA07", " SA07 ")  # typed with a stray space
    assert not is_named_supervisor("SA07", "sa07")  # user ids are exact
    assert not is_named_supervisor("SA07", None)  # nobody named yet


def test_reopen_only_within_30_days_of_resolving() -> None:
    assert possible("reopen", "closed", NOW - timedelta(days=30), NOW)
    assert not possible("reopen", "closed", NOW - timedelta(days=30, seconds=1), NOW)


def test_allowed_actions_for_the_caller() -> None:
    assert allowed_actions("open", Role.CRA, None, NOW) == ["acknowledge"]
    assert allowed_actions("investigating", Role.CRA, None, NOW) == []
    assert allowed_actions("investigating", Role.SERVICE_MANAGER, None, NOW) == ["propose_action"]
    # The customer is asked only after the corrective actions were checked.
    assert allowed_actions("resolved", Role.CRA, NOW, NOW) == ["reopen"]
    assert allowed_actions("resolved", Role.GENERAL_MANAGER, NOW, NOW) == [Action.VERIFY, Action.REOPEN]
    assert allowed_actions("resolved", Role.SERVICE_ADVISOR, NOW, NOW, supervisor=True) == ["verify"]
    assert allowed_actions("verified", Role.CRA, NOW, NOW) == ["confirm", "reopen"]
    assert allowed_actions("open", Role.OEM_ANALYST, None, NOW) == []


# --- a minor case is answered and closed in one step (issue 26 item 13) ---------------------------


@pytest.mark.parametrize("status", STATES)
def test_a_minor_case_is_settled_in_one_step_until_the_corrective_path_starts(status: str) -> None:
    assert possible("settle_minor", status, None, NOW, severity="minor") == (
        status in {"open", "acknowledged", "investigating"}
    )
    assert STEPS[Action.SETTLE_MINOR].to_state == "closed"


@pytest.mark.parametrize("severity", ["normal", "major", None])
def test_normal_and_major_cases_keep_the_corrective_action_path(severity: str | None) -> None:
    for status in ("open", "acknowledged", "investigating"):
        assert not possible("settle_minor", status, None, NOW, severity=severity)


def test_the_service_manager_is_offered_the_one_step_close_on_a_minor_case() -> None:
    assert allowed_actions("open", Role.SERVICE_MANAGER, None, NOW, severity="minor") == [
        Action.ACKNOWLEDGE,
        Action.SETTLE_MINOR,
    ]
    assert allowed_actions("open", Role.SERVICE_MANAGER, None, NOW, severity="normal") == [Action.ACKNOWLEDGE]
    assert allowed_actions("open", Role.CRA, None, NOW, severity="minor") == [Action.ACKNOWLEDGE]


@pytest.mark.parametrize("status", STATES)
def test_a_case_whose_customer_declined_contact_is_closed_unresolved_before_it_is_resolved(status: str) -> None:
    assert possible("close_no_contact", status, None, NOW, declined=True) == (
        status in {"open", "acknowledged", "investigating", "action_proposed", "action_approved"}
    )
    assert not possible("close_no_contact", status, None, NOW, declined=False)
    assert Action.CLOSE_NO_CONTACT in allowed_actions("open", Role.GENERAL_MANAGER, None, NOW, declined=True)
    assert Action.CLOSE_NO_CONTACT not in allowed_actions("open", Role.SERVICE_MANAGER, None, NOW, declined=True)
