"""Kafka client construction and topic creation, in one place."""

from __future__ import annotations

import logging

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from csi_shared.events import ALL_TOPICS, dlq_topic
from csi_shared.settings import ServiceSettings

log = logging.getLogger(__name__)

TOPIC_ALREADY_EXISTS = 36


def new_producer(settings: ServiceSettings) -> AIOKafkaProducer:
    """A producer that waits for all in-sync replicas; idempotence only where the broker supports it."""
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
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
    """Create missing topics; existing ones are left as they are."""
    wanted = topics or platform_topics(settings)
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        request_timeout_ms=settings.kafka_request_timeout_ms,
        client_id=f"{settings.service_name}-admin",
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        if not missing:
            return
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
