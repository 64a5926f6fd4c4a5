"""Settings every service shares; each service subclasses with its own env prefix."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Annotated, ClassVar, Literal

from pydantic import IPvAnyNetwork, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from csi_shared.forwarded import parse_networks
from csi_shared.logs import LogFormat
from csi_shared.privacy import privacy_salt

COMMON_PREFIX = "CSI_"


def env_file() -> Path:
    """The dotenv file `make run` writes its dev secrets to; `CSI_ENV_FILE` overrides."""
    return Path(os.environ.get("CSI_ENV_FILE", "var/csi.env"))


class ServiceSettings(BaseSettings):
    """A value is looked up as `CSI_<SERVICE>_<NAME>`, then `CSI_<NAME>`, then the default."""

    model_config = SettingsConfigDict(env_prefix=COMMON_PREFIX, extra="ignore")
    service_name: ClassVar[str] = "service"

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("var")
    database_url: str = ""
    database_schema: str = ""
    """PostgreSQL only: the schema holding this service's tables and its Alembic version table. Set by itself when
    one `CSI_DATABASE_URL` is shared by every service, so that each keeps its data apart in one database."""
    db_pool_size: int = 10

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_topic_prefix: str = ""
    kafka_topic_partitions: int = 6
    kafka_idempotent_producer: bool = False
    kafka_request_timeout_ms: int = 10_000
    kafka_create_topics: bool = True
    """Create missing topics (with replication factor 1) at start: right for `make run` and tests. Off in every
    Kubernetes overlay, where Strimzi owns the topics (KafkaTopic, 3 replicas): a missing one then stops the relay and
    the consumer with a message naming it instead of being made with one replica."""
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_ssl_cafile: Path | None = None
    """The cluster CA (PEM) that signs the brokers' certificates; None: the system's CAs."""
    kafka_ssl_certfile: Path | None = None
    """A client certificate (PEM) for mutual TLS, with kafka_ssl_keyfile."""
    kafka_ssl_keyfile: Path | None = None
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "SCRAM-SHA-512"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    consumer_group: str = ""
    consumer_batch_size: int = 500
    consumer_session_timeout_ms: int = 10_000
    consumer_heartbeat_interval_ms: int = 3_000
    consumer_fetch_max_wait_ms: int = 100
    """How long the broker may hold a fetch while waiting for data: the floor of an idle consumer's latency."""
    consumer_max_retries: int = 3
    consumer_retry_backoff_s: float = 0.2
    relay_batch_size: int = 500
    relay_poll_interval_s: float = 0.5
    gauges_interval_s: float = 30.0
    """How often the worker reads the gauges of csi_shared.gauges (outbox, inbox, SLOs) from the database."""
    run_background: bool = True
    """Master switch for the relay, consumer and jobs below (off in tests that drive them by hand)."""
    run_relay: bool = True
    run_consumers: bool = True
    run_jobs: bool = True
    """In Kubernetes the API pods run only the relay; a worker Deployment runs consumers and jobs (see deploy/k8s)."""

    jwt_algorithm: Literal["HS256", "RS256"] = "HS256"
    jwt_secret: SecretStr | None = None
    jwt_public_key: str | None = None
    jwt_jwks_url: str | None = None
    jwt_issuer: str = "csi-dev"
    jwt_audience: str = "csi"
    jwt_max_lifetime_hours: float = 24.0
    """The longest a token may live (exp - iat): a leaked token stops working within this, whoever issued it."""
    api_key_pepper: SecretStr

    trusted_proxies: Annotated[list[IPvAnyNetwork], NoDecode] = []
    """CIDRs (comma-separated) of the proxies whose `X-Forwarded-For` is believed: the ingress's range in Kubernetes,
    none by default. See csi_shared.forwarded."""
    cors_origins: list[str] = []
    max_body_bytes: int = 1_000_000
    route_body_limits: dict[str, int] = {}
    """Smaller limits for some routes, by path prefix (the longest prefix wins)."""
    max_header_bytes: int = 16_384
    dms_requests_per_s: float = 20.0
    dms_burst: int = 40
    person_requests_per_s: float = 20.0
    person_burst: int = 200
    """Per person (the token's subject), per service process: a page of a list is one request; a script is many."""
    default_time_zone: str = "Asia/Shanghai"
    retention_months: int = 36
    """Personal data (names, phones, plates; VINs become hashes) of ROs delivered longer ago than this is anonymised
    by each service's retention job; scores and counts stay. Records of who read a phone number are kept as long."""
    retention_batch_size: int = 200
    retention_interval_s: float = 3600.0
    phone_read_window_s: float = 3600.0
    """A person's reads of one customer's full number are recorded once per this window (0: every answer)."""
    otel_exporter_otlp_endpoint: str | None = None
    """OpenTelemetry traces go to this OTLP/HTTP collector (`<endpoint>/v1/traces`); unset, tracing is off and costs
    nothing (csi_shared.tracing)."""
    otel_sampling_ratio: float = 1.0
    """The share of new traces kept; a trace started upstream keeps its own decision."""
    otel_export_delay_ms: int = 5000
    log_level: str = "INFO"
    log_format: LogFormat = "json"
    """JSON lines for deployments; `make run` sets text, one readable line per record for a terminal."""

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        return parse_networks(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _derive_defaults(self) -> ServiceSettings:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.data_dir / (self.service_name + '.db')}"
        if not self.database_schema and self.database_url.startswith("postgresql") and self._shares_database_url():
            self.database_schema = self.service_name.replace("-", "_")
        if not self.consumer_group:
            self.consumer_group = f"{self.kafka_topic_prefix}{self.service_name}"
        if self.kafka_security_protocol.startswith("SASL") and not (
            self.kafka_sasl_username and self.kafka_sasl_password
        ):
            raise ValueError(
                f"kafka_sasl_username and kafka_sasl_password are required with {self.kafka_security_protocol}"
            )
        if (self.kafka_ssl_certfile is None) != (self.kafka_ssl_keyfile is None):
            raise ValueError("kafka_ssl_certfile and kafka_ssl_keyfile go together (a client certificate and its key)")
        if self.jwt_algorithm == "HS256" and self.jwt_secret is None:
            raise ValueError("jwt_secret is required with HS256 (set CSI_JWT_SECRET)")
        if self.jwt_algorithm == "RS256" and not (self.jwt_public_key or self.jwt_jwks_url):
            raise ValueError("RS256 needs jwt_public_key or jwt_jwks_url")
        return self

    def _shares_database_url(self) -> bool:
        """Whether the URL is the one every service reads (`CSI_DATABASE_URL`), not this service's own."""
        own = f"{self.model_config.get('env_prefix', COMMON_PREFIX)}DATABASE_URL"
        shared = os.environ.get(f"{COMMON_PREFIX}DATABASE_URL")
        return own != f"{COMMON_PREFIX}DATABASE_URL" and own not in os.environ and shared == self.database_url

    @property
    def privacy_salt(self) -> bytes:
        """The salt of this service's VIN hashes (csi_shared.privacy.vin_hash)."""
        return privacy_salt(self.api_key_pepper.get_secret_value())

    @property
    def phone_salt(self) -> bytes:
        """The salt of the phone hashes in erasure requests (csi_shared.privacy.phone_hash), the same in every
        service."""
        return privacy_salt(self.api_key_pepper.get_secret_value(), b"privacy-phone")

    @property
    def jwt_max_lifetime(self) -> timedelta:
        return timedelta(hours=self.jwt_max_lifetime_hours)

    def topic(self, name: str) -> str:
        """The broker-side name of a logical topic (a prefix isolates test runs and tenants)."""
        return f"{self.kafka_topic_prefix}{name}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if cls.model_config.get("env_prefix") != COMMON_PREFIX:
            sources.append(EnvSettingsSource(settings_cls, env_prefix=COMMON_PREFIX))
        if env_file().exists():
            sources.append(DotEnvSettingsSource(settings_cls, env_file=env_file(), env_prefix=COMMON_PREFIX))
        sources.append(file_secret_settings)
        return tuple(sources)
