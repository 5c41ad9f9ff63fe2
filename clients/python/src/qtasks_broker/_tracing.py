"""Traces, with OpenTelemetry when it is importable (the ``otel`` extra: ``opentelemetry-api``).

The producer starts a PRODUCER span ``qtasks.enqueue <name>`` per task, a child of the caller's
current span, and sends its W3C trace context in ``TaskSpec.trace_context``; the worker runs each
handler inside a CONSUMER span ``qtasks.execute <name>``, the child of that context, made current
so that the handler's own spans nest under it. Attributes follow OpenTelemetry's messaging
conventions (``messaging.system`` = ``qtasks``, ``messaging.destination.name`` = the queue,
``messaging.message.id`` = the task id), as the TypeScript SDK and the Go client set them.

Without OpenTelemetry installed, or with no SDK's tracer provider set (the API's default proxy),
nothing here runs beyond one check per call: no span, no carrier, no field.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence

from ._gen.qtasks.broker.v1 import broker_pb2

try:
    from opentelemetry import context as otel_context
    from opentelemetry import propagate, trace
    from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, Status, StatusCode, TraceFlags, TraceState
except ImportError:  # the `otel` extra is not installed: no traces
    trace = None  # type: ignore[assignment]

#: The name of the client's tracer (its instrumentation scope).
TRACER_NAME = "qtasks_broker"
_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
#: The longest ``tracestate`` the broker keeps; a longer one is left out rather than refused.
_MAX_TRACESTATE_CHARS = 512

_cached: Optional[tuple] = None


def _tracer() -> Any:
    """The client's tracer, or None when OpenTelemetry is missing or no SDK provider is set."""
    global _cached
    if trace is None:
        return None
    provider = trace.get_tracer_provider()
    if isinstance(provider, (trace.ProxyTracerProvider, trace.NoOpTracerProvider)):
        return None
    if _cached is None or _cached[0] is not provider:
        _cached = (provider, provider.get_tracer(TRACER_NAME))
    return _cached[1]


def start_enqueue_spans(specs: Sequence[broker_pb2.TaskSpec]) -> Optional[List[Any]]:
    """Starts one PRODUCER span per task and sets each task's ``trace_context``; None when not tracing."""
    tracer = _tracer()
    if tracer is None:
        return None
    spans = []
    for spec in specs:
        queue = spec.queue or spec.name
        span = tracer.start_span(f"qtasks.enqueue {spec.name}", kind=SpanKind.PRODUCER, attributes={
            "messaging.system": "qtasks",
            "messaging.operation.type": "send",
            "messaging.operation.name": "enqueue",
            "messaging.destination.name": queue,
            "qtasks.task.name": spec.name,
        })
        traceparent, tracestate = _w3c_of(span)
        if traceparent:
            spec.trace_context.traceparent = traceparent
            spec.trace_context.tracestate = tracestate
        spans.append(span)
    return spans


def end_enqueue_spans(spans: Optional[List[Any]], tasks: Optional[Sequence[broker_pb2.Task]], error: Optional[BaseException] = None) -> None:
    """Ends the spans of :func:`start_enqueue_spans`: with the stored tasks' ids, or the error that refused them."""
    if spans is None:
        return
    for i, span in enumerate(spans):
        if span.is_recording():
            if tasks is not None and i < len(tasks):
                span.set_attribute("messaging.message.id", tasks[i].id)
            if error is not None:
                span.record_exception(error)
                span.set_status(Status(StatusCode.ERROR, f"{type(error).__qualname__}: {error}"))
        span.end()


def _w3c_of(span: Any) -> tuple:
    """``(traceparent, tracestate)`` of a span: by the global propagator if it writes W3C
    (OpenTelemetry's default does), else formatted from the span's context; ``("", "")`` if invalid."""
    span_context = span.get_span_context()
    if not span_context.is_valid:
        return "", ""
    carrier: Dict[str, str] = {}
    propagate.inject(carrier, context=trace.set_span_in_context(span, otel_context.Context()))
    traceparent = carrier.get("traceparent", "")
    if _TRACEPARENT.match(traceparent):
        tracestate = carrier.get("tracestate", "")
    else:
        traceparent = f"00-{span_context.trace_id:032x}-{span_context.span_id:016x}-{int(span_context.trace_flags):02x}"
        tracestate = span_context.trace_state.to_header() if span_context.trace_state else ""
    return traceparent, tracestate if len(tracestate) <= _MAX_TRACESTATE_CHARS else ""


class Execution:
    """One run's CONSUMER span, current in the handler's thread from :func:`start_execution` to :meth:`end`."""

    def __init__(self, span: Any, token: object) -> None:
        self._span = span
        self._token = token

    def end(self, completion: broker_pb2.Completion) -> None:
        """Ends the span (in the thread that started it): status ERROR with the exception for a failure."""
        span = self._span
        otel_context.detach(self._token)
        if span.is_recording():
            outcome = completion.WhichOneof("outcome") or ""
            span.set_attribute("qtasks.task.outcome", outcome)
            if outcome == "failure":
                error = completion.failure.error
                span.add_event("exception", {
                    "exception.type": error.type, "exception.message": error.message, "exception.stacktrace": error.traceback,
                })
                span.set_status(Status(StatusCode.ERROR, f"{error.type}: {error.message}"))
        span.end()


def start_execution(task: broker_pb2.Task) -> Optional[Execution]:
    """Starts the span of one run of ``task`` and makes it current; None when not tracing.

    Its parent is the trace context the task carries (the producer's enqueue span); a task without
    one starts a new trace, never a child of whatever the worker's thread had current.
    """
    tracer = _tracer()
    if tracer is None:
        return None
    parent = _context_of(task.trace_context) if task.HasField("trace_context") else otel_context.Context()
    span = tracer.start_span(f"qtasks.execute {task.name}", context=parent, kind=SpanKind.CONSUMER, attributes={
        "messaging.system": "qtasks",
        "messaging.operation.type": "process",
        "messaging.operation.name": "execute",
        "messaging.destination.name": task.queue,
        "messaging.message.id": task.id,
        "qtasks.task.name": task.name,
        "qtasks.task.attempt": task.attempt,
    })
    return Execution(span, otel_context.attach(trace.set_span_in_context(span, parent)))


def _context_of(trace_context: broker_pb2.TraceContext) -> Any:
    """The context of a task's trace context: extracted by the global propagator, else parsed as W3C."""
    carrier = {"traceparent": trace_context.traceparent}
    if trace_context.tracestate:
        carrier["tracestate"] = trace_context.tracestate
    extracted = propagate.extract(carrier, context=otel_context.Context())
    if trace.get_current_span(extracted).get_span_context().is_valid:
        return extracted
    match = _TRACEPARENT.match(trace_context.traceparent)
    if match is None:
        return otel_context.Context()
    span_context = SpanContext(
        trace_id=int(match.group(1), 16), span_id=int(match.group(2), 16), is_remote=True,
        trace_flags=TraceFlags(int(match.group(3), 16)),
        trace_state=TraceState.from_header([trace_context.tracestate]) if trace_context.tracestate else None,
    )
    if not span_context.is_valid:
        return otel_context.Context()
    return trace.set_span_in_context(NonRecordingSpan(span_context), otel_context.Context())
