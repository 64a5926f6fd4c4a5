"""Survey links from ROs through the real broker: the page, the answers, the token's life, phone answers."""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from csi_dev.broker import LocalBroker
from csi_dev.testing import read_topic
from csi_shared.events import Topic, parse_event
from survey_api.models import Survey as SurveyRow
from survey_api.privacy.consent import record_opt_out
from survey_api.questionnaires.catalogue import DEFAULT
from tests.conftest import repair_order

from .conftest import Survey

ANSWERS = [
    {"item": "sa_courtesy", "score": 9},
    {"item": "sf_lounge", "score": None},
    {"item": "sq_first_time", "score": 4},
]


OTHER_CUSTOMER = {"name": "韩梅梅", "phone": "+8613900139000"}


def complete(score: int = 8) -> dict[str, Any]:
    """Every item of the questionnaire answered (ANSWERS as they are, N/A where it may be), as the page requires."""
    given = {a["item"]: a for a in ANSWERS}
    return {"answers": [given.get(i.code, {"item": i.code, "score": None if i.na_allowed else score})
                        for i in DEFAULT.items]}  # fmt: skip


async def _post_ro(survey: Survey, **overrides: Any) -> Any:
    response = await survey.client.post(
        "/v1/repair-orders", json=repair_order(**overrides), headers={"X-API-Key": survey.key}
    )
    assert response.status_code in (200, 201), response.text
    return response


async def _token(survey: Survey, ro_number: str = "RO-2026-000123") -> str:
    await survey.app.state.jobs.send_due_invitations()
    return next(i.token for i in survey.notifier.sent if i.ro_number == ro_number)


