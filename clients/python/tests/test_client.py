"""End-to-end tests of the Producer and the Worker against a real broker process."""
from __future__ import annotations

import threading
import time
from typing import Any, Callable, Dict, List

import grpc
import pytest

from qtasks_broker import (
    AuthError,
    FailedPreconditionError,
    InvalidArgumentError,
    Producer,
    RetryBackoff,
    TaskCancelled,
    TaskContext,
    TaskNotFoundError,
    TaskSpec,
    Worker,
    current_task,
)
from qtasks_broker._gen.qtasks.broker.v1 import broker_pb2, broker_pb2_grpc

from conftest import BrokerProcess

NO_BACKOFF = RetryBackoff(initial_ms=0)


def running(worker: Worker) -> Worker:
    worker.start()
    assert worker.wait_ready(10), "the worker never got its first Lease in flight"
    return worker


def test_args_and_kwargs_round_trip_and_result_is_json(producer: Producer, make_worker: Callable[..., Worker], name: str) -> None:
    worker = make_worker()
    worker.register(name, lambda *args, **kwargs: {"args": list(args), "kwargs": kwargs})
    running(worker)
    args = ["héllo ✓ 日本 🎉", {"nested": [1, [2, {"deep": None}]]}, None, 1.5, -0.25, 1e-7, "123456789012345678901234567890", True]
    kwargs = {"ключ": "значение", "big": "98765432109876543210", "empty": {}, "list": [], "zero": 0}
    task = producer.enqueue(name, *args, kwargs=kwargs)
    assert task.status == "new" and task.args == args and task.kwargs == kwargs and task.queue == name

    final = producer.wait(task.id, timeout=10)
    assert final.status == "success"
    assert final.result == {"args": args, "kwargs": kwargs}
    assert final.attempt == 1 and final.error is None and final.finished


def test_a_handler_registered_under_an_nfd_name_runs(producer: Producer, make_worker: Callable[..., Worker], name: str) -> None:
    nfd = f"cafe\u0301-{name}"
    worker = make_worker()
    worker.register(nfd, lambda x: x + 1)
    running(worker)
    final = producer.wait(producer.enqueue(nfd, 1).id, timeout=10)
    assert final.name == f"caf\u00e9-{name}"  # the broker's NFC form
    assert (final.status, final.result) == ("success", 2)


def test_exception_becomes_error_with_type_message_and_traceback(producer: Producer, make_worker: Callable[..., Worker], name: str) -> None:
    def explode(x: int) -> None:
        raise ValueError(f"bad value {x}")

    worker = make_worker()
    worker.register(name, explode)
    running(worker)
    final = producer.wait(producer.enqueue(name, 7).id, timeout=10)
    assert final.status == "error" and final.attempt == 1
    assert final.error is not None
    assert (final.error.type, final.error.message) == ("ValueError", "bad value 7")
    assert final.error.traceback.startswith("Traceback (most recent call last)")
    assert "in explode" in final.error.traceback and "ValueError: bad value 7" in final.error.traceback


def test_retry_on_retries_until_success(producer: Producer, make_worker: Callable[..., Worker], name: str) -> None:
    worker = make_worker()

    # The first attempt ends only once the watch below is open: opened after the enqueue, it
    # would otherwise miss the first retry whenever the worker is quicker than the watch.
    watching = threading.Event()

    @worker.task(name, retry_on=(ConnectionError,), echo=True)
    def flaky(ctx: TaskContext, succeed_on: int) -> Dict[str, int]:
        watching.wait(10)
        if ctx.attempt < succeed_on:
            raise ConnectionResetError(f"attempt {ctx.attempt}")  # a subclass counts (isinstance)
        return {"attempt": ctx.attempt}

    running(worker)
    task = producer.enqueue(name, 3, max_retries=5, retry_backoff=NO_BACKOFF)
    states: List[Any] = []
    for state in producer.watch(task.id, timeout=10):
        states.append(state)
        watching.set()
    final = states[-1]
    assert final.status == "success" and final.result == {"attempt": 3} and final.attempt == 3
    retries = [s for s in states if s.status == "retry"]
    assert [s.attempt for s in retries] == [1, 2]
    assert retries[0].error is not None and retries[0].error.type == "ConnectionResetError"


