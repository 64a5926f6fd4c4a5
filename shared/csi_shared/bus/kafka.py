"""Kafka client construction and topic creation, in one place."""

from __future__ import annotations

import logging
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.helpers import create_ssl_context

from csi_shared.events import ALL_TOPICS, dlq_topic
from csi_shared.settings import ServiceSettings

log = logging.getLogger(__name__)

TOPIC_ALREADY_EXISTS = 36


class MissingTopics(RuntimeError):
    """A topic the service needs does not exist, and it may not create it."""


def connection(settings: ServiceSettings) -> dict[str, Any]:
    """How every client of ours reaches the cluster: the address, TLS and SASL. Producers, consumers, the admin
    client and the dead-letter reader all take these, so none can connect differently from the others."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "security_protocol": settings.kafka_security_protocol,
    }
    if settings.kafka_security_protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = create_ssl_context(
            cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None,
            certfile=str(settings.kafka_ssl_certfile) if settings.kafka_ssl_certfile else None,
            keyfile=str(settings.kafka_ssl_keyfile) if settings.kafka_ssl_keyfile else None,
        )
    if settings.kafka_security_protocol.startswith("SASL"):
        assert settings.kafka_sasl_password is not None  # the settings refuse SASL without it
        options.update(
            sasl_mechanism=settings.kafka_sasl_mechanism,
            sasl_plain_username=settings.kafka_sasl_username,
            sasl_plain_password=settings.kafka_sasl_password.get_secret_value(),
        )
    return options


def new_producer(settings: ServiceSettings) -> AIOKafkaProducer:
    """A producer that waits for all in-sync replicas; idempotence only where the broker supports it."""
    return AIOKafkaProducer(
        **connection(settings),
        acks="all",
        enable_idempotence=settings.kafka_idempotent_producer,
        linger_ms=5,
        max_batch_size=256 * 1024,
        request_timeout_ms=settings.kafka_request_timeout_ms,
        client_id=f"{settings.service_name}-producer",
    )


def platform_topics(settings: ServiceSettings) -> list[str]:
    """Every topic of the platform and its DLQ, with the configured prefix."""
    return [settings.topic(name) for topic in ALL_TOPICS for name in (topic, dlq_topic(topic))]


async def ensure_topics(settings: ServiceSettings, topics: list[str] | None = None) -> None:
    """Create missing topics; existing ones are left as they are. With `kafka_create_topics` off, a missing topic is
    an error naming it: where Strimzi owns the topics, one made here would have a single replica."""
    wanted = topics or platform_topics(settings)
    admin = AIOKafkaAdminClient(
        **connection(settings),
        request_timeout_ms=settings.kafka_request_timeout_ms,
        client_id=f"{settings.service_name}-admin",
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        if not missing:
            return
        if not settings.kafka_create_topics:
            raise MissingTopics(
                f"topics missing on the cluster: {', '.join(missing)} (create their KafkaTopic; "
                "CSI_KAFKA_CREATE_TOPICS is off, so this service does not create them)"
            )
        partitions = settings.kafka_topic_partitions
        new = [NewTopic(t, 1 if t.endswith(".dlq") else partitions, 1) for t in missing]
        response = await admin.create_topics(new)
        for topic, code, message in response.topic_errors:
            # 36: another service created it between our list and create, which is fine.
            if code not in (0, TOPIC_ALREADY_EXISTS):
                raise RuntimeError(f"could not create topic {topic}: error {code} {message}")
        log.info("created topics %s", missing)
    finally:
        await admin.close()
