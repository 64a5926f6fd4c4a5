"""Kafka as a real cluster runs it: TLS and SASL settings reach aiokafka, and topics the service may not create are
an error naming them instead of topics made with one replica (csi_shared.bus.kafka)."""

import ssl
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from pydantic import ValidationError

from csi_dev.broker import LocalBroker
from csi_dev.testing import JWT_SECRET, PEPPER
from csi_shared.bus.kafka import MissingTopics, connection, ensure_topics, new_producer
from csi_shared.settings import ServiceSettings

SYSTEM_CAS = Path("/etc/ssl/certs/ca-certificates.crt")


def settings(**values: object) -> ServiceSettings:
    return ServiceSettings(jwt_secret=JWT_SECRET, api_key_pepper=PEPPER, **values)  # type: ignore[arg-type]


async def test_sasl_over_tls_reaches_the_producer_and_the_consumer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSI_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("CSI_KAFKA_SASL_USERNAME", "csi-survey-api")
    monkeypatch.setenv("CSI_KAFKA_SASL_PASSWORD", "from-the-kafkauser-secret")  # as the Deployment mounts it
    monkeypatch.setenv("CSI_KAFKA_SSL_CAFILE", str(SYSTEM_CAS))
    configured = settings()
    assert configured.kafka_sasl_mechanism == "SCRAM-SHA-512"  # what Strimzi's KafkaUser issues
    producer = new_producer(configured)
    consumer = AIOKafkaConsumer(**connection(configured))
    for client in (producer.client, consumer._client):
        assert client._security_protocol == "SASL_SSL"
        assert (client._sasl_mechanism, client._sasl_plain_username, client._sasl_plain_password) == (
            "SCRAM-SHA-512", "csi-survey-api", "from-the-kafkauser-secret",
        )  # fmt: skip
        assert isinstance(client._ssl_context, ssl.SSLContext)
        assert client._ssl_context.verify_mode == ssl.CERT_REQUIRED
    await producer.stop()
    await consumer.stop()


def test_plain_sasl_and_plaintext_by_default() -> None:
    options = connection(settings(kafka_security_protocol="SASL_PLAINTEXT", kafka_sasl_mechanism="PLAIN",
                                  kafka_sasl_username="u", kafka_sasl_password="p"))  # fmt: skip
    assert (options["sasl_mechanism"], options["security_protocol"], "ssl_context" in options) == (
        "PLAIN", "SASL_PLAINTEXT", False,
    )  # fmt: skip
    assert connection(settings()) == {"bootstrap_servers": "127.0.0.1:9092", "security_protocol": "PLAINTEXT"}


def test_sasl_without_a_password_is_refused_by_name() -> None:
    with pytest.raises(ValidationError, match="kafka_sasl_username and kafka_sasl_password are required"):
        settings(kafka_security_protocol="SASL_SSL", kafka_sasl_username="csi-scoring")
    with pytest.raises(ValidationError, match="kafka_ssl_certfile and kafka_ssl_keyfile go together"):
        settings(kafka_security_protocol="SSL", kafka_ssl_certfile=SYSTEM_CAS)


async def test_a_service_that_may_not_create_topics_names_the_missing_ones(
    broker: LocalBroker, topic_prefix: str
) -> None:
    configured = settings(kafka_bootstrap_servers=broker.bootstrap_servers, kafka_topic_prefix=topic_prefix,
                          kafka_create_topics=False)  # fmt: skip
    with pytest.raises(MissingTopics, match=rf"{topic_prefix}csi\.repair-orders\b.*KafkaTopic"):
        await ensure_topics(configured)
    admin = AIOKafkaAdminClient(**connection(configured))
    await admin.start()
    try:
        assert not [t for t in await admin.list_topics() if t.startswith(topic_prefix)], "created anyway"
    finally:
        await admin.close()
    # the same service allowed to create them (make run, tests) does, and then the strict one is content
    await ensure_topics(configured.model_copy(update={"kafka_create_topics": True}))
    await ensure_topics(configured)
