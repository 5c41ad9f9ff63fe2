"""Traces with OpenTelemetry: the producer's enqueue span is the parent of the worker's span of the
run, and the handler's own spans nest under that; without an SDK's provider nothing is sent."""
from __future__ import annotations

from typing import Callable, Iterator, List

import pytest

from qtasks_broker import Producer, RetryBackoff, Worker

trace = pytest.importorskip("opentelemetry.trace")
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402
from opentelemetry.trace import SpanKind, StatusCode  # noqa: E402

from conftest import BrokerProcess  # noqa: E402

# OpenTelemetry sets the global provider once per process: one provider and exporter for the file.
_EXPORTER = InMemorySpanExporter()
_PROVIDER = TracerProvider()
_PROVIDER.add_span_processor(SimpleSpanProcessor(_EXPORTER))


@pytest.fixture
def exporter(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    """The SDK's provider as the global one, for this test only (the API reads it through this function)."""
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: _PROVIDER)
    _EXPORTER.clear()
    yield _EXPORTER


def running(worker: Worker) -> Worker:
    worker.start()
    assert worker.wait_ready(10), "the worker never got its first Lease in flight"
    return worker


def spans_named(exporter: InMemorySpanExporter, name: str) -> List[ReadableSpan]:
    return [span for span in exporter.get_finished_spans() if span.name == name]


def test_without_an_sdk_no_trace_context_is_sent(producer: Producer, make_worker: Callable[..., Worker], name: str) -> None:
    # The API alone (no provider set): the default proxy provider, a no-op.
    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
    worker = make_worker()
    worker.register(name, lambda a, b: a + b)
    running(worker)
    task = producer.enqueue(name, 1, 2)
    assert (task.traceparent, task.tracestate) == ("", "")
    assert not task.raw.HasField("trace_context")
    final = producer.wait(task.id, timeout=10)
    assert (final.status, final.result) == ("success", 3)


def test_the_run_is_a_child_of_the_enqueue_span(exporter: InMemorySpanExporter, producer: Producer,
                                                 make_worker: Callable[..., Worker], name: str) -> None:
    tracer = _PROVIDER.get_tracer("test")

    def handler(a: int, b: int) -> int:
        with tracer.start_as_current_span("handler work"):
            return a + b

    worker = make_worker()
    worker.register(name, handler)
    running(worker)
    with tracer.start_as_current_span("request") as request:
        task = producer.enqueue(name, 2, 3)
    final = producer.wait(task.id, timeout=10)
    assert (final.status, final.result) == ("success", 5)
    worker.stop(grace=1)

    [enqueue] = spans_named(exporter, f"qtasks.enqueue {name}")
    [execute] = spans_named(exporter, f"qtasks.execute {name}")
    [work] = spans_named(exporter, "handler work")
    trace_id = request.get_span_context().trace_id

    assert enqueue.kind == SpanKind.PRODUCER
    assert enqueue.parent is not None and enqueue.parent.span_id == request.get_span_context().span_id
    assert enqueue.attributes["messaging.system"] == "qtasks"
    assert enqueue.attributes["messaging.destination.name"] == name
    assert enqueue.attributes["messaging.message.id"] == task.id
    # Flags: sampled (01), and the SDK may add W3C level 2's random-trace-id flag (02).
    assert task.traceparent.startswith(f"00-{trace_id:032x}-{enqueue.context.span_id:016x}-")
    assert int(task.traceparent[-2:], 16) & 1 == 1

    assert execute.kind == SpanKind.CONSUMER
    assert execute.context.trace_id == trace_id
    assert execute.parent is not None and execute.parent.span_id == enqueue.context.span_id and execute.parent.is_remote
    assert execute.attributes["messaging.message.id"] == task.id
    assert execute.attributes["qtasks.task.attempt"] == 1
    assert execute.status.status_code != StatusCode.ERROR

    assert work.context.trace_id == trace_id
    assert work.parent is not None and work.parent.span_id == execute.context.span_id


def test_a_failing_run_has_status_error(exporter: InMemorySpanExporter, producer: Producer,
                                        make_worker: Callable[..., Worker], name: str) -> None:
    def explode() -> None:
        raise ValueError("bad value")

    worker = make_worker()
    worker.register(name, explode)
    running(worker)
    final = producer.wait(producer.enqueue(name, max_retries=1, retry_backoff=RetryBackoff(initial_ms=0)).id, timeout=10)
    assert (final.status, final.attempt) == ("error", 2)
    worker.stop(grace=1)

    [enqueue] = spans_named(exporter, f"qtasks.enqueue {name}")
    runs = spans_named(exporter, f"qtasks.execute {name}")
    assert sorted(span.attributes["qtasks.task.attempt"] for span in runs) == [1, 2]
    for run in runs:
        assert run.parent is not None and run.parent.span_id == enqueue.context.span_id
        assert run.status.status_code == StatusCode.ERROR
        assert run.status.description == "ValueError: bad value"
        [event] = [event for event in run.events if event.name == "exception"]
        assert event.attributes["exception.type"] == "ValueError"
        assert "bad value" in event.attributes["exception.stacktrace"]


def test_a_context_from_another_language_is_the_parent(exporter: InMemorySpanExporter, broker: BrokerProcess,
                                                       make_worker: Callable[..., Worker], name: str) -> None:
    # What a TypeScript or Go producer sends: a traceparent and tracestate in the task.
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    from qtasks_broker._gen.qtasks.broker.v1 import broker_pb2

    worker = make_worker()
    worker.register(name, lambda: "ok")
    running(worker)
    with Producer(broker.address) as plain:
        request = broker_pb2.EnqueueRequest(tasks=[broker_pb2.TaskSpec(
            name=name, trace_context=broker_pb2.TraceContext(traceparent=traceparent, tracestate="vendor=abc"))])
        sent = plain._conn.call("Enqueue", request).tasks[0]
        assert plain.wait(sent.id, timeout=10).status == "success"
    worker.stop(grace=1)
    [execute] = spans_named(exporter, f"qtasks.execute {name}")
    assert execute.context.trace_id == 0x4bf92f3577b34da6a3ce929d0e0e4736
    assert execute.parent is not None and execute.parent.span_id == 0x00f067aa0ba902b7
    assert execute.parent.trace_state.get("vendor") == "abc"


def test_without_opentelemetry_installed_the_client_works() -> None:
    # `opentelemetry` is an optional extra: with it not importable, tracing is a no-op.
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['opentelemetry'] = None\n"
        "from qtasks_broker import _tracing, Producer, Worker\n"
        "from qtasks_broker._gen.qtasks.broker.v1 import broker_pb2\n"
        "assert _tracing.trace is None and _tracing._tracer() is None\n"
        "spec = broker_pb2.TaskSpec(name='n')\n"
        "assert _tracing.start_enqueue_spans([spec]) is None and not spec.HasField('trace_context')\n"
        "assert _tracing.start_execution(broker_pb2.Task(name='n')) is None\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