async def test_a_closed_ro_gets_a_survey_link_that_renders_in_the_asked_language(survey: Survey) -> None:
    await _post_ro(survey)
    invitation = (await _sent(survey))[0]
    assert invitation.customer_phone == "+8613800138000"
    assert invitation.settlement_month == "2026-11"
    assert invitation.expires_at.isoformat() == "2026-12-15T16:00:00+00:00"  # 16 Dec 00:00 Shanghai
    assert invitation.survey_url.endswith(invitation.token)

    page = await survey.client.get(f"/v1/surveys/{invitation.token}", params={"lang": "en"})
    assert page.status_code == 200
    body = page.json()
    assert body["dealer_name"] == "Dealer D001" and body["visit_date"] == "2026-11-02"
    assert len(body["items"]) == 22 and len(body["factors"]) == 5
    assert body["items"][0]["text"] == "How easy it was to book the visit"
    chinese = await survey.client.get(f"/v1/surveys/{invitation.token}", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert chinese.json()["items"][0]["text"] == "预约服务是否方便"


async def _sent(survey: Survey) -> list[Any]:
    await survey.app.state.jobs.send_due_invitations()
    return survey.notifier.sent


async def test_a_token_is_answered_once_and_then_says_so(survey: Survey) -> None:
    await _post_ro(survey)
    token = await _token(survey)
    answer = {**complete(), "overall": 8, "recommend": 9, "return_intent": 9, "comment": "快"}
    first = await survey.client.post(f"/v1/surveys/{token}/responses", json=answer)
    assert first.status_code == 201, first.text
    assert first.json()["settlement_month"] == "2026-11"
    again = await survey.client.post(f"/v1/surveys/{token}/responses", json=answer)
    page = await survey.client.get(f"/v1/surveys/{token}")
    assert again.status_code == page.status_code == 409
    assert again.json()["title"] == "Survey already answered"


async def test_unknown_and_expired_tokens_answer_distinctly(survey: Survey) -> None:
    unknown = await survey.client.get("/v1/surveys/" + "x" * 32)
    assert unknown.status_code == 404
    await _post_ro(survey)
    token = await _token(survey)
    survey.clock.set(survey.clock.now().replace(month=12, day=15, hour=15, minute=59))  # 23:59 on 15 Dec, Shanghai
    assert (await survey.client.get(f"/v1/surveys/{token}")).status_code == 200
    survey.clock.set(survey.clock.now().replace(hour=16, minute=0))  # 16 Dec 00:00 Shanghai: the window has closed
    expired = await survey.client.get(f"/v1/surveys/{token}")
    assert expired.status_code == 410
    assert "closed" in expired.json()["detail"]


async def test_answers_are_checked_item_by_item(survey: Survey) -> None:
    await _post_ro(survey)
    token = await _token(survey)
    bad = {
        "answers": [
            {"item": "nope", "score": 5},
            {"item": "sa_courtesy", "score": None},
            {"item": "sq_first_time", "score": 11},
        ],
        "overall": 8,
        "recommend": 9,
    }
    response = await survey.client.post(f"/v1/surveys/{token}/responses", json=bad)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "answers[2].score"  # the schema's own check comes first
    bad["answers"] = bad["answers"][:2]
    response = await survey.client.post(f"/v1/surveys/{token}/responses", json=bad)
    fields = {e["field"] for e in response.json()["errors"]}
    assert {f for f in fields if f.startswith("answers[")} == {"answers[0].item", "answers[1].score"}
    assert "answers.sq_first_time" in fields  # and every item left out, as the page requires them all
    # A flag or a string is not a score: `true` was stored as 1 (and opened a complaint), "9" read as 9.
    for wrong in (True, "9"):
        typed = await survey.client.post(
            f"/v1/surveys/{token}/responses", json={"answers": [], "overall": wrong, "recommend": 9}
        )
        assert typed.status_code == 422 and typed.json()["errors"][0]["field"] == "overall", typed.text
    # Nothing was recorded: the link still works.
    assert (await survey.client.get(f"/v1/surveys/{token}")).status_code == 200


async def test_the_json_route_applies_the_pages_rules_and_records_the_visit(
    survey: Survey, broker: LocalBroker
) -> None:
    """`answers: []` was accepted and counted, with no timing or network: three integrity signals went blind."""
    await _post_ro(survey)
    token = await _token(survey)
    empty = await survey.client.post(
        f"/v1/surveys/{token}/responses", json={"answers": [], "overall": 9, "recommend": 9}
    )
    assert empty.status_code == 422, empty.text
    missing = {e["field"] for e in empty.json()["errors"]}
    assert missing == {f"answers.{item.code}" for item in DEFAULT.items}
    survey.clock.advance(timedelta(seconds=90))
    full = await survey.client.post(f"/v1/surveys/{token}/responses", json={**complete(), "overall": 9, "recommend": 9},
                                    headers={"User-Agent": "Mozilla/5.0 (iPhone) Safari/604.1"})  # fmt: skip
    assert full.status_code == 201, full.text

    def answered(records: list[Any]) -> Any:
        return next((e for e in map(parse_event, (r.value for r in records)) if e.type == "survey.response_submitted"),
                    None)  # fmt: skip

    records = await read_topic(broker.bootstrap_servers, survey.settings.topic(Topic.SURVEYS), answered)
    submitted = answered(records).payload
    assert submitted.seconds_to_submit is not None and submitted.network_hash is not None
    assert submitted.browser_family is not None


async def test_a_response_reaches_the_wire_with_factors_month_region_and_comment(
    survey: Survey, broker: LocalBroker
) -> None:
    await _post_ro(survey)
    token = await _token(survey)
    answer = {**complete(), "overall": 8, "recommend": 9, "comment": "交车很快"}
    assert (await survey.client.post(f"/v1/surveys/{token}/responses", json=answer)).status_code == 201

    def submitted(records: list[Any]) -> Any:
        return next(
            (e for e in map(parse_event, (r.value for r in records)) if e.type == "survey.response_submitted"), None
        )

    records = await read_topic(broker.bootstrap_servers, survey.settings.topic(Topic.SURVEYS), submitted)
    event = submitted(records)
    payload = event.payload
    assert (payload.dealer.dealer_code, payload.dealer.region, payload.settlement_month) == ("D001", "east", "2026-11")
    assert payload.channel == "web" and payload.comment == "交车很快"
    given = {a["item"] for a in ANSWERS}
    assert [(a.item, a.factor, a.score) for a in payload.answers if a.item in given] == [
        ("sa_courtesy", "service_advisor", 9), ("sf_lounge", "service_facility", None), ("sq_first_time", "service_quality", 4)
    ]  # fmt: skip


async def test_only_the_oem_survey_center_records_phone_answers_never_dealer_staff(survey: Survey) -> None:
    await _post_ro(survey)
    token = await _token(survey)
    body = {"dealer_code": "D001", "ro_number": "RO-2026-000123", "answers": ANSWERS, "overall": 7, "recommend": 6}
    for role in ("cra", "service_advisor", "service_manager", "general_manager"):
        refused = await survey.client.post(
            "/v1/survey-responses", json=body, headers=survey.auth(role, dealers=["D001"])
        )
        assert refused.status_code == 403, role  # a dealer never writes its own score
    as_callback = await survey.client.post(
        "/v1/survey-responses", json={**body, "channel": "callback"}, headers=survey.auth("survey_center")
    )
    assert as_callback.status_code == 422  # no callback channel any more
    west = await survey.client.post(
        "/v1/survey-responses", json=body, headers=survey.auth("survey_center", region="west")
    )
    missing = await survey.client.post(
        "/v1/survey-responses", json={**body, "ro_number": "NOPE"}, headers=survey.auth("survey_center")
    )
    assert west.status_code == missing.status_code == 404
    survey.clock.set(datetime(2026, 11, 16, 1, 0, tzinfo=UTC))  # the survey centre calls from the 16th
    ok = await survey.client.post(
        "/v1/survey-responses", json=body, headers=survey.auth("survey_center", region="east")
    )
    assert ok.status_code == 201 and ok.json()["channel"] == "survey_center"
    # The customer's link is now used up: one response per RO, whatever the channel.
    assert (await survey.client.get(f"/v1/surveys/{token}")).status_code == 409


async def test_the_survey_centre_calls_the_months_customers_who_have_not_answered(survey: Survey) -> None:
    from datetime import UTC, datetime

    await _post_ro(survey)
    await _post_ro(survey, ro_number="RO-2", customer=OTHER_CUSTOMER)  # another customer: no survey fatigue
    await _post_ro(survey, ro_number="RO-3", customer={"name": "韩梅梅", "phone": None})  # no link: nobody to call
    token = await _token(survey, "RO-2")
    answered = {**complete(), "overall": 9, "recommend": 9}
    assert (await survey.client.post(f"/v1/surveys/{token}/responses", json=answered)).status_code == 201
    center = survey.auth("survey_center", region="east")
    early = await survey.client.get("/v1/survey-center/calls", params={"month": "2026-11"}, headers=center)
    assert early.status_code == 200 and early.json()["open"] is False and early.json()["items"] == []
    survey.clock.set(datetime(2026, 11, 16, 1, 0, tzinfo=UTC))  # 16 Nov 09:00 Shanghai: the calls begin
    calls = (await survey.client.get("/v1/survey-center/calls", params={"month": "2026-11"}, headers=center)).json()
    assert calls["open"] is True
    assert [(c["ro_number"], c["phone"]) for c in calls["items"]] == [("RO-2026-000123", "+8613800138000")]
    cra = await survey.client.get("/v1/survey-center/calls", params={"month": "2026-11"},
                                  headers=survey.auth("cra", dealers=["D001"]))  # fmt: skip
    assert cra.status_code == 403
    survey.clock.set(datetime(2026, 12, 15, 16, 0, tzinfo=UTC))  # 16 Dec 00:00 Shanghai: the window has closed
    closed = (await survey.client.get("/v1/survey-center/calls", params={"month": "2026-11"}, headers=center)).json()
    assert closed["items"] == []


async def test_the_survey_centre_calls_and_records_only_what_a_link_could_have_asked(survey: Survey) -> None:
    """Opted out, withheld, no survey at all, or outside the window: never on the call list, never an answer."""
    opted, withheld = {"name": "王五", "phone": "+8613700137000"}, {"name": "赵六", "phone": "+8613600136000"}
    await _post_ro(survey)
    await _post_ro(survey, ro_number="RO-OPTED", customer=opted)
    await _post_ro(survey, ro_number="RO-WITHHELD", customer=withheld)
    await _post_ro(survey, ro_number="RO-NONE", customer={"name": "韩梅梅", "phone": None})  # no link
    async with survey.app.state.runtime.sessions() as session:
        await record_opt_out(session=session, phone=opted["phone"], source="sms_reply", now=survey.clock.now(),
                             phone_salt=survey.settings.phone_salt)  # fmt: skip
        await session.execute(update(SurveyRow).where(SurveyRow.ro_number == "RO-WITHHELD")
                              .values(withheld_reason="survey_fatigue"))  # fmt: skip
        await session.commit()
    center = survey.auth("survey_center", region="east")

    def answer(ro_number: str) -> dict[str, Any]:
        return {"dealer_code": "D001", "ro_number": ro_number, "answers": ANSWERS, "overall": 7, "recommend": 6}

    early = await survey.client.post("/v1/survey-responses", json=answer("RO-2026-000123"), headers=center)
    assert early.status_code == 409 and "16" in early.json()["detail"], early.text  # before the window opens
    survey.clock.set(datetime(2026, 11, 16, 1, 0, tzinfo=UTC))
    calls = (await survey.client.get("/v1/survey-center/calls", params={"month": "2026-11"}, headers=center)).json()
    assert [c["ro_number"] for c in calls["items"]] == ["RO-2026-000123"]
    for ro_number in ("RO-OPTED", "RO-WITHHELD", "RO-NONE"):
        refused = await survey.client.post("/v1/survey-responses", json=answer(ro_number), headers=center)
        assert refused.status_code == 409, (ro_number, refused.text)
    ok = await survey.client.post("/v1/survey-responses", json=answer("RO-2026-000123"), headers=center)
    assert ok.status_code == 201, ok.text
    survey.clock.set(datetime(2026, 12, 15, 16, 0, tzinfo=UTC))  # the window has closed
    late = await survey.client.post("/v1/survey-responses", json=answer("RO-2026-000123"), headers=center)
    assert late.status_code == 409


async def test_a_settlement_corrected_after_the_link_went_out_neither_closes_nor_moves_it(
    survey: Survey, broker: LocalBroker
) -> None:
    async def corrections(n: int) -> list[Any]:
        def enough(records: list[Any]) -> bool:
            return (
                len([e for e in map(parse_event, (r.value for r in records)) if e.type == "repair_order.corrected"])
                >= n
            )

        records = await read_topic(broker.bootstrap_servers, survey.settings.topic(Topic.REPAIR_ORDERS), enough)
        return [e.payload for e in map(parse_event, (r.value for r in records)) if e.type == "repair_order.corrected"]

    await _post_ro(survey)
    token = await _token(survey)
    # Backdated into September: its window closed in October, so the link would answer 410 and the RO leave November.
    await _post_ro(survey, opened_at="2026-09-28T09:10:00+08:00", promised_at=None,
                   settled_at="2026-09-28T16:40:00+08:00")  # fmt: skip
    assert (await survey.client.get(f"/v1/surveys/{token}")).status_code == 200
    async with survey.app.state.runtime.sessions() as session:
        row = (await session.execute(select(SurveyRow))).scalar_one()
    assert row.settlement_month == "2026-11"
    assert [c.settlement_held for c in await corrections(1)] == ["2026-11"]  # recorded, for the integrity signal
    # Before the link goes out a correction still moves it (the DMS putting a slip right).
    await _post_ro(survey, ro_number="RO-2", customer=OTHER_CUSTOMER)
    await _post_ro(survey, ro_number="RO-2", customer=OTHER_CUSTOMER, settled_at="2026-11-02T16:50:00+08:00")
    assert [c.settlement_held for c in await corrections(2)] == ["2026-11", None]


async def test_corrections_do_not_send_a_second_survey(survey: Survey) -> None:
    await _post_ro(survey)
    await _post_ro(survey, mileage_km=23111)
    await _post_ro(survey, ro_number="RO-2", customer=OTHER_CUSTOMER)  # a later RO: the first ones were handled
    await _token(survey, "RO-2")
    assert sorted(i.ro_number for i in survey.notifier.sent) == ["RO-2", "RO-2026-000123"]
