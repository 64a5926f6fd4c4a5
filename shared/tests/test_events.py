from datetime import UTC, datetime

import pytest

from csi_shared.events import (
    ALL_TOPICS,
    EVENTS,
    CallbackReason,
    CallbackScheduled,
    MalformedEvent,
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
