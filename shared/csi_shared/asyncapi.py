"""The event catalogue as an AsyncAPI 3.0 document: topics as channels, event types as messages, services' operations."""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass
from importlib.metadata import version as package_version
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from csi_shared.bus import cloudevents
from csi_shared.events import EVENTS, Envelope, EventSpec, Topic, dlq_topic, envelope_of
from csi_shared.settings import ServiceSettings

ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
SCHEMAS = "#/components/schemas/"


@dataclass(frozen=True)
class Roles:
    """The event types a service publishes (through its outbox) and the ones its consumer handles."""

    sends: frozenset[str]
    receives: frozenset[str]


# Who publishes and who consumes each event type. `receives` is checked against each service's consumer handlers and
# `sends` against the payloads its code builds (tests/test_asyncapi.py), so this table cannot drift from the code.
SERVICES: dict[str, Roles] = {
    "survey-api": Roles(
        sends=frozenset(
            {
                "repair_order.closed",
                "repair_order.corrected",
                "survey.invitation_created",
                "survey.response_submitted",
                "survey.opened",
                "survey.contact_preference",
                "survey.withheld",
                "customer.erasure_requested",
                "coverage.reconciled",
            }
        ),
        receives=frozenset(
            {
                "complaint.opened",
                "complaint.escalated",
                "complaint.closed",
                "callback.scheduled",
                "callback.completed",
                "callback.overdue",
                "customer.erasure_completed",
                "customer.phones_read",
            }
        ),
    ),
    "callback-scheduler": Roles(
        sends=frozenset(
            {
                "callback.scheduled",
                "callback.completed",
                "callback.overdue",
                "customer.erasure_completed",
                "customer.phones_read",
            }
        ),
        receives=frozenset(
            {
                "customer.erasure_requested",
                "coverage.reconciled",
                "repair_order.closed",
                "repair_order.corrected",
                "complaint.opened",
                "complaint.closed",
                "survey.response_submitted",
            }
        ),
    ),
    "scoring": Roles(
        sends=frozenset({"score.updated", "integrity.flagged", "customer.erasure_completed"}),
        receives=frozenset(
            {
                "customer.erasure_requested",
                "survey.response_submitted",
                "survey.invitation_created",
                "survey.opened",
                "survey.withheld",
                "repair_order.closed",
                "repair_order.corrected",
                "callback.scheduled",
                "callback.completed",
                "complaint.opened",
            }
        ),
    ),
    "complaints": Roles(
        sends=frozenset(
            {
                "complaint.opened",
                "complaint.escalated",
                "complaint.closed",
                "customer.erasure_completed",
                "customer.phones_read",
            }
        ),
        receives=frozenset(
            {
                "customer.erasure_requested",
                "repair_order.closed",
                "repair_order.corrected",
                "survey.response_submitted",
                "callback.completed",
                "callback.scheduled",
                "survey.contact_preference",
            }
        ),
    ),
}


def declared_producers(event_type: str) -> frozenset[str]:
    """The services the catalogue says publish this event type: a consumer takes it from no one else."""
    return _PRODUCERS.get(event_type, frozenset())


_PRODUCERS: dict[str, frozenset[str]] = {
    t: frozenset(s for s, roles in SERVICES.items() if t in roles.sends)
    for t in {t for roles in SERVICES.values() for t in roles.sends}
}

TOPICS: dict[Topic, str] = {
    Topic.REPAIR_ORDERS: "Closed repair orders as the dealers' DMS systems posted them to survey-api, and corrections; "
    "and erasure requests, one per dealer, behind that dealer's RO events.",
    Topic.SURVEYS: "Survey links made for closed ROs, and the customers' answers.",
    Topic.CALLBACKS: "The callbacks the CRAs make: planned, ended, overdue.",
    Topic.COMPLAINTS: "Complaint cases: opened, escalated for want of a first response, closed.",
    Topic.SCORES: "Dealers' CSI indexes per settlement month, as they change, and OEM integrity reviews of them.",
    Topic.PRIVACY: "Customer data rights: each service's confirmation of an erasure, and records of who was shown "
    "customers' phone numbers. Ids and RO keys only, never a name or a number.",
}
"""What each topic carries, in a line; the channel's description adds its event types, producers and consumers."""

DEAD_LETTER_HEADERS: dict[str, str] = {
    "error": "Why the message failed: the exception, at most 4000 characters.",
    "original_topic": "The topic the message was read from.",
    "original_partition": "Its partition there.",
    "original_offset": "Its offset there.",
    "consumer_group": "The consumer group that gave up on it.",
}
"""The headers the consumer adds to a dead letter (csi_shared.bus.consumer); checked by tests/test_event_flow.py."""

