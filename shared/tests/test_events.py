import json
from datetime import UTC, datetime, time

import pytest

from csi_shared import asyncapi
from csi_shared.events import (
    ALL_TOPICS,
    EVENTS,
    CallbackReason,
    CallbackScheduled,
    MalformedEvent,
    TimeWindow,
    Topic,
    UnknownEvent,
    json_schemas,
    make_event,
    parse_event,
    topic_of,
)

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def _scheduled() -> CallbackScheduled:
    return CallbackScheduled(
        callback_id="c1", dealer_code="D001", ro_number="RO-1", reason=CallbackReason.POST_SERVICE, due_at=NOW
    )


def test_an_event_survives_the_wire_with_its_typed_payload() -> None:
    event = make_event(_scheduled(), producer="callback-scheduler", occurred_at=NOW, dealer_code="D001")
    parsed = parse_event(event.model_dump_json())
    assert parsed == event
    assert isinstance(parsed.payload, CallbackScheduled)
    assert (parsed.type, parsed.version) == ("callback.scheduled", 1)
    assert topic_of(parsed) is Topic.CALLBACKS


def test_consumers_tolerate_unknown_fields() -> None:
    event = make_event(_scheduled(), producer="p", occurred_at=NOW, dealer_code="D001")
    raw = event.model_dump_json().replace('"payload":{', '"future":1,"payload":{"added_later":true,')
    assert parse_event(raw).payload == event.payload


def test_garbage_and_bad_payloads_are_malformed() -> None:
    with pytest.raises(MalformedEvent):
        parse_event(b"{not json")
    event = make_event(_scheduled(), producer="p", occurred_at=NOW, dealer_code="D001")
    with pytest.raises(MalformedEvent, match="callback_id"):
        parse_event(event.model_dump_json().replace('"callback_id":"c1",', ""))


def test_an_unknown_type_or_version_says_which() -> None:
    event = make_event(_scheduled(), producer="p", occurred_at=NOW, dealer_code="D001")
    with pytest.raises(UnknownEvent) as info:
        parse_event(event.model_dump_json().replace('"version":1', '"version":2'))
    assert (info.value.event_type, info.value.version) == ("callback.scheduled", 2)


def test_every_core_event_of_the_design_is_in_the_catalogue() -> None:
    core = {
        "repair_order.closed", "survey.invitation_created", "survey.response_submitted", "callback.scheduled",
        "callback.completed", "callback.overdue", "complaint.opened", "complaint.escalated", "complaint.closed",
        "score.updated",
    }  # fmt: skip
    assert core <= {event_type for event_type, _ in EVENTS}
    assert set(ALL_TOPICS) == {
        "csi.repair-orders",
        "csi.surveys",
        "csi.callbacks",
        "csi.complaints",
        "csi.scores",
        "csi.privacy",
    }
    schemas = json_schemas()
    assert schemas["repair_order.closed.v1"]["properties"]["payload"]


def test_a_callback_window_travels_as_from_to_and_the_old_start_end_is_still_read() -> None:
    window = TimeWindow(start=time(18), end=time(20))
    assert json.loads(window.model_dump_json()) == {"from": "18:00:00", "to": "20:00:00"}  # as in the REST API
    assert TimeWindow.model_validate({"start": "18:00", "end": "20:00"}) == window  # events written before
    assert TimeWindow.model_validate({"from": "18:00", "to": "20:00"}) == window


def test_the_published_schema_requires_the_event_id_consumers_deduplicate_on() -> None:
    document = json.loads(asyncapi.render())
    for spec in EVENTS.values():
        assert "event_id" in document["components"]["schemas"][asyncapi.message_id(spec)]["required"], spec.type
    assert list(document["components"]["schemas"]["TimeWindow"]["properties"]) == ["from", "to"]
