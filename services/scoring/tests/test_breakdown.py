"""Results per service advisor and job kind on hand-computed data; callback satisfaction apart from the index."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from csi_dev.broker import LocalBroker
from csi_dev.testing import Databases, bearer, eventually, make_settings, serve
from csi_shared.auth import Role
from csi_shared.clock import FrozenClock
from csi_shared.events import topic_of
from scoring.app import create_app
from scoring.breakdown import BreakdownBy, CallbackScore, group_figures, visit_callback_scores, visit_satisfaction
from scoring.config import Settings
from scoring.method import FACTORS, JD_POWER_US_2023_WEIGHTS, response_csi, to_index
from scoring.schemas import Breakdown
from scoring.spec import SERVICE

from .conftest import Scoring, callback_completed, envelope, repair_order, response

Q, A = "service_quality", "service_advisor"


@dataclass
class Ro:
    ro_number: str
    period: str
    service_advisor_id: str | None
    service_advisor_name: str | None
    job_kinds: list[str] = field(default_factory=list)


ROS = {r.ro_number: r for r in [
    Ro("RO-1", "2026-11", "SA07", "王芳", ["maintenance"]),
    Ro("RO-2", "2026-11", "SA07", "王芳", ["repair", "warranty"]),
    Ro("RO-3", "2026-11", "SA09", "李娜", ["repair"]),
    Ro("RO-4", "2026-11", None, None, ["maintenance"]),
    # Corrected into December; survey-api still sent its answers for November.
    Ro("RO-5", "2026-12", "SA09", "李娜", ["maintenance"]),
]}  # fmt: skip


def answered(factors: dict[str, float]) -> dict[str, Any]:
    return {"factors": factors, "csi": response_csi(factors, JD_POWER_US_2023_WEIGHTS)}


RESPONSES = [
    ("RO-1", answered({Q: 9, A: 10})),
    ("RO-2", answered({Q: 6, A: 7})),
    ("RO-3", answered({Q: 8})),
    ("RO-5", answered({Q: 10})),
    ("RO-X", answered({Q: 5})),  # an RO scoring has not seen (yet)
]
CALLBACKS = {"RO-1": 9, "RO-2": 6, "RO-4": 4}


def figures(by: BreakdownBy) -> dict[str | None, Any]:
    groups = group_figures(by=by, period="2026-11", ros=ROS, responses=RESPONSES, callbacks=CALLBACKS,
                       weights=JD_POWER_US_2023_WEIGHTS)  # fmt: skip
    return {g.key: g for g in groups}


def test_by_service_advisor() -> None:
    groups = figures(BreakdownBy.SERVICE_ADVISOR)
    assert list(groups) == ["SA07", "SA09", None]
    sa07 = groups["SA07"]
    # Quality (9+6)/2 = 7.5 -> 722.2, advisor (10+7)/2 = 8.5 -> 833.3; no other factor answered, so the weights are
    # 0.32 and 0.19 over 0.51: (231.11 + 158.33) / 0.51 = 763.6.
    assert (sa07.name, sa07.ros, sa07.responses) == ("王芳", 2, 2)
    assert sa07.factors[Q] == (pytest.approx(722.22, abs=0.01), 2) and sa07.factors[A] == (
        pytest.approx(833.33, abs=0.01),
        2,
    )
    assert sa07.factors["vehicle_pickup"] == (None, 0)
    assert sa07.index == pytest.approx(763.62, abs=0.01)
    # The two responses' own CSI: 930.28 and 596.95; sd 235.70, half-width 1.96 x 235.70 / sqrt 2 = 326.67.
    assert sa07.interval == (pytest.approx(436.95, abs=0.01), 1000.0)
    assert (sa07.callback_mean, sa07.callback_answers) == (7.5, 2)  # (9 + 6) / 2, beside the index, never in it
    # SA09: one RO in November (RO-5 moved to December), but both answers of November: quality (8+10)/2 = 9 -> 888.9.
    sa09 = groups["SA09"]
    assert (sa09.name, sa09.ros, sa09.responses, sa09.index) == ("李娜", 1, 2, pytest.approx(888.89, abs=0.01))
    assert (sa09.callback_mean, sa09.callback_answers) == (None, 0)
    # No advisor on RO-4, and RO-X unknown: one group, so that the groups add up to the card.
    none = groups[None]
    assert (none.name, none.ros, none.responses, none.index) == (None, 1, 1, pytest.approx(to_index(5)))
    assert (none.callback_mean, none.callback_answers) == (4.0, 1)
    assert sum(g.responses for g in groups.values()) == len(RESPONSES)


def test_by_job_kind_an_ro_counts_in_each_of_its_kinds() -> None:
    groups = figures(BreakdownBy.JOB_KIND)
    assert list(groups) == ["maintenance", "repair", "warranty", None]
    m, r, w = groups["maintenance"], groups["repair"], groups["warranty"]
    # Maintenance: RO-1 and RO-4 settled in November, answers of RO-1 and RO-5: quality (9+10)/2 = 9.5 -> 944.4,
    # advisor 10 -> 1000; (0.32 x 944.44 + 0.19 x 1000) / 0.51 = 965.1. Callbacks of RO-1 and RO-4: (9 + 4) / 2.
    assert (m.ros, m.responses, m.index) == (2, 2, pytest.approx(965.14, abs=0.01))
    assert (m.callback_mean, m.callback_answers) == (6.5, 2)
    # Repair: RO-2 and RO-3, quality (6+8)/2 = 7 -> 666.7, advisor 7 -> 666.7; so 666.7.
    assert (r.ros, r.responses, r.index) == (2, 2, pytest.approx(666.67, abs=0.01))
    assert (r.callback_mean, r.callback_answers) == (6.0, 1)
    # Warranty: RO-2 alone, also counted under repair: (0.32 x 555.56 + 0.19 x 666.67) / 0.51 = 596.9.
    assert (w.ros, w.responses, w.index) == (1, 1, pytest.approx(596.95, abs=0.01))
    assert w.interval is None  # one response: no spread to measure
    assert groups[None].name is None and groups[None].ros == 0 and groups[None].responses == 1
    assert set(m.factors) == set(FACTORS)


def test_the_visit_callback_of_each_ro() -> None:
    at = datetime(2026, 11, 14, 2, tzinfo=UTC)
    scores = visit_callback_scores([
        CallbackScore("c1", "RO-1", "post_service", at, 9),
        CallbackScore("c2", "RO-1", "post_service", at.replace(day=15), 7),  # the later one wins
        CallbackScore("c3", "RO-2", "comeback", at, 5),
        CallbackScore("c4", "RO-3", "dormant_6m", at, 2),  # asks why they stopped coming, not about the visit
        CallbackScore("c5", "RO-4", "major_complaint", at, 3),
        CallbackScore("c6", "RO-4", "quality_tracking", at, 3),
    ])  # fmt: skip
    assert scores == {"RO-1": 7, "RO-2": 5}


def test_only_a_score_on_the_scale_is_an_answer() -> None:
    assert visit_satisfaction({"visit_satisfaction": 9}) == 9
    assert visit_satisfaction({"visit_satisfaction": 1, "reception": 8}) == 1
    for missing in ({}, {"visit_satisfaction": None}, {"visit_satisfaction": True}, {"visit_satisfaction": 11},
                    {"visit_satisfaction": 0}, {"visit_satisfaction": "9"}, {"visit_satisfaction": 8.5}):  # fmt: skip
        assert visit_satisfaction(missing) is None, missing


# --- through scoring's handlers and API ---------------------------------------------------------


def rounded(x: float) -> float:
    return round(x * 10) / 10


def idx(mean: float) -> float:
    return to_index(mean)


async def _dealer_month(s: Scoring) -> None:
    await s.consume(
        repair_order("RO-1", advisor=("SA07", "王芳"), kinds=("maintenance",)),
        repair_order("RO-2", advisor=("SA07", "王芳"), kinds=("repair", "warranty", "repair")),
        repair_order("RO-3", advisor=("SA09", "李娜"), kinds=("repair",)),
        callback_completed("c1", "RO-1", 9),
        callback_completed("c2", "RO-2", 6, reason="comeback"),
        callback_completed("c3", "RO-3", 2, reason="dormant_6m"),  # not about this visit
        callback_completed("c4", "RO-3", None, status="unreachable"),
        callback_completed("c1", "RO-1", 9),  # redelivered
    )
    await s.feed(
        response("r1", {"sq_first_time": (Q, 9), "sa_courtesy": (A, 10)}, ro="RO-1"),
        response("r2", {"sq_first_time": (Q, 6), "sa_courtesy": (A, 7)}, ro="RO-2"),
        response("r3", {"sq_first_time": (Q, 8)}, ro="RO-3"),
    )


async def _breakdown(s: Scoring, by: str, dealer: str = "D001", **scope: Any) -> Any:
    headers = s.auth(**scope) if scope else s.auth("service_manager", dealers=[dealer])
    return await s.client.get(
        f"/v1/dealers/{dealer}/csi/breakdown", params={"period": "2026-11", "by": by}, headers=headers
    )


def _summary(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(g["key"], g["name"], g["ros"], g["responses"], g["index"], g["small_sample"], g["callback_satisfaction"])
            for g in body["groups"]]  # fmt: skip


async def test_the_breakdown_per_service_advisor_and_after_a_correction(scoring: Scoring) -> None:
    await _dealer_month(scoring)
    answer = await _breakdown(scoring, "service_advisor")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["dealer_code"], body["period"], body["status"], body["by"], body["min_sample"]) == (
        "D001", "2026-11", "provisional", "service_advisor", 2
    )  # fmt: skip
    # SA07: quality (9+6)/2, advisor (10+7)/2 over the China weights 24 and 18:
    # (24 x 722.22 + 18 x 833.33) / 42 = 769.8; callbacks (9 + 6) / 2.
    # SA09: quality 8 alone = 777.8, one response: a small sample (2 in these tests); its dormant call is not counted.
    assert _summary(body) == [
        ("SA07", "王芳", 2, 2, 769.8, False, {"mean": 7.5, "answers": 2}),
        ("SA09", "李娜", 1, 1, 777.8, True, {"mean": None, "answers": 0}),
    ]
    sa07 = body["groups"][0]
    assert sa07["factors"][Q] == {"index": rounded(idx(7.5)), "responses": 2}
    assert sa07["factors"]["vehicle_pickup"] == {"index": None, "responses": 0}
    assert sa07["interval"] is not None and body["groups"][1]["interval"] is None
    assert sum(g["responses"] for g in body["groups"]) == (await scoring.card()).json()["responses"] == 3

    # The DMS corrects RO-2: it was SA09's. Its answers and its callback go with it.
    await scoring.consume(repair_order("RO-2", advisor=("SA09", "李娜"), kinds=("repair",), revision=2))
    r1 = (24 * idx(9) + 18 * idx(10)) / 42  # 936.5
    assert _summary((await _breakdown(scoring, "service_advisor")).json()) == [
        ("SA07", "王芳", 1, 1, rounded(r1), True, {"mean": 9.0, "answers": 1}),
        ("SA09", "李娜", 2, 2, rounded(idx(7)), False, {"mean": 6.0, "answers": 1}),  # quality (6+8)/2, advisor 7
    ]


async def test_the_breakdown_per_job_kind_counts_an_ro_in_each_of_its_kinds(scoring: Scoring) -> None:
    await _dealer_month(scoring)
    body = (await _breakdown(scoring, "job_kind")).json()
    r1 = (24 * idx(9) + 18 * idx(10)) / 42
    r2 = (24 * idx(6) + 18 * idx(7)) / 42
    assert _summary(body) == [
        ("maintenance", None, 1, 1, rounded(r1), True, {"mean": 9.0, "answers": 1}),
        # RO-2 (repair twice and warranty) and RO-3: quality (6+8)/2 = 7, advisor 7.
        ("repair", None, 2, 2, rounded(idx(7)), False, {"mean": 6.0, "answers": 1}),
        ("warranty", None, 1, 1, rounded(r2), True, {"mean": 6.0, "answers": 1}),
    ]
    Breakdown.model_validate(body)


async def test_breakdown_scope_and_input(scoring: Scoring) -> None:
    await _dealer_month(scoring)
    other = await _breakdown(scoring, "service_advisor", role="service_manager", dealers=["D002"])
    unknown = await _breakdown(scoring, "service_advisor", dealer="NOPE", role="admin")
    assert other.status_code == unknown.status_code == 404
    assert (await _breakdown(scoring, "job_kind", role="oem_analyst", region="east")).status_code == 200
    assert (await _breakdown(scoring, "job_kind", role="oem_analyst", region="west")).status_code == 404
    assert (await _breakdown(scoring, "customer")).status_code == 422
    missing = await scoring.client.get(
        "/v1/dealers/D001/csi/breakdown", params={"period": "2026-11"}, headers=scoring.auth("admin")
    )
    assert missing.status_code == 422
    # A month with nothing in it: no groups.
    empty = await scoring.client.get("/v1/dealers/D001/csi/breakdown", params={"period": "2026-10", "by": "job_kind"},
                                     headers=scoring.auth("admin"))  # fmt: skip
    assert empty.json()["groups"] == []


async def test_a_response_of_only_na_answers_counts_without_an_index(scoring: Scoring) -> None:
    await scoring.consume(repair_order("RO-1", advisor=None))
    await scoring.feed(response("na", {"sq_first_time": (Q, None)}, ro="RO-1", overall=None))
    (group,) = (await _breakdown(scoring, "service_advisor")).json()["groups"]
    assert (group["key"], group["ros"], group["responses"], group["index"], group["interval"]) == (
        None,
        1,
        1,
        None,
        None,
    )


async def test_callbacks_and_corrections_arrive_through_the_broker(
    backend: str, databases: Databases, broker: LocalBroker, topic_prefix: str
) -> None:
    settings = make_settings(
        Settings, database_url=databases.url(backend, "scoring", SERVICE.migrations_dir), broker=broker,
        topic_prefix=topic_prefix, min_sample=2,
    )  # fmt: skip
    app = create_app(settings, clock=FrozenClock(datetime(2026, 11, 25, 2, 0, tzinfo=UTC)))
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all")
    await producer.start()
    try:
        async with serve(app) as client:
            for payload in (
                repair_order("RO-1", "2026-11-30T23:30:00+08:00"),
                repair_order("RO-1", "2026-12-01T00:10:00+08:00", revision=2),  # into December
                repair_order("RO-2", "2026-12-02T09:00:00+08:00", kinds=("recall",)),
                callback_completed("c1", "RO-1", 8),
            ):
                event = envelope(payload)
                topic = settings.topic(topic_of(event))
                await producer.send_and_wait(topic, event.model_dump_json().encode(), key=b"D001")
            headers = bearer(Role.ADMIN, settings=settings)

            async def december() -> Any:
                body = (await client.get("/v1/dealers/D001/csi/breakdown", params={"period": "2026-12", "by": "job_kind"},
                                         headers=headers)).json()  # fmt: skip
                groups = {g["key"]: (g["ros"], g["callback_satisfaction"]["answers"]) for g in body.get("groups", [])}
                return groups if groups == {"maintenance": (1, 1), "recall": (1, 0)} else None

            await eventually(december, timeout=30)
            november = await client.get("/v1/dealers/D001/csi", params={"period": "2026-11"}, headers=headers)
            assert november.json()["ros"] == 0
    finally:
        await producer.stop()
