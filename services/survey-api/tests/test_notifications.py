"""Reaching customers (issue 18): send times and quiet hours across time zones, one reminder, survey fatigue,
opt-out across dealers, the signed webhooks, and exact counts against a real gateway simulator on loopback under
failures, timeouts, slow answers, duplicate receipts and a sender that dies mid-send."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from csi_dev.broker import LocalBroker
from csi_dev.sms_gateway import GatewaySimulator, running_gateway
from csi_dev.testing import Databases, bearer, make_settings, serve
from csi_shared.auth import Role
from csi_shared.clock import FrozenClock
from survey_api.app import create_app
from survey_api.config import Settings
from survey_api.dealers.service import create_api_key
from survey_api.models import NotificationMessage, SurveyOptOut, outbox
from survey_api.notifications.channels import OutgoingMessage
from survey_api.notifications.rules import (
    PhoneSurvey,
    QuietHours,
    is_stop_reply,
    retry_delay,
    sms_text,
    withheld_for_fatigue,
)
from survey_api.privacy.consent import opted_out_phones
from survey_api.questionnaires.catalogue import DEFAULT
from survey_api.spec import SERVICE
from tests.conftest import repair_order

SECRET = b"gateway-test-secret"
SHANGHAI, BERLIN = ZoneInfo("Asia/Shanghai"), ZoneInfo("Europe/Berlin")
LI, HAN = "+8613800138000", "+8613900139000"
ANSWERED = {"answers": [{"item": i.code, "score": None if i.na_allowed else 9} for i in DEFAULT.items],
            "overall": 9, "recommend": 9}  # fmt: skip
"""Every item answered, as the page (and its JSON twin) require."""


# --- the rules, by hand -------------------------------------------------------------------------------------------


def test_quiet_hours_are_local_and_end_in_the_morning() -> None:
    quiet = QuietHours(time(21), time(9))
    late = datetime(2026, 11, 2, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai, 16:30 in Berlin
    assert quiet.contains(late, SHANGHAI) and not quiet.contains(late, BERLIN)
    assert quiet.next_allowed(late, SHANGHAI) == datetime(2026, 11, 3, 1, 0, tzinfo=UTC)  # 09:00 the next day
    early = datetime(2026, 11, 2, 22, 0, tzinfo=UTC)  # 06:00 on 3 Nov in Shanghai: the same morning
    assert quiet.next_allowed(early, SHANGHAI) == datetime(2026, 11, 3, 1, 0, tzinfo=UTC)
    assert quiet.next_allowed(late, BERLIN) == late
    assert quiet.contains(datetime(2026, 11, 2, 20, 0, tzinfo=UTC), BERLIN)  # 21:00 Berlin: quiet begins
    assert not QuietHours(time(9), time(9)).contains(late, SHANGHAI)  # equal bounds: no quiet hours


def test_the_latest_ro_of_a_customer_wins_within_thirty_days() -> None:
    now = datetime(2026, 11, 3, 2, tzinfo=UTC)
    first = PhoneSurvey("a", datetime(2026, 11, 1, tzinfo=UTC), "D001/RO-1", None, True)
    later = PhoneSurvey("b", datetime(2026, 11, 2, tzinfo=UTC), "D002/RO-9", None, True)
    assert withheld_for_fatigue(first, [first, later], now, 30)
    assert not withheld_for_fatigue(later, [first, later], now, 30)
    invited = PhoneSurvey("c", datetime(2026, 10, 1, tzinfo=UTC), "D001/RO-0", now - timedelta(days=29), False)
    assert withheld_for_fatigue(later, [later, invited], now, 30)
    long_ago = PhoneSurvey("c", datetime(2026, 10, 1, tzinfo=UTC), "D001/RO-0", now - timedelta(days=30), False)
    assert not withheld_for_fatigue(later, [later, long_ago], now, 30)
    assert not withheld_for_fatigue(first, [first, later], now, 0)


def test_stop_replies_in_both_languages() -> None:
    assert all(
        is_stop_reply(t) for t in ("TD", "td", " T D ", "退订", "STOP", "Stop.", "unsubscribe", "ＴＤ", "TD\u200b")
    )
    assert not any(is_stop_reply(t) for t in ("好的", "stop calling me at work", "10"))


def test_a_chinese_sms_fits_one_segment_with_the_dealer_name_and_how_to_stop() -> None:
    url = "https://c.cn/s/" + "x" * 32  # a short link domain, as production configures it
    text = sms_text(language="zh-CN", dealer_name="上海浦东汽车销售服务有限公司第二分公司", url=url, reminder=False)
    assert len(text) <= 70 and text.endswith("回复TD退订") and url in text and text.startswith("【上海浦东")
    long_link = sms_text(language="zh-CN", dealer_name="浦东汽车", url="http://127.0.0.1:8001/s/" + "x" * 32,
                         reminder=False)  # fmt: skip
    assert long_link.startswith("【浦东汽车】")  # two segments anyway: the name is not cut for nothing
    reminder = sms_text(language="zh-CN", dealer_name="浦东汽车", url=url, reminder=True)
    assert len(reminder) <= 70 and "【浦东汽车】提醒" in reminder
    english = sms_text(language="en", dealer_name="Pudong Motors", url=url, reminder=False)
    assert "Pudong Motors" in english and "Reply STOP" in english and len(english) <= 160


def test_retries_back_off_doubling_and_capped() -> None:
    assert [retry_delay(n, 60).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]
    assert retry_delay(20, 60) == timedelta(hours=1)


# --- against the gateway simulator ----------------------------------------------------------------------------------


@dataclass
class Sending:
    client: httpx.AsyncClient
    app: Any
    settings: Settings
    keys: dict[str, str]
    clock: FrozenClock
    gateway: GatewaySimulator

    async def post(self, dealer: str = "D001", **overrides: Any) -> dict[str, Any]:
        response = await self.client.post("/v1/repair-orders", json=repair_order(dealer, **overrides),
                                          headers={"X-API-Key": self.keys[dealer]})  # fmt: skip
        assert response.status_code in (200, 201), response.text
        return response.json()

    async def run(self) -> int:
        return int(await self.app.state.jobs.send_due_invitations())

    async def ro(self, dealer: str, ro_number: str) -> dict[str, Any]:
        headers = bearer(Role.CRA, dealers=[dealer], settings=self.settings)
        return (await self.client.get(f"/v1/repair-orders/{dealer}/{ro_number}", headers=headers)).json()

    async def webhook(self, path: str, request: dict[str, Any]) -> httpx.Response:
        return await self.client.post(f"/v1/notifications/{path}", **request)

    def now_ts(self) -> int:
        return int(self.clock.now().timestamp())

    async def messages(self) -> list[NotificationMessage]:
        async with self.app.state.runtime.sessions() as session:
            return list((await session.execute(select(NotificationMessage).order_by(NotificationMessage.id))).scalars())

    async def withheld_events(self) -> list[str]:
        async with self.app.state.runtime.sessions() as session:
            rows = (await session.execute(select(outbox.c.event_type, outbox.c.body).order_by(outbox.c.id))).all()
        return [json.loads(r.body)["payload"]["reason"] for r in rows if r.event_type == "survey.withheld"]


@pytest.fixture
async def sending(backend: str, databases: Databases, broker: LocalBroker, topic_prefix: str) -> AsyncIterator[Sending]:
    async with running_gateway(SECRET, slow_s=0.5) as gateway:
        settings = make_settings(
            Settings, database_url=databases.url(backend, "survey-api", SERVICE.migrations_dir), broker=broker,
            topic_prefix=topic_prefix, notifier="gateway", sms_gateway_url=gateway.url,
            sms_gateway_secret=SECRET.decode(), sms_gateway_timeout_s=0.2, run_relay=False, run_consumers=False, run_jobs=False,
            survey_url_template="https://c.cn/s/{token}",
        )  # fmt: skip
        clock = FrozenClock(datetime(2026, 11, 2, 10, 0, tzinfo=UTC))  # 18:00 in Shanghai, after the deliveries
        app = create_app(settings, clock=clock)
        async with serve(app) as client:
            keys = {}
            for code, tz in (("D001", "Asia/Shanghai"), ("D002", "Asia/Shanghai"), ("B001", "Europe/Berlin")):
                body = {"name": f"车行{code}", "region": "east", "time_zone": tz}
                admin = bearer(Role.ADMIN, settings=settings)
                assert (await client.put(f"/v1/dealers/{code}", json=body, headers=admin)).status_code == 201
                async with app.state.runtime.sessions() as session:
                    keys[code] = await create_api_key(session=session, dealer_code=code, pepper="test-pepper")
                    await session.commit()
            yield Sending(client, app, settings, keys, clock, gateway)


async def test_links_go_out_at_ten_local_never_in_quiet_hours_across_time_zones(sending: Sending) -> None:
    # Delivered on 1 Nov: both links were due on 2 Nov at 10:00 local; the ROs arrive late, at 15:30 UTC.
    sending.clock.set(datetime(2026, 11, 2, 15, 30, tzinfo=UTC))  # 23:30 in Shanghai, 16:30 in Berlin
    await sending.post("D001", delivered_at="2026-11-01T17:05:00+08:00", settled_at="2026-11-01T16:40:00+08:00",
                       opened_at="2026-11-01T09:10:00+08:00", promised_at=None)  # fmt: skip
    await sending.post("B001", delivered_at="2026-11-01T17:05:00+01:00", settled_at="2026-11-01T16:40:00+01:00",
                       opened_at="2026-11-01T09:10:00+01:00", promised_at=None, customer={"name": "Ann", "phone": HAN})  # fmt: skip
    assert await sending.run() == 1 and [s.to for s in sending.gateway.sent] == [HAN]  # Berlin's afternoon
    sending.clock.set(datetime(2026, 11, 3, 0, 59, tzinfo=UTC))  # 08:59 in Shanghai
    assert await sending.run() == 0
    sending.clock.set(datetime(2026, 11, 3, 1, 0, tzinfo=UTC))  # 09:00: the quiet hours are over
    assert await sending.run() == 1 and [s.to for s in sending.gateway.sent] == [HAN, LI]
    assert sending.gateway.sent[1].text.startswith("【车行D001】邀您评价本次服务https://c.cn/s/")


async def test_one_reminder_after_three_days_and_none_after_the_answer(sending: Sending) -> None:
    await sending.post("D001")
    await sending.post("D002", ro_number="RO-2", customer={"name": "韩梅梅", "phone": HAN})
    sending.clock.set(datetime(2026, 11, 3, 2, 0, tzinfo=UTC))  # 3 Nov 10:00 Shanghai
    assert await sending.run() == 2
    li = sending.gateway.to(LI)[0]
    token = li.text.split("/s/")[1].split(" ")[0]
    answers = ANSWERED
    assert (await sending.client.post(f"/v1/surveys/{token}/responses", json=answers)).status_code == 201
    sending.clock.set(datetime(2026, 11, 6, 1, 59, tzinfo=UTC))
    assert await sending.run() == 0
    sending.clock.set(datetime(2026, 11, 6, 2, 0, tzinfo=UTC))  # three days after
    assert await sending.run() == 1
    assert len(sending.gateway.to(LI)) == 1  # answered: no reminder
    assert ["提醒" in s.text for s in sending.gateway.to(HAN)] == [False, True]
    sending.clock.advance(timedelta(days=4))
    assert await sending.run() == 0 and len(sending.gateway.sent) == 3  # one reminder, ever


async def test_reminders_can_be_switched_off(sending: Sending) -> None:
    sending.app.state.jobs.settings = sending.settings.model_copy(update={"reminder_after_days": 0})
    await sending.post("D001")
    sending.clock.set(datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
    assert await sending.run() == 1
    sending.clock.advance(timedelta(days=5))
    assert await sending.run() == 0


async def test_one_survey_per_customer_in_thirty_days_across_dealers_the_latest_ro_wins(sending: Sending) -> None:
    sending.app.state.jobs.settings = sending.settings.model_copy(update={"reminder_after_days": 0})
    sending.clock.set(datetime(2026, 11, 3, 12, 0, tzinfo=UTC))  # 20:00 Shanghai on 3 Nov
    await sending.post("D001", ro_number="RO-1", delivered_at="2026-11-01T17:05:00+08:00",
                       settled_at="2026-11-01T16:40:00+08:00", opened_at="2026-11-01T09:10:00+08:00", promised_at=None)  # fmt: skip
    await sending.post("D002", ro_number="RO-2")  # delivered 2 Nov: the latest RO of the same phone
    assert await sending.run() == 1
    [sms] = sending.gateway.sent
    assert sms.to == LI and sms.text.startswith("【车行D002】")
    assert (await sending.ro("D001", "RO-1"))["no_survey_reason"] == "survey_fatigue"
    assert (await sending.ro("D002", "RO-2"))["no_survey_reason"] is None
    assert await sending.withheld_events() == ["survey_fatigue"]
    # 12 days later, another visit: still within 30 days of the last survey
    sending.clock.set(datetime(2026, 11, 15, 4, 0, tzinfo=UTC))
    await sending.post("D001", ro_number="RO-3", delivered_at="2026-11-14T17:05:00+08:00",
                       settled_at="2026-11-14T16:40:00+08:00", opened_at="2026-11-14T09:10:00+08:00", promised_at=None)  # fmt: skip
    assert await sending.run() == 0
    assert (await sending.ro("D001", "RO-3"))["no_survey_reason"] == "survey_fatigue"
    assert len(sending.gateway.to(LI)) == 1


async def test_a_stop_reply_opts_the_phone_out_at_every_dealer(sending: Sending) -> None:
    await sending.post("D001")
    sending.clock.set(datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
    assert await sending.run() == 1
    reply = await sending.webhook("inbound", sending.gateway.reply("138 0013 8000", "TD", sending.now_ts()))
    assert reply.status_code == 200 and reply.json() == {"opted_out": True}
    other = await sending.webhook("inbound", sending.gateway.reply(HAN, "谢谢", sending.now_ts()))
    assert other.json() == {"opted_out": False}
    sending.clock.advance(timedelta(days=3))
    assert await sending.run() == 0  # no reminder after the opt-out
    sending.clock.set(datetime(2026, 12, 20, 4, 0, tzinfo=UTC))  # long after the fatigue window, at another dealer
    await sending.post("D002", ro_number="RO-9", delivered_at="2026-12-19T17:05:00+08:00",
                       settled_at="2026-12-19T16:40:00+08:00", opened_at="2026-12-19T09:10:00+08:00", promised_at=None)  # fmt: skip
    sending.clock.set(datetime(2026, 12, 20, 4, 0, tzinfo=UTC))
    assert await sending.run() == 0 and len(sending.gateway.sent) == 1
    assert (await sending.ro("D002", "RO-9"))["no_survey_reason"] == "opted_out"


async def test_an_opt_out_is_in_the_consent_history_and_outlives_the_persons_erasure(sending: Sending) -> None:
    await sending.post("D001")
    sending.clock.set(datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
    assert await sending.run() == 1
    await sending.webhook("inbound", sending.gateway.reply(LI, "退订", sending.now_ts()))
    officer = bearer(Role.PRIVACY_OFFICER, settings=sending.settings)
    history = await sending.client.post("/v1/privacy/consent-history", json={"phone": LI}, headers=officer)
    assert history.status_code == 200, history.text
    survey = history.json()["current"]["survey"]
    assert (survey["granted"], survey["source"]) == (False, "sms_reply")

    erased = await sending.client.post("/v1/privacy/erasure-requests", json={"phone": LI}, headers=officer)
    assert erased.status_code == 202, erased.text
    async with sending.app.state.runtime.sessions() as session:
        opt_outs = list((await session.execute(select(SurveyOptOut.phone))).scalars())
        recipients = set((await session.execute(select(NotificationMessage.recipient))).scalars())
    assert len(opt_outs) == 1 and opt_outs[0].startswith("#") and LI not in opt_outs[0]
    assert LI not in recipients
    # The customer comes back months later at another dealer, under the same number: still no survey.
    sending.clock.set(datetime(2027, 3, 2, 4, 0, tzinfo=UTC))
    await sending.post("D002", ro_number="RO-9", delivered_at="2027-03-01T17:05:00+08:00",
                       settled_at="2027-03-01T16:40:00+08:00", opened_at="2027-03-01T09:10:00+08:00", promised_at=None)  # fmt: skip
    assert await sending.run() == 0 and len(sending.gateway.sent) == 1
    assert (await sending.ro("D002", "RO-9"))["no_survey_reason"] == "opted_out"


async def test_a_number_that_is_nobodys_yet_opts_out_and_the_privacy_officer_sees_and_lifts_it(
    sending: Sending,
) -> None:
    stranger = "+8613600136000"
    reply = await sending.webhook("inbound", sending.gateway.reply(stranger, "TD", sending.now_ts()))
    assert reply.json() == {"opted_out": True}
    officer = bearer(Role.PRIVACY_OFFICER, settings=sending.settings)
    history = await sending.client.post("/v1/privacy/consent-history", json={"phone": stranger}, headers=officer)
    assert [(h["kind"], h["granted"], h["source"]) for h in history.json()["history"]] == [
        ("survey", False, "sms_reply")
    ]
    await sending.post("D001", customer={**repair_order()["customer"], "phone": stranger})  # the number's first visit
    sending.clock.set(datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
    assert await sending.run() == 0
    lifted = await sending.client.post("/v1/privacy/survey-consent", json={"phone": stranger, "surveys": True},
                                       headers=officer)  # fmt: skip
    assert lifted.status_code == 200, lifted.text
    surveys = [(h["granted"], h["source"]) for h in lifted.json()["history"] if h["kind"] == "survey"]
    assert surveys == [(False, "sms_reply"), (True, "privacy_officer")]
    nobody = await sending.client.post("/v1/privacy/survey-consent", json={"phone": "+8613300133000", "surveys": False},
                                       headers=officer)  # fmt: skip
    assert nobody.status_code == 200 and nobody.json()["current"]["survey"]["granted"] is False


async def test_the_privacy_officers_opt_out_stops_the_sender_and_opting_back_in_resumes(sending: Sending) -> None:
    await sending.post("D001")
    officer = bearer(Role.PRIVACY_OFFICER, settings=sending.settings)
    wish = await sending.client.post(
        "/v1/privacy/survey-consent", json={"phone": LI, "surveys": False}, headers=officer
    )
    assert wish.status_code == 200, wish.text
    sending.clock.set(datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
    assert await sending.run() == 0
    back = await sending.client.post("/v1/privacy/survey-consent", json={"phone": LI, "surveys": True}, headers=officer)
    assert back.status_code == 200, back.text
    await sending.post("D002", ro_number="RO-9")
    assert await sending.run() == 1 and [m.to for m in sending.gateway.sent] == [LI]


async def test_the_survey_page_link_opts_the_phone_out(sending: Sending) -> None:
    await sending.post("D001")
    sending.clock.set(datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
    await sending.run()
    token = sending.gateway.sent[0].text.split("/s/")[1].split(" ")[0]
    page = await sending.client.get(f"/s/{token}")
    assert f'action="/s/{token}/opt-out"' in page.text
    stop = await sending.client.post(f"/s/{token}/opt-out", data={"lang": "en"})
    assert stop.status_code == 200 and "no more surveys" in stop.text
    await sending.post("D002", ro_number="RO-2")  # a later RO of the same phone elsewhere: withheld, opted out
    sending.clock.set(datetime(2026, 12, 20, 4, 0, tzinfo=UTC))
    assert await sending.run() == 0 and len(sending.gateway.sent) == 1


async def test_a_phone_corrected_after_the_link_went_out_neither_opts_out_nor_reminds_the_new_number(
    sending: Sending,
) -> None:
    """A dealer posts an RO with a phone it controls, gets the link, corrects the RO to someone else's number: the
    link it holds is retired (nobody's opt-out), the new number gets a link of its own under the usual rules, and a
    reminder only ever goes to the number its link was sent to."""
    own = "+8613300133001"
    await sending.post("D001", customer={**repair_order()["customer"], "phone": own})
    sending.clock.set(datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
    assert await sending.run() == 1
    old = sending.gateway.to(own)[0].text.split("/s/")[1].split(" ")[0]
    await sending.post("D001", customer={**repair_order()["customer"], "phone": LI})  # the correction
    stop = await sending.client.post(f"/s/{old}/opt-out", data={"lang": "en"})
    assert stop.status_code in (404, 410), stop.text  # the retired link opts nobody out
    async with sending.app.state.runtime.sessions() as session:
        assert await opted_out_phones(session, {LI, own}, sending.settings.phone_salt) == set()
    assert (await sending.client.get(f"/s/{old}")).status_code in (404, 410)
    sending.clock.set(datetime(2026, 11, 4, 2, 0, tzinfo=UTC))  # the next morning: the new number's own link
    assert await sending.run() == 1
    new = sending.gateway.to(LI)[0].text.split("/s/")[1].split(" ")[0]
    assert new != old and (await sending.client.get(f"/s/{new}")).status_code == 200
    sending.clock.set(datetime(2026, 11, 7, 2, 0, tzinfo=UTC))  # three days later: one reminder, to that number
    assert await sending.run() == 1
    assert ["提醒" in m.text for m in sending.gateway.to(LI)] == [False, True]
    assert len(sending.gateway.to(own)) == 1
    # Its opt-out stops the number the link went to.
    assert (await sending.client.post(f"/s/{new}/opt-out", data={"lang": "en"})).status_code == 200
    async with sending.app.state.runtime.sessions() as session:
        assert await opted_out_phones(session, {LI, own}, sending.settings.phone_salt) == {LI}


async def test_an_answered_links_opt_out_stops_the_number_it_was_sent_to_not_the_ros_phone_now(
    sending: Sending,
) -> None:
    own = "+8613300133001"
    await sending.post("D001", customer={**repair_order()["customer"], "phone": own})
    sending.clock.set(datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
    assert await sending.run() == 1
    token = sending.gateway.to(own)[0].text.split("/s/")[1].split(" ")[0]
    answers = ANSWERED
    assert (await sending.client.post(f"/v1/surveys/{token}/responses", json=answers)).status_code == 201
    await sending.post("D001", customer={**repair_order()["customer"], "phone": LI})  # corrected after the answer
    assert (await sending.client.post(f"/s/{token}/opt-out", data={"lang": "en"})).status_code == 200
    async with sending.app.state.runtime.sessions() as session:
        assert await opted_out_phones(session, {LI, own}, sending.settings.phone_salt) == {own}


async def test_the_page_says_so_when_there_is_no_number_left_to_stop(sending: Sending) -> None:
    await sending.post("D001")
    sending.clock.set(datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
    await sending.run()
    token = sending.gateway.sent[0].text.split("/s/")[1].split(" ")[0]
    crowded = "&".join(f"f{i}=1" for i in range(201))  # more fields than any form of ours: refused, not a 500
    refused = await sending.client.post(f"/s/{token}/opt-out", content=crowded,
                                        headers={"content-type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert refused.status_code == 413
    officer = bearer(Role.PRIVACY_OFFICER, settings=sending.settings)
    assert (
        await sending.client.post("/v1/privacy/erasure-requests", json={"phone": LI}, headers=officer)
    ).status_code == 202
    gone = await sending.client.post(f"/s/{token}/opt-out", data={"lang": "en"})
    assert gone.status_code == 410 and "nothing was changed" in gone.text


async def test_webhooks_need_the_gateways_signature(sending: Sending) -> None:
    body = b'{"idempotency_key": "invitation:x", "status": "delivered"}'
    for headers in ({}, {"X-Signature-Timestamp": str(sending.now_ts()), "X-Signature": "sha256=00"}):
        response = await sending.client.post("/v1/notifications/receipts", content=body, headers=headers)
        assert response.status_code == 401 and response.headers["content-type"] == "application/problem+json"
        assert "X-Signature" in response.json()["detail"]
    stale = sending.gateway.reply(LI, "TD", sending.now_ts() - 600)  # a captured request replayed ten minutes later
    assert (await sending.webhook("inbound", stale)).status_code == 401
    forged = sending.gateway.reply(LI, "TD", sending.now_ts())
    forged["content"] = forged["content"].replace(b"TD", b"OK")
    assert (await sending.webhook("inbound", forged)).status_code == 401
    # Timestamps that are not a dozen ASCII digits are refused, not parsed: "²" passes str.isdigit(), and int() of a
    # 5,000-digit header raises.
    for timestamp in (b"\xb2", b"9" * 400, b"9" * 5000, b"-1", b" 1"):
        headers = {b"X-Signature-Timestamp": timestamp, b"X-Signature": b"sha256=00"}
        odd = await sending.client.post("/v1/notifications/receipts", content=body, headers=headers)
        assert odd.status_code == 401, (timestamp[:10], odd.text)


def test_an_empty_or_short_gateway_secret_is_refused_at_start() -> None:
    for secret in ("", "short"):
        with pytest.raises(ValueError, match="sms_gateway_secret"):
            Settings(sms_gateway_secret=secret)


async def test_receipts_count_once_and_a_failed_one_makes_the_link_undeliverable(sending: Sending) -> None:
    await sending.post("D001")
    await sending.post("D002", ro_number="RO-2", customer={"name": "韩梅梅", "phone": HAN})
    sending.clock.set(datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
    assert await sending.run() == 2
    li, han = sending.gateway.to(LI)[0], sending.gateway.to(HAN)[0]
    for _ in range(3):  # the gateway repeats its receipts
        delivered = await sending.webhook("receipts", sending.gateway.receipt(li, "delivered", sending.now_ts()))
        assert delivered.status_code == 200 and delivered.json() == {"message_status": "delivered"}
    for _ in range(2):
        failed = await sending.webhook("receipts", sending.gateway.receipt(han, "failed", sending.now_ts()))
        assert failed.json() == {"message_status": "undeliverable"}
    assert [m.status for m in await sending.messages()] == ["delivered", "undeliverable"]
    assert (await sending.ro("D002", "RO-2"))["no_survey_reason"] == "undeliverable"
    assert await sending.withheld_events() == ["undeliverable"]
    sending.clock.advance(timedelta(days=3))
    assert await sending.run() == 1  # the reminder: to the one who got the link, none to a number out of reach
    assert len(sending.gateway.to(LI)) == 2 and len(sending.gateway.to(HAN)) == 1
    # HAN's next visit within 30 days gets its survey: the undeliverable link surveyed nobody.
    await sending.post("D001", ro_number="RO-3", customer={"name": "韩梅梅", "phone": HAN},
                       opened_at="2026-11-05T09:10:00+08:00", promised_at=None, settled_at="2026-11-05T16:40:00+08:00",
                       delivered_at="2026-11-05T17:05:00+08:00")  # fmt: skip
    assert await sending.run() == 1 and len(sending.gateway.to(HAN)) == 2
    unknown = dict(li.__dict__, idempotency_key="invitation:nobody")
    from csi_dev.sms_gateway import Sms

    missing = await sending.webhook("receipts", sending.gateway.receipt(Sms(**unknown), "delivered", sending.now_ts()))
    assert missing.status_code == 404


async def test_exact_counts_under_failures_timeouts_and_slow_answers(sending: Sending) -> None:
    phones = [f"+86139001390{n:02d}" for n in range(6)]
    for n, phone in enumerate(phones):
        await sending.post("D001", ro_number=f"RO-{n}", customer={"name": "顾客", "phone": phone})
    sending.clock.set(datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
    # 503, 503, a slow answer the client gives up on (the gateway took the message), then a refused number
    sending.gateway.next("fail", "fail", "slow", "ok", "ok", "refuse")
    first = await sending.run()
    await asyncio.sleep(0.4)  # let the slow answer finish on the gateway's side before the retry
    for _ in range(4):
        sending.clock.advance(timedelta(minutes=5))
        await sending.run()
    statuses = [m.status for m in await sending.messages()]
    assert first == 2 and statuses.count("sent") == 5 and statuses.count("undeliverable") == 1
    assert sorted(len(sending.gateway.to(p)) for p in phones) == [0, 1, 1, 1, 1, 1]  # nobody twice
    assert sending.gateway.requests == 6 + 3  # two failures and the timeout were retried, once each


async def test_a_sender_that_dies_mid_send_leaves_the_message_to_be_sent_once(sending: Sending) -> None:
    await sending.post("D001")
    sending.clock.set(datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
    jobs = sending.app.state.jobs
    real = jobs.channel

    class DiesAfterSending:
        async def send(self, message: OutgoingMessage) -> str | None:
            await real.send(message)
            raise asyncio.CancelledError  # the process is killed between the gateway's answer and the commit

    jobs.channel = DiesAfterSending()
    with pytest.raises(asyncio.CancelledError):
        await sending.run()
    jobs.channel = real
    assert await sending.run() == 0  # its lease still holds
    sending.clock.advance(timedelta(minutes=6))
    assert await sending.run() == 1  # sent again with the same idempotency key ...
    assert sending.gateway.requests == 2 and len(sending.gateway.sent) == 1  # ... which the gateway knew
    assert [m.status for m in await sending.messages()] == ["sent"]


# --- the staff directory and alerts --------------------------------------------------------------------------------

MANAGER, GM, OEM_CONTACT = "+8613700137001", "+8613700137002", "+8613700137003"


async def _staff(sending: Sending, staff_id: str, role: str, phone: str | None, as_role: str = "admin",
                 **extra: Any) -> httpx.Response:  # fmt: skip
    headers = bearer(Role(as_role), dealers=["D001"] if as_role not in ("admin", "oem_analyst") else None,
                     settings=sending.settings)  # fmt: skip
    body = {"name": "王经理", "role": role, "phone": phone, **extra}
    return await sending.client.put(f"/v1/dealers/D001/staff/{staff_id}", json=body, headers=headers)


async def _directory(sending: Sending) -> None:
    for staff_id, role, phone in (("SM01", "service_manager", MANAGER), ("GM01", "general_manager", GM),
                                  ("OEM-E", "oem_region", OEM_CONTACT)):  # fmt: skip
        assert (await _staff(sending, staff_id, role, phone)).status_code == 201


async def _consume(sending: Sending, event: Any) -> None:
    """An event through survey-api's own handlers, in one transaction, as its consumer hands it over."""
    from csi_shared.bus.consumer import Batched, EventContext
    from survey_api.consumers import handlers

    runtime = sending.app.state.runtime
    async with runtime.sessions() as session, session.begin():
        ctx = EventContext(
            session=session, outbox=runtime.outbox, clock=sending.clock, producer="survey-api", event=event
        )
        handler = handlers(sending.settings)[event.type]
        await (handler.handle(ctx, [event]) if isinstance(handler, Batched) else handler(ctx, event))


def _opened(severity: str, at: datetime) -> Any:
    from csi_shared.events import ComplaintOpened, make_event

    payload = ComplaintOpened.model_validate({
        "complaint_id": "c0ffee00-0000-4000-8000-000000000001", "dealer": {"dealer_code": "D001", "name": "车行D001",
        "region": "east", "time_zone": "Asia/Shanghai"}, "ro_number": "RO-1", "source": "survey", "severity": severity,
        "category": "repair_quality", "opened_at": at, "first_response_due": at + timedelta(hours=24),
    })  # fmt: skip
    return make_event(payload, producer="complaints", occurred_at=at, dealer_code="D001")


def _escalated(target: str, level: int, at: datetime) -> Any:
    from csi_shared.events import ComplaintEscalated, make_event

    payload = ComplaintEscalated.model_validate({"complaint_id": "c0ffee00-0000-4000-8000-000000000001",
                                                 "dealer_code": "D001", "level": level, "escalated_to": target,
                                                 "escalated_at": at})  # fmt: skip
    return make_event(payload, producer="complaints", occurred_at=at, dealer_code="D001")


async def test_the_staff_directory_is_kept_by_managers_and_the_oem_names_its_contact(sending: Sending) -> None:
    assert (await _staff(sending, "CRA1", "cra", "139 0013 9001", as_role="service_manager")).status_code == 201
    again = await _staff(sending, "CRA1", "cra", "+8613900139001", as_role="general_manager", email="a@d001.cn")
    assert again.status_code == 200 and again.json()["phone"] != "+8613900139001"  # masked
    assert (await _staff(sending, "OEM-E", "oem_region", OEM_CONTACT, as_role="service_manager")).status_code == 403
    assert (await _staff(sending, "OEM-E", "oem_region", OEM_CONTACT, as_role="oem_analyst")).status_code == 201
    assert (await _staff(sending, "X1", "cra", "+8613900139001", as_role="cra")).status_code == 403
    bad = await _staff(sending, "X2", "service_manager", None)
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    wrong_phone = await _staff(sending, "X3", "service_manager", "12")
    assert wrong_phone.status_code == 422 and "phone" in wrong_phone.text
    other = bearer(Role.SERVICE_MANAGER, dealers=["D002"], settings=sending.settings)
    body = {"name": "x", "role": "cra", "phone": MANAGER}
    assert (await sending.client.put("/v1/dealers/D001/staff/Y", json=body, headers=other)).status_code == 404
    # Nobody names or silences the level above their own: a service manager cannot touch the general manager's entry,
    # nor make themselves one; the general manager and the OEM can.
    assert (await _staff(sending, "GM01", "general_manager", GM, as_role="general_manager")).status_code == 201
    assert (await _staff(sending, "GM01", "cra", MANAGER, as_role="service_manager")).status_code == 403
    assert (await _staff(sending, "SM09", "general_manager", MANAGER, as_role="service_manager")).status_code == 403
    assert (await _staff(sending, "GM01", "general_manager", GM, as_role="oem_analyst")).status_code == 200


async def test_the_directory_is_listed_to_the_dealers_managers_for_naming_a_supervisor(sending: Sending) -> None:
    await _directory(sending)
    assert (await _staff(sending, "CRA9", "cra", "+8613900139009", active=False)).status_code == 201
    manager = bearer(Role.GENERAL_MANAGER, dealers=["D001"], settings=sending.settings)
    listed = await sending.client.get("/v1/dealers/D001/staff", headers=manager)
    assert listed.status_code == 200, listed.text
    people = listed.json()
    assert [p["staff_id"] for p in people] == ["GM01", "OEM-E", "SM01", "CRA9"]  # the people still there first
    assert all(p["phone"] is None or "*" in p["phone"] for p in people)  # masked
    other = bearer(Role.GENERAL_MANAGER, dealers=["D002"], settings=sending.settings)
    assert (await sending.client.get("/v1/dealers/D001/staff", headers=other)).status_code == 404
    cra = bearer(Role.CRA, dealers=["D001"], settings=sending.settings)
    assert (await sending.client.get("/v1/dealers/D001/staff", headers=cra)).status_code == 403


async def test_a_major_complaint_reaches_the_service_manager_once(sending: Sending) -> None:
    await _directory(sending)
    at = datetime(2026, 11, 3, 6, 0, tzinfo=UTC)  # 14:00 Shanghai
    sending.clock.set(at)
    event = _opened("major", at)
    await _consume(sending, event)
    await _consume(sending, event)  # redelivered
    await _consume(sending, _opened("normal", at))  # a normal case waits for the worklist
    assert await sending.run() == 1
    [sms] = sending.gateway.sent
    assert sms.to == MANAGER and "重大投诉" in sms.text and sms.idempotency_key.endswith(":SM01")


async def test_replayed_complaint_events_alert_nobody(sending: Sending) -> None:
    # A new consumer group reads the topic from its start: last week's cases and escalations are history, not alarms.
    await _directory(sending)
    last_week = datetime(2026, 10, 27, 6, 0, tzinfo=UTC)
    sending.clock.set(datetime(2026, 11, 3, 6, 0, tzinfo=UTC))
    await _consume(sending, _opened("major", last_week))
    await _consume(sending, _escalated("oem_region", 3, last_week))
    assert await sending.run() == 0 and sending.gateway.sent == []


async def test_escalations_reach_the_person_of_the_level_and_only_the_oem_in_quiet_hours(sending: Sending) -> None:
    await _directory(sending)
    night = datetime(2026, 11, 3, 15, 0, tzinfo=UTC)  # 23:00 Shanghai
    sending.clock.set(night)
    for target, level in (("service_manager", 1), ("general_manager", 2), ("oem_region", 3)):
        await _consume(sending, _escalated(target, level, night))
    assert await sending.run() == 1 and [s.to for s in sending.gateway.sent] == [OEM_CONTACT]
    assert "第3级（厂家区域）" in sending.gateway.sent[0].text
    sending.clock.set(datetime(2026, 11, 4, 1, 0, tzinfo=UTC))  # 09:00: the dealer's people in the morning
    assert await sending.run() == 2
    assert sorted(s.to for s in sending.gateway.sent) == sorted([OEM_CONTACT, MANAGER, GM])


def _callback(kind: str, callback_id: str, ro: str, due: datetime, planned: datetime | None = None) -> Any:
    from csi_shared.events import CallbackCompleted, CallbackOverdue, CallbackScheduled, make_event

    common = {"callback_id": callback_id, "ro_number": ro, "reason": "post_service"}
    if kind == "scheduled":
        payload: Any = CallbackScheduled.model_validate({**common, "dealer_code": "D001", "due_at": due,
                                                         "planned_at": planned})  # fmt: skip
    elif kind == "overdue":
        payload = CallbackOverdue.model_validate({**common, "dealer_code": "D001", "due_at": due, "detected_at": due})
    else:
        payload = CallbackCompleted.model_validate({**common, "dealer": {"dealer_code": "D001", "name": "车行D001",
                                                    "time_zone": "Asia/Shanghai"}, "status": "completed",
                                                    "completed_at": due, "on_time": True})  # fmt: skip
    return make_event(payload, producer="callback-scheduler", occurred_at=due, dealer_code="D001")


async def test_daily_digests_at_half_past_eight_local_once_a_day(sending: Sending) -> None:
    await _directory(sending)
    assert (await _staff(sending, "CRA1", "cra", "+8613700137009")).status_code == 201
    day = datetime(2026, 11, 4, 0, 0, tzinfo=UTC)  # 08:00 on 4 Nov in Shanghai
    for event in (
        _callback("scheduled", "cb-1", "RO-1", day + timedelta(days=2), planned=day + timedelta(hours=2)),  # today
        _callback("scheduled", "cb-2", "RO-2", day + timedelta(days=3), planned=day + timedelta(days=1)),  # tomorrow
        _callback("scheduled", "cb-3", "RO-3", day - timedelta(hours=1)),
        _callback("overdue", "cb-3", "RO-3", day - timedelta(hours=1)),  # collected for the digest, no alert
        _callback("scheduled", "cb-4", "RO-4", day + timedelta(days=1)),
        _callback("completed", "cb-4", "RO-4", day),
        _opened("normal", day - timedelta(hours=12)),  # its first response is due in 12 hours
    ):
        await _consume(sending, event)
    jobs = sending.app.state.jobs
    sending.clock.set(day + timedelta(minutes=29))  # 08:29
    assert await jobs.plan_digests() == 0
    sending.clock.set(day + timedelta(minutes=30))  # 08:30 in Shanghai (01:30 in Berlin: its dealer waits)
    assert await jobs.plan_digests() == 2
    assert await jobs.plan_digests() == 0  # once a day, however often the job runs
    assert await sending.run() == 2  # 08:30 is before the quiet hours end: digests are the one exception
    texts = {s.to: s.text for s in sending.gateway.sent}
    assert "今日待回访2个（其中逾期1个），共3个未完成" in texts["+8613700137009"]
    assert "逾期回访1个（RO-3）" in texts[MANAGER] and "24小时内需首次响应的投诉1个" in texts[MANAGER]
    sending.clock.set(day + timedelta(hours=20))  # 04:00 the next day
    assert await jobs.plan_digests() == 0
    sending.clock.set(day + timedelta(days=1, minutes=30))  # 08:30 the next day
    assert await jobs.plan_digests() == 2


def test_the_worklist_counts_and_when_digests_are_due() -> None:
    from survey_api.notifications.digests import digest_due

    at = datetime(2026, 11, 4, 0, 30, tzinfo=UTC)
    assert digest_due(at, SHANGHAI) == datetime(2026, 11, 4).date()
    assert digest_due(at, BERLIN) is None  # 01:30 in Berlin
    assert digest_due(datetime(2026, 11, 4, 13, 0, tzinfo=UTC), SHANGHAI) is None  # 21:00: too late for the morning's


class Mailbox:
    """An aiosmtpd handler: keeps what arrives, refuses one address with 550."""

    def __init__(self) -> None:
        self.mails: list[Any] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.startswith("gone@"):
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes, policy

        self.mails.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"


@pytest.fixture
def mailbox() -> Any:
    from aiosmtpd.controller import Controller

    from csi_dev.ports import free_port

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


async def test_staff_without_a_phone_get_alerts_by_e_mail_and_digests_prefer_e_mail(
    sending: Sending, mailbox: tuple[Mailbox, int]
) -> None:
    from survey_api.notifications.channels import SmtpEmail

    box, port = mailbox
    jobs = sending.app.state.jobs
    jobs.email = SmtpEmail(host="127.0.0.1", port=port, sender="csi@example.com", timeout_s=5)
    assert (await _staff(sending, "SM01", "service_manager", MANAGER, email="sm@d001.cn")).status_code == 201
    assert (await _staff(sending, "GM01", "general_manager", None, email="gm@d001.cn")).status_code == 201
    assert (await _staff(sending, "GM02", "general_manager", None, email="gone@d001.cn")).status_code == 201
    noon = datetime(2026, 11, 3, 4, 0, tzinfo=UTC)  # 12:00 Shanghai
    sending.clock.set(noon)
    event = _escalated("general_manager", 2, noon)
    await _consume(sending, event)
    await _consume(sending, event)  # redelivered
    assert await sending.run() == 1 and sending.gateway.sent == []
    [mail] = box.mails
    assert mail["To"] == "gm@d001.cn" and "第2级（总经理）" in mail.get_content()
    assert mail["Message-ID"] == f"<alert.{event.event_id}.GM01@csi>"
    statuses = {m.recipient: m.status for m in await sending.messages()}
    assert statuses == {"gm@d001.cn": "sent", "gone@d001.cn": "undeliverable"}  # 550: never retried
    sending.clock.set(datetime(2026, 11, 4, 0, 30, tzinfo=UTC))  # 08:30: the digest goes to the manager's desk
    assert await jobs.plan_digests() == 1 and await sending.run() == 1
    assert [m["To"] for m in box.mails] == ["gm@d001.cn", "sm@d001.cn"] and sending.gateway.sent == []


async def test_a_receipt_before_the_gateways_late_answer_settles_the_message(sending: Sending) -> None:
    await sending.post("D001")
    sending.clock.set(datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
    sending.gateway.next("slow")
    assert await sending.run() == 0  # the answer came after the client gave up; the gateway has the message
    [sms] = sending.gateway.sent
    delivered = await sending.webhook("receipts", sending.gateway.receipt(sms, "delivered", sending.now_ts()))
    assert delivered.json() == {"message_status": "delivered"}
    sending.clock.advance(timedelta(minutes=5))
    assert await sending.run() == 0 and sending.gateway.requests == 1  # no retry of a delivered message
    sending.clock.advance(timedelta(days=3))
    assert await sending.run() == 1 and "提醒" in sending.gateway.sent[-1].text  # its reminder counts from the receipt


async def test_a_run_of_scheduled_callbacks_is_projected_in_order(sending: Sending) -> None:
    from csi_shared.bus.consumer import EventContext
    from csi_shared.events import CallbackScheduled, make_event
    from survey_api.consumers import handlers
    from survey_api.models import OpenCallback

    due = datetime(2026, 11, 7, 15, 59, tzinfo=UTC)

    def scheduled(callback_id: str, status: str = "open", planned: datetime | None = None) -> Any:
        payload = CallbackScheduled.model_validate({"callback_id": callback_id, "dealer_code": "D001", "ro_number": "RO-1",
                                                    "reason": "post_service", "due_at": due, "planned_at": planned,
                                                    "status": status})  # fmt: skip
        return make_event(payload, producer="callback-scheduler", occurred_at=due, dealer_code="D001")

    later = due - timedelta(days=1)
    first_run = [
        scheduled("a"),
        scheduled("b"),
        scheduled("a", planned=later),
        scheduled("c"),
        scheduled("c", "declined"),
    ]
    second_run = [scheduled("b", "declined"), scheduled("d")]
    runtime = sending.app.state.runtime
    for run in (first_run, second_run):
        async with runtime.sessions() as session, session.begin():
            ctx = EventContext(session=session, outbox=runtime.outbox, clock=sending.clock, producer="survey-api")
            await handlers(sending.settings)["callback.scheduled"].handle(ctx, run)  # type: ignore[union-attr]
    async with runtime.sessions() as session:
        rows = {r.callback_id: r.planned_at for r in (await session.execute(select(OpenCallback))).scalars()}
    assert rows == {"a": later, "d": None}


async def test_a_gateway_that_refuses_our_signature_is_retried_not_the_end_of_the_message() -> None:
    from survey_api.notifications.channels import GatewaySms, TemporaryFailure

    async with running_gateway(SECRET) as gateway:
        clock = FrozenClock(datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
        rotated = GatewaySms(url=gateway.url, secret=b"a-secret-being-rotated!", timeout_s=2, clock=clock)
        message = OutgoingMessage(
            idempotency_key="invitation:x", kind="invitation", to=LI, text="t", dealer_code="D001"
        )
        with pytest.raises(TemporaryFailure, match="401"):
            await rotated.send(message)


async def test_a_sender_whose_lease_ran_out_leaves_the_message_to_the_sender_that_took_it(sending: Sending) -> None:
    from sqlalchemy import update

    await sending.post("D001")
    sending.clock.set(datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
    sender = sending.app.state.jobs.sender
    await sender.plan_invitations()
    [message] = await sending.messages()
    ours, theirs = sending.clock.now() - timedelta(minutes=1), sending.clock.now() + timedelta(minutes=5)
    async with sending.app.state.runtime.sessions() as session, session.begin():  # another sender took it since
        await session.execute(update(NotificationMessage).values(claimed_until=theirs))
    assert await sender._deliver(message.id, ours) == 0 and sending.gateway.sent == []
    assert await sender._deliver(message.id, theirs) == 1 and len(sending.gateway.sent) == 1


async def test_an_opt_out_past_the_retention_period_keeps_only_the_hash_of_its_number(sending: Sending) -> None:
    stranger = "+8613600136000"
    await sending.webhook("inbound", sending.gateway.reply(stranger, "TD", sending.now_ts()))
    sending.clock.set(datetime(2030, 1, 10, 4, 0, tzinfo=UTC))  # more than 36 months later
    (job,) = [j for j in sending.app.state.runtime.jobs if j.name == "retention"]
    await job.run()
    async with sending.app.state.runtime.sessions() as session:
        [kept] = list((await session.execute(select(SurveyOptOut.phone))).scalars())
    assert kept.startswith("#") and "13600136000" not in kept
    await sending.post("D001", ro_number="RO-2030", customer={**repair_order()["customer"], "phone": stranger},
                       opened_at="2030-01-09T09:10:00+08:00", promised_at=None, settled_at="2030-01-09T16:40:00+08:00",
                       delivered_at="2030-01-09T17:05:00+08:00")  # fmt: skip
    assert await sending.run() == 0 and sending.gateway.sent == []  # the number came back: still no survey
    officer = bearer(Role.PRIVACY_OFFICER, settings=sending.settings)
    back = await sending.client.post("/v1/privacy/survey-consent", json={"phone": stranger, "surveys": True},
                                     headers=officer)  # fmt: skip
    assert back.status_code == 200
    async with sending.app.state.runtime.sessions() as session:
        assert list((await session.execute(select(SurveyOptOut.phone))).scalars()) == []  # the hashed one ends too