@pytest.mark.parametrize("retry_on", [(ConnectionError,), ()], ids=["other-type", "empty"])
def test_error_outside_retry_on_is_final(producer: Producer, make_worker: Callable[..., Worker], name: str, retry_on: tuple) -> None:
    calls: List[int] = []

    def fail() -> None:
        calls.append(current_task().attempt)
        raise KeyError("missing")

    worker = make_worker()
    worker.register(name, fail, retry_on=retry_on)
    running(worker)
    final = producer.wait(producer.enqueue(name, max_retries=3, retry_backoff=NO_BACKOFF).id, timeout=10)
    assert final.status == "error" and final.attempt == 1 and calls == [1]
    assert final.error is not None and final.error.type == "KeyError"


def test_without_retry_on_any_error_retries_while_retries_are_left(producer: Producer, make_worker: Callable[..., Worker], name: str) -> None:
    worker = make_worker()
    worker.register(name, lambda: 1 / 0)
    running(worker)
    final = producer.wait(producer.enqueue(name, max_retries=2, retry_backoff=NO_BACKOFF).id, timeout=10)
    assert final.status == "error" and final.attempt == 3
    assert final.error is not None and final.error.type == "ZeroDivisionError"


def test_cancel_of_a_running_task_sets_its_cancel_event(producer: Producer, make_worker: Callable[..., Worker], name: str) -> None:
    started = threading.Event()
    seen: Dict[str, Any] = {}

    def wait_for_cancel() -> str:
        ctx = current_task()
        started.set()
        seen["woken"] = ctx.cancel_event.wait(10)
        seen["reason"] = ctx.stop_reason
        ctx.cancel()
        return "not reached"

    worker = make_worker()
    worker.register(name, wait_for_cancel)
    running(worker)
    task = producer.enqueue(name)
    assert started.wait(10)
    requested = producer.cancel(task.id, "the user gave up")
    assert requested.status == "process" and requested.cancel_requested

    final = producer.wait(task.id, timeout=10)
    assert seen == {"woken": True, "reason": TaskContext.CANCEL_REQUESTED}
    assert final.status == "cancel" and final.cancel_reason == "the user gave up"


def test_a_cancel_is_pushed_over_the_work_stream_long_before_the_next_heartbeat(producer: Producer, make_worker: Callable[..., Worker], name: str) -> None:
    # A 60 s lease: the first heartbeat goes out after 20 s, so only a push can wake the task in 5 s.
    started = threading.Event()
    seen: Dict[str, Any] = {}

    def wait_for_cancel() -> str:
        ctx = current_task()
        started.set()
        seen["woken"] = ctx.cancel_event.wait(5)
        ctx.cancel()
        return "not reached"

    worker = make_worker(lease_ms=60_000)
    worker.register(name, wait_for_cancel)
    running(worker)
    task = producer.enqueue(name)
    assert started.wait(10)
    producer.cancel(task.id, "pushed")
    final = producer.wait(task.id, timeout=10)
    assert seen == {"woken": True}
    assert final.status == "cancel"


def test_graceful_stop_releases_a_running_task(producer: Producer, make_worker: Callable[..., Worker], name: str) -> None:
    started = threading.Event()
    seen: Dict[str, Any] = {}

    def slow() -> str:
        ctx = current_task()
        started.set()
        seen["woken"] = ctx.cancel_event.wait(10)
        seen["reason"] = ctx.stop_reason
        return "dropped"

    worker = make_worker()
    worker.register(name, slow)
    running(worker)
    task = producer.enqueue(name)
    assert started.wait(10)
    worker.stop(grace=0.2)
    assert seen == {"woken": True, "reason": TaskContext.WORKER_STOPPING}
    released = producer.get(task.id)
    # Released: ready again at once, and the attempt does not count.
    assert released.status == "new" and released.attempt == 0 and released.error is None

    second = make_worker()
    second.register(name, lambda: "done by the second worker")
    running(second)
    final = producer.wait(task.id, timeout=10)
    assert final.status == "success" and final.result == "done by the second worker" and final.attempt == 1