INFO = """\
The events the CSI platform's services exchange over Kafka. Generated from `csi_shared.events` by `csi events asyncapi`.

- **One envelope** for every event: `event_id`, `type`, `version`, `occurred_at` (UTC), `producer`, `dealer_code`,
  a typed `payload` and `correlation_id` (the request that caused it). JSON on the wire.
- **Key**: `dealer_code`, so each dealer's events keep their order within a topic.
- **Delivery is at least once**: a consumer drops an `event_id` it has processed before. Producers write the event in
  the same database transaction as the change it reports (a transactional outbox), so none is lost.
- **Compatibility**: consumers ignore fields they do not know; an incompatible payload gets a new `version`, a new
  message here. A consumer skips event types it does not handle.
- **Dead letters**: a message a consumer cannot parse, or that keeps failing after bounded retries, is copied to the
  topic's `.dlq` twin with the error in its headers, and the partition moves on.
- **Topic names** may carry a prefix per deployment (`CSI_KAFKA_TOPIC_PREFIX`), as may consumer group ids.
"""


def message_id(spec: EventSpec) -> str:
    """A message's id in the document: the event type and its version."""
    return f"{spec.type}.v{spec.version}"


def _doc(obj: Any) -> str:
    return inspect.cleandoc(obj.__doc__ or "")


def _summary(obj: Any) -> str:
    return _doc(obj).split("\n\n")[0].replace("\n", " ")


def _services(role: str, event_type: str) -> list[str]:
    return [name for name, roles in SERVICES.items() if event_type in getattr(roles, role)]


def _listing(names: list[str]) -> str:
    return ", ".join(names) if names else "none"


def _schemas() -> dict[str, Any]:
    """The envelope of every event type and version, with its payload, as JSON Schemas under components/schemas.

    The schema of what travels: `model_dump_json()` of the envelope, as the outbox writes it (field names, except
    where a model serializes by alias, as a time window's `from` and `to`; decimals as strings).
    """
    specs = list(EVENTS.values())
    envelopes: list[tuple[type[BaseModel], JsonSchemaMode]] = [(envelope_of(spec), "serialization") for spec in specs]
    refs, defs = models_json_schema(envelopes, by_alias=True, ref_template=SCHEMAS + "{model}")
    shared = defs.get("$defs", {})
    schemas: dict[str, Any] = {}
    for spec, key in zip(specs, envelopes, strict=True):
        envelope = shared.pop(refs[key]["$ref"].removeprefix(SCHEMAS))
        envelope["title"] = f"{spec.type} v{spec.version}"
        envelope["description"] = _doc(Envelope)
        props = envelope["properties"]
        props["type"] = {**props["type"], "const": spec.type}
        props["version"] = {**props["version"], "const": spec.version, "default": spec.version}
        producers = _listing(_services("sends", spec.type))
        props["producer"] = {**props["producer"], "description": f"The service that published it: {producers}."}
        props["dealer_code"] = {
            **props["dealer_code"],
            "description": "The dealer the event is about; the message key.",
        }
        schemas[message_id(spec)] = envelope
    return {**schemas, **dict(sorted(shared.items()))}


