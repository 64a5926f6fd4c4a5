"""Prometheus metrics every service exposes on /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

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
EVENTS_DEAD_LETTERED = Counter("csi_events_dead_lettered_total", "Events sent to a DLQ", ["service"])
CONSUMER_ERRORS = Counter("csi_consumer_errors_total", "Consumer loop failures (broker or database)", ["service"])
COVERAGE_REPAIRED = Counter(
    "csi_coverage_repaired_total",
    "ROs that had no callback planned, found and re-announced by `csi reconcile` (counted as callback-scheduler "
    "records each dealer's reconciliation)",
    ["service"],
)
