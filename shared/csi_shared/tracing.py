"""OpenTelemetry traces across HTTP, the outbox, Kafka and the consumers, so that one RO's trace shows the request,
the relay, each consumer's handling and what it published in turn.

Off unless `CSI_OTEL_EXPORTER_OTLP_ENDPOINT` is set, and then OpenTelemetry is not even imported: the outbox, the
relay, the consumer and the logs ask `active()` first. The W3C `traceparent` of the span that wrote an outbox row is
stored with the row; the relay continues it and sends its own as a Kafka header; a consumer continues that, and the
events its handler writes carry the consumer's span on.

Each service's Runtime has a provider of its own (its `service.name`), so several services in one process (tests,
`make run` is one process per service) still report as themselves.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # settings import the logs, which ask this module for the trace id
    from csi_shared.settings import ServiceSettings

TRACEPARENT = "traceparent"
_active = False
"""Whether any service in this process traces: until then nothing looks at the OpenTelemetry context."""


def active() -> bool:
    return _active


class Tracing:
    def __init__(self, settings: ServiceSettings) -> None:
        self.enabled = bool(settings.otel_exporter_otlp_endpoint)
        self._provider: Any = None
        self._tracer: Any = None
        if self.enabled:
            self._start(settings)

    def _start(self, settings: ServiceSettings) -> None:
        global _active
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
        from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

        endpoint = f"{str(settings.otel_exporter_otlp_endpoint).rstrip('/')}/v1/traces"
        provider = TracerProvider(
            resource=Resource.create({"service.name": settings.service_name}),
            # A trace started elsewhere keeps its sampling decision; new ones are sampled at the ratio.
            sampler=ParentBased(TraceIdRatioBased(settings.otel_sampling_ratio)),
        )
        provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint), schedule_delay_millis=settings.otel_export_delay_ms)
        )
        self._provider, self._tracer = provider, provider.get_tracer("csi")
        _active = True

    @contextlib.contextmanager
    def span(
        self,
        name: str,
        *,
        kind: str = "internal",
        traceparent: str | None = None,
        attributes: dict[str, Any] | None = None,
    ) -> Iterator[Any]:
        """A span, child of `traceparent` when given (else of the current span); yields it, or None when off."""
        if not self.enabled:
            yield None
            return
        from opentelemetry.trace import SpanKind
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

        parent = TraceContextTextMapPropagator().extract({TRACEPARENT: traceparent}) if traceparent else None
        with self._tracer.start_as_current_span(
            name, context=parent, kind=SpanKind[kind.upper()], attributes=attributes
        ) as span:
            yield span

    def instrument(self, engine: Any) -> None:
        """A client span per SQL statement inside a traced request or handling, child of its span (SQLAlchemy runs the
        driver in a greenlet that shares the caller's context). The statement is kept without its values: parameters
        stay out of traces."""
        if not self.enabled:
            return
        from opentelemetry.trace import SpanKind, Status, StatusCode, get_current_span
        from sqlalchemy import event

        tracer, system = self._tracer, engine.dialect.name

        @event.listens_for(engine.sync_engine, "before_cursor_execute")
        def _start(_conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool) -> None:
            # Only inside a traced request or handling: the relay's polls and the jobs' scans would each start a trace.
            if context is not None and get_current_span().is_recording():
                verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
                context._csi_span = tracer.start_span(
                    f"db {verb}",
                    kind=SpanKind.CLIENT,
                    attributes={"db.system": system, "db.statement": statement[:1000]},
                )

        @event.listens_for(engine.sync_engine, "after_cursor_execute")
        def _end(_conn: Any, _cursor: Any, _statement: str, _params: Any, context: Any, _many: bool) -> None:
            if (span := getattr(context, "_csi_span", None)) is not None:
                span.end()

        @event.listens_for(engine.sync_engine, "handle_error")
        def _failed(exception_context: Any) -> None:
            span = getattr(exception_context.execution_context, "_csi_span", None)
            if span is not None:
                span.set_status(Status(StatusCode.ERROR, type(exception_context.original_exception).__name__))
                span.end()

    def shutdown(self) -> None:
        """Send what is buffered and stop."""
        if self._provider is not None:
            self._provider.shutdown()


def current_traceparent() -> str | None:
    """The `traceparent` of the current span, to store with an outbox row or send as a header; None when off."""
    if not _active:
        return None
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    carrier: dict[str, str] = {}
    TraceContextTextMapPropagator().inject(carrier)
    return carrier.get(TRACEPARENT)


def current_trace_id() -> str | None:
    """The trace id of the current span, for log lines; None when off or outside a span."""
    if not _active:
        return None
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