def _message(spec: EventSpec) -> dict[str, Any]:
    producers, consumers = _services("sends", spec.type), _services("receives", spec.type)
    return {
        "name": spec.type,
        "title": f"{spec.type} v{spec.version}",
        "summary": _summary(spec.payload),
        "description": (
            f"{_doc(spec.payload)}\n\nTopic `{spec.topic.value}`. "
            f"Produced by {_listing(producers)}; consumed by {_listing(consumers)}."
        ),
        "contentType": "application/json",
        "headers": {
            "type": "object",
            "description": "CloudEvents (Kafka binding, binary mode): the envelope's identity, repeated for tooling; "
            "`traceparent` (W3C trace context) too when tracing is on.",
            "properties": {
                **{name: {"type": "string", "description": text} for name, text in cloudevents.HEADERS.items()},
                "traceparent": {"type": "string", "description": "The publishing span (W3C), when tracing is on."},
            },
            "required": list(cloudevents.HEADERS),
        },
        "payload": {"$ref": SCHEMAS + message_id(spec)},
        "correlationId": {
            "description": "The request id that caused this event.",
            "location": "$message.payload#/correlation_id",
        },
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": "The envelope's `dealer_code`: one dealer's events in order."},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _dead_letter() -> dict[str, Any]:
    return {
        "name": "dead_letter",
        "title": "Dead letter",
        "summary": "A message a consumer gave up on, copied here unchanged with why and where it failed.",
        "description": (
            "The original key and value as the consumer read them: usually one of the topic's events, possibly bytes "
            "that are not an event at all (which is why it is here). The headers say what went wrong. No service "
            "consumes dead letters: they are for operators, to inspect and replay."
        ),
        "headers": {
            "type": "object",
            "properties": {name: {"type": "string", "description": text} for name, text in DEAD_LETTER_HEADERS.items()},
            "required": list(DEAD_LETTER_HEADERS),
        },
        "payload": {"description": "The original message value, unchanged."},
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": "The original key: the dealer code."},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _channels(by_topic: dict[Topic, list[EventSpec]]) -> dict[str, Any]:
    channels: dict[str, Any] = {}
    for topic, specs in by_topic.items():
        types = list(dict.fromkeys(spec.type for spec in specs))
        producers = [s for s in SERVICES if any(t in SERVICES[s].sends for t in types)]
        consumers = [s for s in SERVICES if any(t in SERVICES[s].receives for t in types)]
        channels[topic.value] = {
            "address": topic.value,
            "summary": TOPICS.get(topic, ""),
            "description": (
                f"{TOPICS.get(topic, '')}\n\nEvents: {', '.join(f'`{t}`' for t in types)}. "
                f"Produced by {_listing(producers)}; consumed by {_listing(consumers)}. "
                f"Dead letters go to `{dlq_topic(topic.value)}`."
            ).strip(),
            "messages": {message_id(spec): {"$ref": f"#/components/messages/{message_id(spec)}"} for spec in specs},
        }
        channels[dlq_topic(topic.value)] = {
            "address": dlq_topic(topic.value),
            "summary": f"Dead letters of `{topic.value}`.",
            "description": (
                f"Messages of `{topic.value}` that a consumer could not parse or handle after bounded retries, "
                f"written by that consumer ({_listing(consumers)}). Read by operators; no service consumes it."
            ),
            "messages": {"dead_letter": {"$ref": "#/components/messages/dead_letter"}},
        }
    return channels


def _operation(service: str, action: str, channel: str, messages: list[str], description: str) -> dict[str, Any]:
    verb = {"send": "publishes to", "receive": "consumes"}[action]
    operation: dict[str, Any] = {
        "action": action,
        "channel": {"$ref": f"#/channels/{channel}"},
        "title": f"{service} {verb} {channel}",
        "description": description,
        "messages": [{"$ref": f"#/channels/{channel}/messages/{m}"} for m in messages],
    }
    if action == "receive":
        operation["bindings"] = {
            "kafka": {
                "groupId": {
                    "type": "string",
                    "default": service,
                    "description": "The service's name after the topic prefix, unless its CONSUMER_GROUP setting says.",
                },
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        }
    return operation


def _operations(by_topic: dict[Topic, list[EventSpec]]) -> dict[str, Any]:
    operations: dict[str, Any] = {}
    for service, roles in SERVICES.items():
        for topic, specs in by_topic.items():
            sent = [message_id(s) for s in specs if s.type in roles.sends]
            if sent:
                operations[f"{service}.send.{topic.value}"] = _operation(
                    service, "send", topic.value, sent,
                    "Through its transactional outbox: the event commits with the change it reports, a relay "
                    "publishes it (acks=all) afterwards.",
                )  # fmt: skip
        for topic, specs in by_topic.items():
            handled = [message_id(s) for s in specs if s.type in roles.receives]
            if handled:
                operations[f"{service}.receive.{topic.value}"] = _operation(
                    service, "receive", topic.value, handled,
                    "At least once: the handler's writes and the event id commit in one transaction, the offset "
                    "after. Other event types on the topic are skipped.",
                )  # fmt: skip
                operations[f"{service}.send.{dlq_topic(topic.value)}"] = _operation(
                    service, "send", dlq_topic(topic.value), ["dead_letter"],
                    f"What {service} cannot parse or handle from `{topic.value}` after bounded retries.",
                )  # fmt: skip
    return operations


def document() -> dict[str, Any]:
    """The AsyncAPI 3.0 document of the event catalogue, derived from `EVENTS` and `SERVICES`."""
    by_topic: dict[Topic, list[EventSpec]] = {topic: [] for topic in Topic}
    for spec in EVENTS.values():
        by_topic[spec.topic].append(spec)
    by_topic = {topic: specs for topic, specs in by_topic.items() if specs}
    bootstrap = ServiceSettings.model_fields["kafka_bootstrap_servers"].default
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "id": "urn:csi-platform:events",
        "info": {
            "title": "CSI platform events",
            "version": package_version("csi-shared"),
            "description": INFO,
        },
        "defaultContentType": "application/json",
        "servers": {
            "kafka": {
                "host": bootstrap,
                "protocol": "kafka",
                "description": (
                    "The local broker `make run` starts; elsewhere the brokers in `CSI_KAFKA_BOOTSTRAP_SERVERS`."
                ),
            }
        },
        "channels": _channels(by_topic),
        "operations": _operations(by_topic),
        "components": {
            "messages": {
                **{message_id(spec): _message(spec) for specs in by_topic.values() for spec in specs},
                "dead_letter": _dead_letter(),
            },
            "schemas": _schemas(),
        },
    }


def render() -> str:
    """The document as the JSON committed at docs/events/asyncapi.json."""
    return json.dumps(document(), indent=2, ensure_ascii=False) + "\n"


def render_yaml() -> str:
    """The document as YAML, multi-line descriptions as literal blocks."""
    import yaml  # comes with uvicorn[standard]; only this optional form needs it

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)

    Dumper.add_representer(str, text)
    return str(yaml.dump(document(), Dumper=Dumper, sort_keys=False, allow_unicode=True, width=120))
