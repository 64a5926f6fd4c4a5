"""Every RO in exactly one survey state, and the rates, on hand-made ROs."""

from datetime import UTC, datetime

from scoring.dispositions import RoFacts, SurveyState, disposition, survey_state

NOW = datetime(2026, 12, 1, tzinfo=UTC)
OPEN_UNTIL = datetime(2026, 12, 15, 16, tzinfo=UTC)
CLOSED_AT = datetime(2026, 11, 15, 16, tzinfo=UTC)
SENT = datetime(2026, 11, 3, 2, tzinfo=UTC)


def ro(**kw: object) -> RoFacts:
    base: dict[str, object] = {"has_phone": True, "no_survey_reason": None, "invited_at": SENT,
                               "link_expires_at": OPEN_UNTIL, "opened_at": None, "callback_status": "completed",
                               "answered_by": None}  # fmt: skip
    base.update(kw)
    return RoFacts(**base)  # type: ignore[arg-type]


def test_each_ro_has_one_state() -> None:
    assert survey_state(ro(), NOW) == (SurveyState.INVITED, None)
    assert survey_state(ro(opened_at=SENT), NOW) == (SurveyState.OPENED, None)
    assert survey_state(ro(opened_at=SENT, link_expires_at=CLOSED_AT), NOW) == (SurveyState.EXPIRED, None)
    assert survey_state(ro(answered_by="web", link_expires_at=CLOSED_AT), NOW) == (SurveyState.ANSWERED_WEB, None)
    assert survey_state(ro(answered_by="survey_center", invited_at=None), NOW)[0] is SurveyState.ANSWERED_SURVEY_CENTER
    assert survey_state(ro(invited_at=None, no_survey_reason="no_phone", has_phone=False), NOW) == (
        SurveyState.NOT_INVITED, "no_phone"
    )  # fmt: skip


def test_the_counts_add_up_to_the_ros_and_give_the_rates() -> None:
    ros = [ro(), ro(opened_at=SENT), ro(answered_by="web"), ro(answered_by="web"), ro(link_expires_at=CLOSED_AT),
           ro(invited_at=None, no_survey_reason="no_phone", has_phone=False, callback_status=None),
           ro(invited_at=None, no_survey_reason="out_of_css_scope", callback_status="declined"),
           ro(answered_by="survey_center", callback_status="unreachable")]  # fmt: skip
    d = disposition(ros, NOW)
    assert d.ros == 8 and sum(d.survey.values()) == 8 and sum(d.callbacks.values()) == 8
    assert d.not_invited == {"no_phone": 1, "out_of_css_scope": 1}
    assert (d.invited, d.answered) == (6, 3)
    assert d.response_rate == 0.5  # 3 answered of 6 invited
    assert d.contact_rate == 0.875  # 7 of 8 with a phone
    assert d.callbacks == {"completed": 5, "none": 1, "declined": 1, "unreachable": 1}
