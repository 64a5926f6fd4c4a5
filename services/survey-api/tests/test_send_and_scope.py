"""When a link goes out, which ROs get one (the CSS scope), and how a correction moves the survey (DOMAIN.md)."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from csi_dev.testing import POSTGRES_ONLY
from survey_api.jobs import Jobs
from survey_api.models import Survey as SurveyRow
from tests.conftest import repair_order

from .conftest import Survey

RO = "RO-2026-000123"


async def _post(survey: Survey, **overrides: Any) -> dict[str, Any]:
    response = await survey.client.post(
        "/v1/repair-orders", json=repair_order(**overrides), headers={"X-API-Key": survey.key}
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


async def _survey_row(survey: Survey) -> SurveyRow:
    async with survey.app.state.runtime.sessions() as session:
        return (await session.execute(select(SurveyRow))).scalar_one()


async def _send(survey: Survey) -> list[str]:
    await survey.app.state.jobs.send_due_invitations()
    return [i.ro_number for i in survey.notifier.sent]


async def test_the_link_goes_out_the_day_after_delivery_at_ten_dealer_time_once(survey: Survey) -> None:
    survey.clock.set(datetime(2026, 11, 2, 10, 0, tzinfo=UTC))  # 2 Nov 18:00 Shanghai, just after delivery
    await _post(survey)
    assert (await _survey_row(survey)).send_at == datetime(2026, 11, 3, 2, 0, tzinfo=UTC)  # 3 Nov 10:00 Shanghai
    assert await _send(survey) == []  # not at intake
    survey.clock.set(datetime(2026, 11, 3, 1, 59, tzinfo=UTC))
    assert await _send(survey) == []
    survey.clock.set(datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
    assert await _send(survey) == [RO]
    assert await _send(survey) == [RO]  # sent once


@POSTGRES_ONLY
async def test_two_senders_at_once_send_each_link_once(survey: Survey) -> None:
    for n in range(5):
        await _post(survey, ro_number=f"RO-{n}", customer={"name": "李雷", "phone": f"+861380013800{n}"})
    jobs = survey.app.state.jobs
    other = Jobs(settings=survey.settings, sessions=jobs.sessions, clock=survey.clock, channel=survey.notifier,
                 outbox=jobs.outbox)  # fmt: skip
    counts = await asyncio.gather(jobs.send_due_invitations(), other.send_due_invitations())
    assert sum(counts) == 5 and sorted(await _send(survey)) == [f"RO-{n}" for n in range(5)]


async def test_a_failing_gateway_is_retried_with_backoff(survey: Survey) -> None:
    await _post(survey)

    class Down:
        async def send(self, message: Any) -> None:
            raise ConnectionError("gateway down")

    jobs = survey.app.state.jobs
    jobs.channel = Down()
    assert await jobs.send_due_invitations() == 0
    jobs.channel = survey.notifier
    assert await jobs.send_due_invitations() == 0  # the retry waits a minute
    survey.clock.advance(timedelta(minutes=1))
    assert await jobs.send_due_invitations() == 1 and await _send(survey) == [RO]


async def test_an_ro_opened_before_month_n_minus_2_gets_its_callback_but_no_survey(survey: Survey) -> None:
    # settled 2 Nov: the CSS of November covers cars that came in from 1 September on
    body = await _post(survey, opened_at="2026-08-31T23:50:00+08:00")
    assert body["no_survey_reason"] == "out_of_css_scope"
    ro = await survey.client.get(f"/v1/repair-orders/D001/{RO}", headers=survey.auth("cra", dealers=["D001"]))
    assert ro.json()["no_survey_reason"] == "out_of_css_scope"
    inside = await _post(survey, ro_number="RO-2", opened_at="2026-09-01T00:00:00+08:00")
    assert inside["no_survey_reason"] is None
    no_phone = await _post(survey, ro_number="RO-3", customer={"name": "李雷", "phone": None})
    assert no_phone["no_survey_reason"] == "no_phone"


# Settled on the last day of November, delivered in December (a car that waited for a part): November's survey.
LATE_DELIVERY = {"opened_at": "2026-11-30T09:00:00+08:00", "promised_at": "2026-11-30T17:00:00+08:00",
                 "settled_at": "2026-11-30T16:00:00+08:00"}  # fmt: skip


async def test_an_ro_posted_after_its_window_closed_gets_no_survey(survey: Survey) -> None:
    survey.clock.set(datetime(2026, 12, 16, 0, 0, tzinfo=UTC))  # 16 Dec 08:00 Shanghai: November's window closed
    body = await _post(survey, **LATE_DELIVERY, delivered_at="2026-12-05T10:00:00+08:00")  # 11 days: not history
    assert body["no_survey_reason"] == "window_closed"


async def test_a_link_whose_send_time_falls_after_the_window_gets_no_survey(survey: Survey) -> None:
    # Delivered on 15 Dec (the window of November closes at 00:00 on 16 Dec, Shanghai): the link would go out on
    # 16 Dec at 10:00, after the close, and never be sent. None is made, and the reason is recorded.
    survey.clock.set(datetime(2026, 12, 15, 5, 0, tzinfo=UTC))  # 15 Dec 13:00 Shanghai: the window is still open
    late = await _post(survey, **LATE_DELIVERY, delivered_at="2026-12-15T12:00:00+08:00")
    assert late["no_survey_reason"] == "window_closed"
    # Delivered on 14 Dec: sent on 15 Dec at 10:00, before the close. 15 Dec 10:00 Shanghai is 02:00 UTC.
    in_time = await _post(survey, ro_number="RO-2", **LATE_DELIVERY, delivered_at="2026-12-14T12:00:00+08:00")
    assert in_time["no_survey_reason"] is None
    assert (await _survey_row(survey)).send_at.isoformat() == "2026-12-15T02:00:00+00:00"


async def test_an_ro_delivered_more_than_14_days_before_it_arrives_is_history(survey: Survey) -> None:
    # The clock: 3 Nov 17:00 Shanghai. Delivered 20 Oct 16:59 is 14 days and 1 minute before: history, no survey
    # (and callback-scheduler plans no callback from the event's reason). Delivered 20 Oct 17:00 is exactly 14 days:
    # not more than 14, so not history.
    october = {"opened_at": "2026-10-20T09:00:00+08:00", "promised_at": "2026-10-20T17:00:00+08:00",
               "settled_at": "2026-10-20T16:00:00+08:00"}  # fmt: skip
    old = await _post(survey, **october, delivered_at="2026-10-20T16:59:00+08:00")
    assert old["no_survey_reason"] == "historic"
    edge = await _post(survey, ro_number="RO-2", **october, delivered_at="2026-10-20T17:00:00+08:00")
    assert edge["no_survey_reason"] is None
    # A customer without a phone is no_phone first, history or not.
    assert (await _post(survey, ro_number="RO-3", **october, delivered_at="2026-10-20T12:00:00+08:00",
                        customer={"name": "李雷", "phone": None}))["no_survey_reason"] == "no_phone"  # fmt: skip


async def test_a_corrected_settlement_across_the_month_edge_moves_the_survey(survey: Survey) -> None:
    survey.clock.set(datetime(2026, 11, 30, 16, 0, tzinfo=UTC))  # 1 Dec 00:00 Shanghai
    edge = {"opened_at": "2026-11-30T09:00:00+08:00", "promised_at": "2026-11-30T18:00:00+08:00",
            "delivered_at": "2026-11-30T23:50:00+08:00"}  # fmt: skip
    await _post(survey, settled_at="2026-11-30T23:40:00+08:00", **edge)
    before = await _survey_row(survey)
    await _post(survey, settled_at="2026-12-01T00:10:00+08:00", **{**edge, "delivered_at": "2026-12-01T00:20:00+08:00"})
    after = await _survey_row(survey)
    assert [(row.settlement_month, row.expires_at.isoformat(), row.send_at.isoformat()) for row in (before, after)] == [
        ("2026-11", "2026-12-15T16:00:00+00:00", "2026-12-01T02:00:00+00:00"),
        ("2026-12", "2027-01-15T16:00:00+00:00", "2026-12-02T02:00:00+00:00"),  # December's window; a day later
    ]
    assert before.id == after.id  # the same link
    survey.clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    assert await _send(survey) == []  # the old send time no longer holds
    survey.clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    assert await _send(survey) == [RO]
    assert survey.notifier.sent[0].settlement_month == "2026-12"


async def test_a_correction_that_adds_the_phone_brings_the_survey(survey: Survey) -> None:
    assert (await _post(survey, customer={"name": "李雷", "phone": None}))["no_survey_reason"] == "no_phone"
    fixed = await _post(survey)
    assert fixed["no_survey_reason"] is None
    assert await _send(survey) == [RO]


async def test_links_go_only_to_mobile_numbers_of_the_brands_regions(survey: Survey) -> None:
    phones = {"RO-MOBILE": "+8613800138000", "RO-LANDLINE": "+861062345678", "RO-SATELLITE": "+881612345678",
              "RO-US": "+12025550123"}  # fmt: skip
    for ro, phone in phones.items():
        await _post(survey, ro_number=ro, customer={"name": "李雷", "phone": phone})
    survey.clock.set(datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
    assert await _send(survey) == ["RO-MOBILE"]
    for ro in ("RO-LANDLINE", "RO-SATELLITE", "RO-US"):
        response = await survey.client.get(f"/v1/repair-orders/D001/{ro}", headers={"X-API-Key": survey.key})
        assert response.json()["no_survey_reason"] == "not_mobile", ro


async def test_a_dealer_sends_at_most_its_daily_cap_of_invitations(survey: Survey) -> None:
    jobs = survey.app.state.jobs
    capped = Jobs(settings=survey.settings.model_copy(update={"survey_sms_daily_cap": 2}), sessions=jobs.sessions,
                  clock=survey.clock, channel=survey.notifier, outbox=jobs.outbox)  # fmt: skip
    for n in range(3):
        await _post(survey, ro_number=f"RO-{n}", customer={"name": "李雷", "phone": f"+861380013800{n}"})
    survey.clock.set(datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
    await capped.send_due_invitations()
    assert len(survey.notifier.sent) == 2
    refused = await survey.client.get("/v1/repair-orders/D001/RO-2", headers={"X-API-Key": survey.key})
    assert refused.json()["no_survey_reason"] == "daily_cap"
    # The next local day the dealer may send again.
    await _post(survey, ro_number="RO-3", customer={"name": "李雷", "phone": "+8613800138003"},
                delivered_at="2026-11-03T17:05:00+08:00", settled_at="2026-11-03T16:40:00+08:00")  # fmt: skip
    survey.clock.set(datetime(2026, 11, 4, 2, 0, tzinfo=UTC))
    await capped.send_due_invitations()
    assert len(survey.notifier.sent) == 3
