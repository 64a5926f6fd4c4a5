"""End to end through scoring's handlers: a seeded simulated month (csi_sim) as the events scoring consumes, known
numbers set through the API, and the integrity report read back. The gaming dealers lead it, no honest one is flagged."""

from __future__ import annotations

import hashlib
import random
import uuid
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from csi_shared.bus.consumer import EventContext
from csi_shared.events import (
    CallbackCompleted,
    DealerRef,
    Payload,
    RepairOrderClosed,
    SurveyInvitationCreated,
    SurveyResponseSubmitted,
)
from csi_sim.gaming import SimVisit, simulate_month
from csi_sim.network import Dealer, build_network
from scoring.consumers import handlers
from survey_api.questionnaires.catalogue import CSI_V1

from .conftest import Scoring, envelope

ITEMS = [{"code": i.code, "factor": i.factor, "na_allowed": i.na_allowed} for i in CSI_V1.items]
FACTOR_OF = {i["code"]: i["factor"] for i in ITEMS}


def events_of(dealer: Dealer, visits: list[SimVisit]) -> list[Payload]:
    """What survey-api and callback-scheduler would publish of a simulated dealer-month, in the order they would."""
    ref = DealerRef(dealer_code=dealer.code, name=dealer.name, region=dealer.region, time_zone=dealer.time_zone)
    tz = ZoneInfo(dealer.time_zone)
    ros: list[Payload] = []
    later: list[Payload] = []
    for v in visits:
        ro = {k: v.ro[k] for k in v.ro if k != "dealer_code"}
        phone = ro["customer"]["phone"]
        ros.append(
            RepairOrderClosed.model_validate({**ro, "dealer": ref, "no_survey_reason": None if phone else "no_phone"})
        )
        month = RepairOrderClosed.model_validate({**ro, "dealer": ref}).settled_at.astimezone(tz).strftime("%Y-%m")
        if v.link_sent_at is not None:
            later.append(SurveyInvitationCreated(
                dealer=ref, ro_number=ro["ro_number"], token=uuid.uuid4().hex, survey_url="http://x/s/t",
                expires_at=v.link_sent_at + timedelta(days=40), settlement_month=month,
                customer_name=ro["customer"]["name"], customer_phone=phone, send_at=v.link_sent_at,
            ))  # fmt: skip
        if v.answer is not None:
            body = v.answer.body
            later.append(SurveyResponseSubmitted.model_validate({
                "response_id": f"r-{ro['ro_number']}", "dealer": ref, "ro_number": ro["ro_number"],
                "settlement_month": month, "channel": "web", "questionnaire": "csi-v1", "questionnaire_version": 1,
                "answers": [{**a, "factor": FACTOR_OF[a["item"]]} for a in body["answers"]],
                "overall": body["overall"], "recommend": body["recommend"], "return_intent": body["return_intent"],
                "comment": body["comment"], "submitted_at": v.answer.submitted_at, "opened_at": v.answer.opened_at,
                "seconds_to_submit": v.answer.seconds, "browser_family": v.answer.browser,
                "network_hash": hashlib.sha256(v.answer.network.encode()).hexdigest()[:32],
            }))  # fmt: skip
        if v.callback_satisfaction is not None:
            later.append(CallbackCompleted.model_validate({
                "callback_id": f"cb-{ro['ro_number']}", "dealer": ref, "ro_number": ro["ro_number"],
                "reason": "post_service", "status": "completed", "completed_at": ro["delivered_at"], "on_time": True,
                "answers": {"visit_satisfaction": v.callback_satisfaction},
            }))  # fmt: skip
    return ros + later


async def consume_all(s: Scoring, payloads: list[Payload]) -> None:
    """Through scoring's handlers, as its consumer would hand a batch over: one transaction."""
    handle = handlers(s.settings)
    async with s.app.state.runtime.sessions() as session, session.begin():
        for payload in payloads:
            event = envelope(payload)
            ctx = EventContext(session=session, outbox=s.app.state.runtime.outbox, clock=s.clock, producer="scoring",
                               event=event)  # fmt: skip
            await handle[event.type](ctx, event)  # type: ignore[operator]


async def test_a_simulated_network_through_scorings_handlers(scoring: Scoring) -> None:
    rng = random.Random(7)
    network = build_network(rng, 16, customers_per_dealer=60, gaming=4, excellent=2)
    for d in network:
        await consume_all(scoring, events_of(d, simulate_month(rng, d, ITEMS, date(2026, 11, 1), 28)))
    oem = scoring.auth("oem_analyst")
    for d in network:
        numbers = [{"phone": n, "label": "landline"} for n in d.own_numbers] + [{"phone": d.staff_phones[0]}]
        put = await scoring.client.put(f"/v1/integrity/dealers/{d.code}/known-numbers", json={"numbers": numbers},
                                       headers=oem)  # fmt: skip
        assert put.status_code == 200, put.text
    got = await scoring.client.get("/v1/integrity", params={"period": "2026-11"}, headers=oem)
    assert got.status_code == 200, got.text
    dealers = got.json()["dealers"]
    gaming = {d.code for d in network if d.gaming}
    ranked = [e["dealer_code"] for e in dealers]
    assert set(ranked[: len(gaming)]) == gaming, [(e["dealer_code"], e["risk"], e["flagged"]) for e in dealers[:6]]
    assert {e["dealer_code"] for e in dealers if e["flagged"]} == gaming
    # What the evidence shows of phones is masked; scoring never had more than the hash to show.
    assert not any(phone in got.text for d in network for phone in d.staff_phones)
