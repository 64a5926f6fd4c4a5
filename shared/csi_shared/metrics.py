"""Prometheus metrics every service exposes on /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter("csi_http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
HTTP_LATENCY = Histogram(
    "csi_http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
EVENTS_PUBLISHED = Counter("csi_events_published_total", "Outbox events published to Kafka", ["service"])
RELAY_ERRORS = Counter("csi_relay_errors_total", "Outbox relay failures (broker or database)", ["service"])
EVENTS_CONSUMED = Counter("csi_events_consumed_total", "Events handled by the consumer", ["service"])
EVENTS_DUPLICATE = Counter("csi_events_duplicate_total", "Redelivered events skipped by the inbox", ["service"])
EVENTS_DEAD_LETTERED = Counter(
    "csi_events_dead_lettered_total",
    "Events sent to a DLQ, by the topic they came from and their type (`malformed` when unreadable)",
    ["service", "topic", "type"],
)
CONSUMER_ERRORS = Counter("csi_consumer_errors_total", "Consumer loop failures (broker or database)", ["service"])
COVERAGE_REPAIRED = Counter(
    "csi_coverage_repaired_total",
    "ROs that had no callback planned, found and re-announced by `csi reconcile` (counted as callback-scheduler "
    "records each dealer's reconciliation)",
    ["service"],
)
SURVEY_SMS_REFUSED = Counter(
    "csi_survey_sms_refused_total",
    "Survey invitations refused before sending: `not_mobile` (not a mobile number of the brand's regions) or "
    "`daily_cap` (the dealer's daily cap reached)",
    ["service", "reason"],
)
CONSUMER_LAG = Gauge(
    "csi_consumer_lag",
    "Events on a partition not yet consumed by the group",
    ["service", "group", "topic", "partition"],
)
OUTBOX_PENDING = Gauge("csi_outbox_pending", "Outbox rows not yet published", ["service"])
OUTBOX_OLDEST_AGE = Gauge(
    "csi_outbox_oldest_age_seconds", "Age of the oldest outbox row not yet published (0: none)", ["service"]
)
INBOX_SIZE = Gauge(
    "csi_inbox_size", "Processed event ids the inbox remembers (pruned by `csi inbox prune`)", ["service"]
)
SLO_BREACHES = Gauge(
    "csi_slo_breaches",
    "Business promises broken right now: callbacks_overdue (open past the 5-day deadline), "
    "complaints_past_first_response (no first response by its due time), links_unsent_past_send_time (survey "
    "links still unsent after their send time)",
    ["service", "slo"],
)