def test_tasks_run_in_parallel_up_to_concurrency(producer: Producer, make_worker: Callable[..., Worker], name: str) -> None:
    barrier = threading.Barrier(4, timeout=10)  # breaks (and fails the tasks) unless 4 run at once

    def meet(i: int) -> int:
        barrier.wait()
        return i

    worker = make_worker(concurrency=4)
    worker.register(name, meet)
    running(worker)
    tasks = producer.enqueue_many([TaskSpec(name, [i]) for i in range(4)])
    finals = [producer.wait(t.id, timeout=15) for t in tasks]
    assert [(f.status, f.result) for f in finals] == [("success", i) for i in range(4)]


class CountingInterceptor(grpc.UnaryUnaryClientInterceptor):
    """Counts the unary calls a client makes, by method (the Work stream is no unary call)."""

    def __init__(self) -> None:
        self.calls: Dict[str, int] = {}

    def intercept_unary_unary(self, continuation, client_call_details, request):  # type: ignore[no-untyped-def]
        method = client_call_details.method.rsplit("/", 1)[-1]
        self.calls[method] = self.calls.get(method, 0) + 1
        return continuation(client_call_details, request)


def test_completions_made_together_share_one_request(producer: Producer, make_worker: Callable[..., Worker], name: str) -> None:
    worker = make_worker(concurrency=5)
    barrier = threading.Barrier(5, timeout=10)
    worker.register(name, lambda i: barrier.wait() * 0 + i)
    running(worker)
    # Hold the first batch until every other outcome is queued behind it: they must then all
    # travel in one more request, not one each.
    batcher = worker._completions
    send, sizes = batcher._send, []

    def held_send(batch):  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + 10
        while not sizes and len(batch) + batcher.pending() < 5 and time.monotonic() < deadline:
            time.sleep(0.005)
        sizes.append(len(batch))
        send(batch)

    batcher._send = held_send  # type: ignore[method-assign]
    tasks = producer.enqueue_many([TaskSpec(name, [i]) for i in range(5)])
    finals = [producer.wait(t.id, timeout=15) for t in tasks]
    assert all(f.status == "success" for f in finals)
    assert sum(sizes) == 5
    # Five outcomes in at most two requests (one each would be five), however the first was cut:
    # [1, 4] when one outcome came first, [3, 2] when three did.
    assert len(sizes) <= 2


def test_outcomes_and_heartbeats_go_on_the_work_stream(producer: Producer, make_worker: Callable[..., Worker], name: str) -> None:
    counter = CountingInterceptor()
    worker = make_worker(concurrency=4, lease_ms=1000, interceptors=[counter])
    # The first task outlives its 1 s lease twice over: it succeeds only if heartbeats renew it.
    worker.register(name, lambda i: time.sleep(2 if i == 0 else 0) or i)
    running(worker)
    tasks = producer.enqueue_many([TaskSpec(name, [i]) for i in range(20)])
    finals = [producer.wait(t.id, timeout=15) for t in tasks]
    assert [(f.status, f.result, f.attempt) for f in finals] == [("success", i, 1) for i in range(20)]
    worker.stop(grace=5)
    assert {method: counter.calls.get(method, 0) for method in ("Complete", "Heartbeat", "Lease")} == {"Complete": 0, "Heartbeat": 0, "Lease": 0}


