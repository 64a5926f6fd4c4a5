import json
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from csi_shared import asyncapi
from csi_shared.cli import main
from csi_shared.events import (
    EVENTS,
    Customer,
    DealerRef,
    Job,
    JobKind,
    PeriodStatus,
    RepairOrderClosed,
    ScoreUpdated,
    TimeWindow,
    Topic,
    dlq_topic,
    make_event,
)

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return asyncapi.document()


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [node["$ref"]] if "$ref" in node else [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_every_event_type_and_version_is_a_message_on_its_topics_channel(doc: dict[str, Any]) -> None:
    messages = doc["components"]["messages"]
    for spec in EVENTS.values():
        key = asyncapi.message_id(spec)
        message = messages[key]
        assert message["name"] == spec.type and message["contentType"] == "application/json"
        assert message["bindings"]["kafka"]["key"]["type"] == "string"
        envelope = _resolve(doc, message["payload"]["$ref"])
        assert envelope["properties"]["type"]["const"] == spec.type
        assert envelope["properties"]["version"]["const"] == spec.version
        assert key in doc["channels"][spec.topic.value]["messages"]
    assert set(messages) == {asyncapi.message_id(s) for s in EVENTS.values()} | {"dead_letter"}


def test_every_topic_and_its_dead_letter_twin_is_a_channel(doc: dict[str, Any]) -> None:
    used = {spec.topic.value for spec in EVENTS.values()}
    assert set(doc["channels"]) == used | {dlq_topic(t) for t in used}
    for name, channel in doc["channels"].items():
        assert channel["address"] == name and channel["description"]
    assert doc["servers"]["kafka"]["protocol"] == "kafka"


def test_every_reference_points_into_the_document(doc: dict[str, Any]) -> None:
    refs = _refs(doc)
    assert len(refs) > 100
    for ref in refs:
        assert ref.startswith("#/"), ref
        _resolve(doc, ref)


def test_what_an_integrator_reads_first_is_written_down() -> None:
    undocumented = [spec.payload.__name__ for spec in EVENTS.values() if not (spec.payload.__doc__ or "").strip()]
    assert not undocumented, f"give these payloads a docstring in csi_shared/events.py: {undocumented}"
    missing = [t.value for t in Topic if t not in asyncapi.TOPICS]
    assert not missing, f"describe these topics in csi_shared.asyncapi.TOPICS: {missing}"


def test_the_service_table_names_only_known_event_types_and_every_type_has_a_producer() -> None:
    known = {spec.type for spec in EVENTS.values()}
    for service, roles in asyncapi.SERVICES.items():
        assert roles.sends <= known and roles.receives <= known, service
    produced = set().union(*(roles.sends for roles in asyncapi.SERVICES.values()))
    assert produced == known, f"no producer in csi_shared.asyncapi.SERVICES for {sorted(known - produced)}"


def test_operations_reference_messages_of_their_own_channel(doc: dict[str, Any]) -> None:
    for name, operation in doc["operations"].items():
        channel = operation["channel"]["$ref"]
        assert all(m["$ref"].startswith(f"{channel}/messages/") for m in operation["messages"]), name
    assert doc["operations"]["complaints.receive.csi.callbacks"]["action"] == "receive"
    assert doc["operations"]["complaints.send.csi.callbacks.dlq"]["action"] == "send"
    assert doc["operations"]["scoring.send.csi.scores"]["action"] == "send"


def _validator(doc: dict[str, Any], spec_key: str) -> jsonschema.Draft202012Validator:
    resource = Resource.from_contents(doc, default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:asyncapi", resource)
    ref = doc["components"]["messages"][spec_key]["payload"]["$ref"]
    return jsonschema.Draft202012Validator({"$ref": f"urn:asyncapi{ref}"}, registry=registry)


@pytest.mark.parametrize(
    "payload",
    [
        RepairOrderClosed(
            dealer=DealerRef(dealer_code="D001", name="Dealer"), ro_number="RO-1", vin="V", opened_at=NOW,
            settled_at=NOW, delivered_at=NOW, jobs=[Job(op_code="M", kind=JobKind.MAINTENANCE)],
            customer=Customer(name="Li", preferred_callback_time=TimeWindow(start=time(18), end=time(20))),
            invoice_amount=Decimal("702.50"),
        ),
        ScoreUpdated(dealer_code="D001", period="2026-11", status=PeriodStatus.PROVISIONAL, index=812.5, responses=3),
    ],
    ids=lambda p: type(p).__name__,
)  # fmt: skip
def test_an_event_as_the_outbox_writes_it_matches_its_message_schema(doc: dict[str, Any], payload: Any) -> None:
    event = make_event(payload, producer="survey-api", occurred_at=NOW, dealer_code="D001", correlation_id="r1")
    wire = json.loads(event.model_dump_json())  # what Outbox.add stores and the relay publishes
    spec = EVENTS[(event.type, event.version)]
    _validator(doc, asyncapi.message_id(spec)).validate(wire)
    with pytest.raises(jsonschema.ValidationError):
        _validator(doc, asyncapi.message_id(spec)).validate({**wire, "type": "something.else"})


def test_csi_events_asyncapi_prints_the_document(capsys: pytest.CaptureFixture[str], doc: dict[str, Any]) -> None:
    assert main(["events", "asyncapi"]) == 0
    out = capsys.readouterr().out
    assert out == asyncapi.render() and json.loads(out) == doc
    assert main(["events", "asyncapi", "--yaml"]) == 0
    assert yaml.safe_load(capsys.readouterr().out) == doc
