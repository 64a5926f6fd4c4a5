"""The complaint rules on their own, with hand-computed cases: what opens a case, how severe it is, when it escalates."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from complaints.rules import (
    callback_opens_case,
    case_from_callback,
    case_from_survey,
    complaint_source,
    decide_severity,
    escalation_level,
    escalation_schedule,
    scored_answers,
    survey_opens_case,
)
from csi_shared.auth import Role
from csi_shared.events import ComplaintSource, EscalationKind, EscalationTarget, Severity

from .conftest import callback, survey

# --- what a survey response opens -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("overall", "items", "opens"),
    [
        (5, [9, 8], False),  # neutral overall, nothing dissatisfied: the CRA's follow-up call, not a case
        (6, [9, 8], False),
        (5, [9, 4], True),  # neutral overall, but an item in the dissatisfied levels
        (6, [3], True),
        (9, [4], True),  # an item exactly at the top of the dissatisfied levels
        (9, [5], False),  # an item exactly at the bottom of the neutral levels
        (4, [9], True),  # a dissatisfied overall alone
        (7, [], False),
        (None, [None, 7], False),  # nothing answered low; N/A is not low
        (None, [None, 2], True),
        (1, [None], True),
    ],
)
def test_a_survey_opens_a_case_for_anything_dissatisfied(
    overall: int | None, items: list[int | None], opens: bool
) -> None:
    assert survey_opens_case(items, overall) is opens


def test_the_case_a_survey_opens_names_the_worst_item_and_what_the_customer_said() -> None:
    opening = case_from_survey(survey("s1", 6, {"sq_first_time": 4, "sq_condition": 3, "sq_time": 5}))
    assert opening is not None
    assert opening.category == "service_quality"  # the factor of the lowest item
    assert opening.description == "survey (web): overall 6; low items: sq_first_time=4, sq_condition=3; comment: 太慢了"
    overall_only = case_from_survey(survey("s2", 2, {"sq_first_time": 8}))
    assert overall_only is not None and overall_only.category == "overall_satisfaction"
    assert case_from_survey(survey("s3", 5, {"sq_first_time": 6})) is None


def test_scores_a_callback_published_as_a_survey_open_nothing_of_their_own() -> None:
    # The callback's own `callback.completed` speaks for this customer: one case, not two.
    scores = survey("callback:cb-1", 2, {"callback.repair_quality": 1}).model_copy(update={"channel": "callback"})
    assert case_from_survey(scores) is None


# --- what a callback opens ------------------------------------------------------------------------


def test_scored_answers_are_the_numbers_not_the_yes_no_answers() -> None:
    answers: dict[str, Any] = {
        "visit_satisfaction": 4,
        "earlier_issues_resolved": True,
        "comment": "ok",
        "delivery": None,
    }
    assert scored_answers(answers) == {"visit_satisfaction": 4}


@pytest.mark.parametrize(
    ("answers", "issue", "flagged", "opens"),
    [
        ({"visit_satisfaction": 4}, None, False, True),  # exactly 4: dissatisfied, whatever the producer flagged
        ({"visit_satisfaction": 5, "repair_quality": 6}, None, False, False),  # neutral: no case from complaints
        ({"visit_satisfaction": 9, "reception": 2}, None, False, True),
        ({"visit_satisfaction": 9, "earlier_issues_resolved": False}, None, False, True),
        ({"visit_satisfaction": 9, "earlier_issues_resolved": True}, None, False, False),  # True is no score of 1
        ({"visit_satisfaction": 9, "earlier_issues_resolved": None}, None, False, False),
        ({"visit_satisfaction": 9}, "noise from the brakes", False, True),
        ({"visit_satisfaction": 9}, "   ", False, False),  # a blank issue raised nothing
        ({"visit_satisfaction": 9}, None, True, True),  # the producer's own judgement is honoured
        ({}, None, False, False),
    ],
)
def test_a_callback_opens_a_case_for_a_dissatisfied_answer_an_issue_or_an_unresolved_earlier_issue(
    answers: dict[str, Any], issue: str | None, flagged: bool, opens: bool
) -> None:
    assert callback_opens_case(answers, issue=issue, dissatisfied=flagged) is opens


def test_the_case_a_callback_opens() -> None:
    issue = case_from_callback(callback("cb-1", dissatisfied=False, issue="noise from the brakes"))
    assert issue is not None
    assert (issue.category, issue.description) == ("callback_issue", "callback issue: noise from the brakes")
    low = case_from_callback(callback("cb-2", dissatisfied=False, answers={"visit_satisfaction": 3, "reception": 9}))
    assert low is not None
    assert (low.category, low.description) == ("callback_dissatisfied", "low answers: visit_satisfaction=3")
    unresolved = case_from_callback(
        callback("cb-3", dissatisfied=True, answers={"visit_satisfaction": 8, "earlier_issues_resolved": False})
    )
    assert unresolved is not None and unresolved.description == "earlier issues not resolved"
    assert case_from_callback(callback("cb-4", dissatisfied=False, answers={"visit_satisfaction": 6})) is None


# --- severity -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requested", "category", "source", "comebacks", "severity"),
    [
        (None, "price", ComplaintSource.MANUAL, 0, Severity.NORMAL),
        (Severity.MAJOR, "price", ComplaintSource.MANUAL, 0, Severity.MAJOR),  # staff say so
        (Severity.NORMAL, "safety", ComplaintSource.MANUAL, 0, Severity.MAJOR),  # a major category outranks staff
        (None, "price", ComplaintSource.SURVEY, 1, Severity.NORMAL),
        (None, "price", ComplaintSource.CALLBACK, 2, Severity.MAJOR),  # the car's second comeback
        (None, "price", ComplaintSource.HOTLINE, 0, Severity.MAJOR),  # the customer went to the OEM
        (Severity.MINOR, "price", ComplaintSource.MANUAL, 0, Severity.MINOR),  # staff may call a case minor
        (Severity.MINOR, "safety", ComplaintSource.MANUAL, 0, Severity.MAJOR),  # ... but never a major one
        (Severity.MINOR, "price", ComplaintSource.CALLBACK, 2, Severity.MAJOR),
    ],
)
def test_severity(
    requested: Severity | None, category: str, source: ComplaintSource, comebacks: int, severity: Severity
) -> None:
    assert (
        decide_severity(
            requested=requested, category=category, source=source, comebacks=comebacks, major_categories=["safety"]
        )
        is severity
    )


@pytest.mark.parametrize(
    ("overall", "items", "minor"),
    [
        (8, {"sq_first_time": 4, "sq_time": 9}, True),  # one low item, nothing else
        (6, {"sq_first_time": 3}, True),  # a neutral overall is not a second complaint
        (8, {"sq_first_time": 4, "sq_condition": 3}, False),  # two low items
        (4, {"sq_first_time": 3}, False),  # a low overall as well
        (3, {"sq_first_time": 8}, False),  # a low overall alone
    ],
)
def test_a_survey_case_is_minor_for_one_low_item_and_nothing_else(overall: int, items: dict, minor: bool) -> None:
    opening = case_from_survey(survey("s1", overall, items))
    assert opening is not None and opening.minor is minor


@pytest.mark.parametrize(
    ("answers", "issue", "minor"),
    [
        ({"visit_satisfaction": 4, "reception": 9}, None, True),
        ({"visit_satisfaction": 4, "reception": 2}, None, False),  # two low answers
        ({"visit_satisfaction": 4}, "noise from the brakes", False),  # an issue raised
        ({"visit_satisfaction": 4, "earlier_issues_resolved": False}, None, False),  # an earlier issue unresolved
        ({"visit_satisfaction": 8}, "noise from the brakes", False),
    ],
)
def test_a_callback_case_is_minor_for_one_low_answer_and_nothing_else(
    answers: dict[str, Any], issue: str | None, minor: bool
) -> None:
    opening = case_from_callback(callback("cb-1", dissatisfied=True, issue=issue, answers=answers))
    assert opening is not None and opening.minor is minor


def test_a_case_the_rules_find_minor_is_minor_unless_a_major_rule_applies() -> None:
    def decide(**kw: Any) -> Severity:
        args = {"requested": None, "category": "price", "source": ComplaintSource.SURVEY, "comebacks": 0} | kw
        return decide_severity(**args, major_categories=["safety"], minor=True)

    assert decide() is Severity.MINOR
    assert decide(category="safety") is Severity.MAJOR
    assert decide(comebacks=2) is Severity.MAJOR
    assert decide(requested=Severity.NORMAL) is Severity.NORMAL  # staff may say it is more than minor


# --- escalation -----------------------------------------------------------------------------------

OPENED = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def test_the_first_response_ladder_climbs_a_step_at_a_time_from_the_deadline() -> None:
    schedule = escalation_schedule(EscalationKind.FIRST_RESPONSE, step=timedelta(hours=24))
    assert [(r.level, r.to, r.after_due) for r in schedule] == [
        (1, EscalationTarget.SERVICE_MANAGER, timedelta(0)),
        (2, EscalationTarget.GENERAL_MANAGER, timedelta(hours=24)),
        (3, EscalationTarget.OEM_REGION, timedelta(hours=48)),
    ]


@pytest.mark.parametrize(
    ("hours", "level"), [(0, 0), (23.99, 0), (24, 1), (47.9, 1), (48, 2), (71.9, 2), (72, 3), (500, 3)]
)
def test_default_levels_at_24_48_72_hours(hours: float, level: int) -> None:
    due = OPENED + timedelta(hours=24)  # first_response_hours = 24
    assert (
        escalation_level(
            escalation_schedule(EscalationKind.FIRST_RESPONSE, step=timedelta(hours=24)),
            due,
            OPENED + timedelta(hours=hours),
        )
        == level
    )


@pytest.mark.parametrize(("hours", "level"), [(11.99, 0), (12, 1), (35.99, 1), (36, 2), (59.99, 2), (60, 3), (61, 3)])
def test_a_12_hour_first_response_moves_the_levels_to_12_36_60_hours(hours: float, level: int) -> None:
    due = OPENED + timedelta(hours=12)  # first_response_hours = 12, escalation_step_hours = 24
    assert (
        escalation_level(
            escalation_schedule(EscalationKind.FIRST_RESPONSE, step=timedelta(hours=24)),
            due,
            OPENED + timedelta(hours=hours),
        )
        == level
    )


@pytest.mark.parametrize(("hours", "level"), [(23.99, 0), (24, 1), (29.99, 1), (30, 2), (36, 3)])
def test_a_shorter_step_brings_the_higher_levels_closer(hours: float, level: int) -> None:
    due = OPENED + timedelta(hours=24)  # first_response_hours = 24, escalation_step_hours = 6
    assert (
        escalation_level(
            escalation_schedule(EscalationKind.FIRST_RESPONSE, step=timedelta(hours=6)),
            due,
            OPENED + timedelta(hours=hours),
        )
        == level
    )


def test_the_resolution_ladder_starts_at_the_general_manager() -> None:
    schedule = escalation_schedule(EscalationKind.RESOLUTION, step=timedelta(hours=24))
    assert [(r.level, r.to, r.after_due) for r in schedule] == [
        (2, EscalationTarget.GENERAL_MANAGER, timedelta(0)),
        (3, EscalationTarget.OEM_REGION, timedelta(hours=24)),
    ]


@pytest.mark.parametrize(("days", "level"), [(6.99, 0), (7, 2), (7.99, 2), (8, 3), (30, 3)])
def test_resolution_levels_at_7_and_8_days(days: float, level: int) -> None:
    due = OPENED + timedelta(days=7)  # resolution_target_days = 7, escalation_step_hours = 24
    schedule = escalation_schedule(EscalationKind.RESOLUTION, step=timedelta(hours=24))
    assert escalation_level(schedule, due, OPENED + timedelta(days=days)) == level


@pytest.mark.parametrize(
    ("role", "source"),
    [
        (Role.OEM_ANALYST, ComplaintSource.HOTLINE), (Role.ADMIN, ComplaintSource.HOTLINE),
        (Role.SERVICE_ADVISOR, ComplaintSource.MANUAL), (Role.CRA, ComplaintSource.MANUAL),
        (Role.SERVICE_MANAGER, ComplaintSource.MANUAL), (Role.GENERAL_MANAGER, ComplaintSource.MANUAL),
    ],
)  # fmt: skip
def test_a_case_opened_by_the_oems_staff_is_a_hotline_case(role: Role, source: ComplaintSource) -> None:
    assert complaint_source(role) is source