def test_a_refused_outcome_does_not_stop_the_worker(broker: BrokerProcess, producer: Producer, make_worker: Callable[..., Worker], name: str) -> None:
    started, finish = threading.Event(), threading.Event()

    def task(n: int) -> int:
        if n == 1:
            started.set()
            finish.wait(10)
        return n

    worker = make_worker()
    worker.register(name, task)
    running(worker)
    first = producer.enqueue(name, 1)
    assert started.wait(10)
    # Finish the task behind the worker's back with its own lease: the worker's outcome then
    # comes back accepted=false.
    token = worker._running[first.id].lease_token
    channel = grpc.insecure_channel(broker.address)
    stub = broker_pb2_grpc.BrokerServiceStub(channel)
    stub.Complete(broker_pb2.CompleteRequest(completions=[broker_pb2.Completion(
        task_id=first.id, lease_token=token, success=broker_pb2.Success(result=b'"from outside"'))]), timeout=5)
    channel.close()
    finish.set()
    assert producer.wait(first.id, timeout=10).result == "from outside"

    second = producer.wait(producer.enqueue(name, 2).id, timeout=10)
    assert second.status == "success" and second.result == 2


def test_unknown_task_name_fails_without_retry(producer: Producer, make_worker: Callable[..., Worker], name: str) -> None:
    worker = make_worker(queues=[name])
    worker.register(name, lambda: None)
    running(worker)
    final = producer.wait(producer.enqueue("not.registered", queue=name, max_retries=3).id, timeout=10)
    assert final.status == "error" and final.attempt == 1
    assert final.error is not None and final.error.type == "TaskNotRegistered"


def test_bad_input_surfaces_as_clear_exceptions(producer: Producer, make_worker: Callable[..., Worker], name: str) -> None:
    with pytest.raises(InvalidArgumentError, match=r"tasks\[0\]\.name"):
        producer.enqueue("")
    with pytest.raises(InvalidArgumentError, match=r"tasks\[1\]\.max_retries"):
        producer.enqueue_many([TaskSpec(name), TaskSpec(name, max_retries=-1)])
    with pytest.raises(TypeError, match="args is not JSON-serializable"):
        producer.enqueue(name, object())
    with pytest.raises(TypeError, match="args is not JSON-serializable"):
        producer.enqueue(name, float("nan"))
    with pytest.raises(TypeError, match="kwargs keys must be strings"):
        producer.enqueue(name, kwargs={1: "x"})  # type: ignore[dict-item]
    with pytest.raises(TaskNotFoundError):
        producer.get("01890000-0000-7000-8000-000000000000")
    with pytest.raises(TimeoutError):
        producer.wait(producer.enqueue(name).id, timeout=0.3)  # no worker for this queue

    worker = make_worker()
    worker.register(name, lambda: {1, 2})  # a set is not JSON
    with pytest.raises(ValueError, match="already registered"):
        worker.register(name, lambda: None)
    with pytest.raises(TypeError, match="retry_on"):
        worker.register("other", lambda: None, retry_on=("ValueError",))  # type: ignore[arg-type]
    running(worker)
    final = producer.wait(producer.enqueue(name).id, timeout=10)
    assert final.status == "error" and final.error is not None and final.error.type == "TypeError"
    assert "is not JSON-serializable" in final.error.message
    with pytest.raises(FailedPreconditionError):
        producer.cancel(final.id)


def test_bearer_token() -> None:
    secured = BrokerProcess("--auth-token", "s3cret-token")
    try:
        with Producer(secured.address) as anonymous, pytest.raises(AuthError) as refused:
            anonymous.enqueue("t")
        assert refused.value.code == grpc.StatusCode.UNAUTHENTICATED
        # Refused before the broker's service sees the call (its call guard), with details all the same.
        assert refused.value.reason == "UNAUTHENTICATED"
        with Producer(secured.address, token="s3cret-token") as client:
            worker = Worker(secured.address, token="s3cret-token", lease_ms=1500, wait_ms=5000, grace=0)
            worker.register("t", lambda x: x + 1)
            running(worker)
            try:
                assert client.wait(client.enqueue("t", 41).id, timeout=10).result == 42
            finally:
                worker.stop()
        bad = Worker(secured.address, token="wrong", wait_ms=1000)
        bad.register("t", lambda: None)
        with pytest.raises(AuthError):
            bad.run_forever()  # a refused token ends the worker instead of retrying forever
    finally:
        secured.close()
