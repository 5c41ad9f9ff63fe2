"""End-to-end tests of retry, retention, limit keys, finished_after and the queue verbs (list, pause,
resume, purge, limits) against a real broker process."""
from __future__ import annotations

import os
import tempfile
import time
from datetime import timedelta
from typing import Callable, List

import grpc
import pytest

from qtasks_broker import (
    AuthError,
    FailedPreconditionError,
    InvalidArgumentError,
    Producer,
    QueueCounts,
    QueueInfo,
    QueueLimits,
    RateLimit,
    TaskNotFoundError,
    TaskSpec,
    Worker,
    current_task,
)

from conftest import BrokerProcess

UNKNOWN_ID = "01890000-0000-7000-8000-000000000000"


def running(worker: Worker) -> Worker:
    worker.start()
    assert worker.wait_ready(10), "the worker never got its first Lease in flight"
    return worker


def queue_info(producer: Producer, queue: str) -> QueueInfo:
    found = [info for info in producer.list_queues() if info.name == queue]
    assert len(found) == 1, f"list_queues has {len(found)} entries named {queue}"
    return found[0]


def test_retention_and_limit_key_round_trip(producer: Producer, name: str) -> None:
    kept = producer.enqueue(name, retention_ms=60_000, limit_key="tenant-1")
    assert (kept.retention_ms, kept.limit_key) == (60_000, "tenant-1")
    got = producer.get(kept.id)
    assert (got.retention_ms, got.limit_key, got.history, got.attempts_before_retry) == (60_000, "tenant-1", [], 0)

    plain = producer.enqueue(name)
    assert (plain.retention_ms, plain.limit_key) == (None, "")

    # retention_ms=0 is sent (not taken for "unset"): the task is removed as soon as it ends.
    gone, kept_too = producer.enqueue_many([TaskSpec(name, retention_ms=0), TaskSpec(name, limit_key="tenant-2")])
    assert gone.retention_ms == 0 and kept_too.limit_key == "tenant-2" and kept_too.retention_ms is None
    assert producer.cancel(gone.id).status == "cancel"
    with pytest.raises(TaskNotFoundError):
        producer.get(gone.id)
    assert producer.cancel(plain.id).status == "cancel"
    assert producer.get(plain.id).status == "cancel"  # the broker's retention keeps it

    with pytest.raises(InvalidArgumentError, match=r"tasks\[0\]\.retention_ms"):
        producer.enqueue(name, retention_ms=-1)


def test_retry_runs_a_failed_task_again_and_keeps_its_history(producer: Producer, make_worker: Callable[..., Worker], name: str) -> None:
    calls: List[int] = []

    def fails_once() -> str:
        calls.append(current_task().attempt)
        if len(calls) == 1:
            raise ValueError("first run fails")
        return "second run"

    worker = make_worker()
    worker.register(name, fails_once)
    running(worker)
    task = producer.enqueue(name)
    failed = producer.wait(task.id, timeout=10)
    assert failed.status == "error" and failed.attempt == 1
    assert len(failed.history) == 1
    past = failed.history[0]
    assert (past.attempt, past.status, past.worker_id) == (1, "error", worker.id)
    assert past.error is not None and (past.error.type, past.error.message) == ("ValueError", "first run fails")
    assert past.started_at is not None and past.ended_at is not None and past.started_at <= past.ended_at

    again = producer.retry(task.id)
    assert again.id == task.id and again.status == "retry" and again.attempts_before_retry == 1

    final = producer.wait(task.id, timeout=10)
    assert (final.status, final.result, final.attempt, final.attempts_before_retry) == ("success", "second run", 2, 1)
    assert [(p.attempt, p.status) for p in final.history] == [(1, "error")]
    assert calls == [1, 2]

    with pytest.raises(FailedPreconditionError):
        producer.retry(task.id)  # it succeeded
    with pytest.raises(TaskNotFoundError):
        producer.retry(UNKNOWN_ID)


def test_retry_of_a_cancelled_task(producer: Producer, name: str) -> None:
    task = producer.enqueue(name)
    with pytest.raises(FailedPreconditionError):
        producer.retry(task.id)  # still waiting
    producer.cancel(task.id, "not now")
    again = producer.retry(task.id)
    assert again.status == "retry"
    assert [(p.status, p.cancel_reason) for p in again.history] == [("cancel", "not now")]


def test_a_paused_queue_holds_its_tasks_until_resumed(producer: Producer, make_worker: Callable[..., Worker], name: str) -> None:
    # Paused before its first task: allowed, and listed.
    paused = producer.pause_queue(name)
    assert (paused.name, paused.paused) == (name, True)
    assert producer.pause_queue(name).paused  # pausing again changes nothing

    worker = make_worker()
    worker.register(name, lambda: "ran")
    running(worker)
    task = producer.enqueue(name)
    time.sleep(0.8)
    assert producer.get(task.id).status == "new"
    info = queue_info(producer, name)
    assert info.paused and info.counts == QueueCounts(new=1)

    resumed = producer.resume_queue(name)
    assert (resumed.name, resumed.paused) == (name, False)
    assert producer.wait(task.id, timeout=10).status == "success"
    assert not queue_info(producer, name).paused


def test_list_queues_counts_ages_and_completions(producer: Producer, name: str) -> None:
    other = f"{name}.b"
    first, second, third = producer.enqueue_many([TaskSpec(name), TaskSpec(name), TaskSpec(other)])
    producer.cancel(second.id)
    time.sleep(0.3)
    queues = producer.list_queues()
    names = [info.name for info in queues]
    assert names == sorted(names) and name in names and other in names
    info = queue_info(producer, name)
    assert info.counts == QueueCounts(new=1, cancel=1)
    assert info.completed_last_minute == 1
    assert info.oldest_ready_age_ms >= 250  # `first` has waited since it was enqueued
    assert not info.paused and info.limits == QueueLimits()
    assert queue_info(producer, other).counts == QueueCounts(new=1)
    assert first.status == third.status == "new"


def test_queue_limits_round_trip(producer: Producer, name: str) -> None:
    assert producer.get_queue_limits(name) == QueueLimits()  # none yet

    limits = QueueLimits(max_running=3, rate=RateLimit(10, 1000), max_running_per_key=1, rate_per_key=RateLimit(2, 60_000))
    assert producer.set_queue_limits(name, limits) == limits
    assert producer.get_queue_limits(name) == limits
    assert queue_info(producer, name).limits == limits  # listed although it holds no task

    # Keywords replace the whole set: what is not given is no longer limited.
    assert producer.set_queue_limits(name, max_running=2) == QueueLimits(max_running=2)
    assert producer.get_queue_limits(name) == QueueLimits(max_running=2)
    with pytest.raises(TypeError, match="not both"):
        producer.set_queue_limits(name, limits, max_running=1)

    cleared = producer.set_queue_limits(name)
    assert cleared == QueueLimits() and cleared.unlimited
    assert producer.get_queue_limits(name).unlimited

    with pytest.raises(InvalidArgumentError, match=r"limits\.max_running"):
        producer.set_queue_limits(name, max_running=-1)
    with pytest.raises(InvalidArgumentError, match=r"limits\.rate_per_key\.period_ms"):
        producer.set_queue_limits(name, rate_per_key=RateLimit(5, 0))
    with pytest.raises(InvalidArgumentError, match="queue"):
        producer.get_queue_limits("")


def test_purge_removes_the_given_statuses(producer: Producer, name: str) -> None:
    a, b, c = producer.enqueue_many([TaskSpec(name, [i], idempotency_key=f"k{i}") for i in range(3)])
    producer.cancel(b.id)
    assert producer.purge_queue(name, ["cancel"]) == 1
    with pytest.raises(TaskNotFoundError):
        producer.get(b.id)
    assert producer.get(a.id).status == "new"

    assert producer.purge_queue(name, "new") == 2  # one status name alone
    assert list(producer.list_tasks(name)) == []
    assert queue_info(producer, name).counts == QueueCounts()
    # The idempotency keys went with the tasks: the same key makes a new task.
    assert producer.enqueue(name, 0, idempotency_key="k0").id != a.id

    assert producer.purge_queue(name, ["success", "error"]) == 0
    with pytest.raises(InvalidArgumentError, match=r"statuses\[0\]"):
        producer.purge_queue(name, ["process"])
    with pytest.raises(InvalidArgumentError, match="statuses"):
        producer.purge_queue(name, [])
    with pytest.raises(ValueError, match="unknown status 'finished'"):
        producer.purge_queue(name, ["finished"])
    assert c.id != a.id


def test_list_tasks_finished_after(producer: Producer, name: str) -> None:
    first, second, waiting = producer.enqueue_many([TaskSpec(name), TaskSpec(name), TaskSpec(name)])
    first_end = producer.cancel(first.id).finished_at
    assert first_end is not None
    time.sleep(0.05)
    second_end = producer.cancel(second.id).finished_at
    assert second_end is not None and second_end > first_end

    after_first = list(producer.list_tasks(name, "cancel", finished_after=first_end + timedelta(milliseconds=1)))
    assert [t.id for t in after_first] == [second.id]
    both = list(producer.list_tasks(name, "cancel", page_size=1, finished_after=first_end))
    assert [t.id for t in both] == [first.id, second.id]  # in the order they ended, across pages
    assert list(producer.list_tasks(name, "cancel", finished_after=second_end + timedelta(seconds=1))) == []

    with pytest.raises(InvalidArgumentError, match="finished_after"):
        list(producer.list_tasks(name, finished_after=first_end))
    with pytest.raises(InvalidArgumentError, match="finished_after"):
        list(producer.list_tasks(name, "new", finished_after=first_end))
    assert [t.id for t in producer.list_tasks(name, "new")] == [waiting.id]


def test_queue_admin_verbs_need_an_all_token() -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".tokens", delete=False) as tokens:
        tokens.write("producer-token producer\nadmin-token all\n")
    secured = BrokerProcess("--auth-tokens-file", tokens.name)
    try:
        with Producer(secured.address, token="producer-token") as producer, Producer(secured.address, token="admin-token") as admin:
            # A producer token reads queues and retries tasks ...
            task = producer.enqueue("scoped")
            producer.cancel(task.id)
            assert producer.retry(task.id).status == "retry"
            assert [info.name for info in producer.list_queues()] == ["scoped"]
            assert producer.get_queue_limits("scoped") == QueueLimits()
            # ... but changing a queue takes an `all` token.
            for verb in (lambda c: c.pause_queue("scoped"), lambda c: c.resume_queue("scoped"),
                         lambda c: c.purge_queue("scoped", ["retry"]), lambda c: c.set_queue_limits("scoped", max_running=1)):
                with pytest.raises(AuthError) as refused:
                    verb(producer)
                assert refused.value.code == grpc.StatusCode.PERMISSION_DENIED
                verb(admin)
            assert admin.get_queue_limits("scoped") == QueueLimits(max_running=1)
            assert admin.list_queues()[0].counts == QueueCounts()  # purged by the admin
    finally:
        secured.close()
        os.unlink(tokens.name)


def test_a_task_with_a_limit_key_runs_under_per_key_limits(producer: Producer, make_worker: Callable[..., Worker], name: str) -> None:
    seen: List[str] = []

    def record() -> str:
        seen.append(current_task().task_id)
        return "ok"

    producer.set_queue_limits(name, max_running_per_key=1)
    worker = make_worker()
    worker.register(name, record)
    running(worker)
    final = producer.wait(producer.enqueue(name, limit_key="tenant-9").id, timeout=10)
    assert final.status == "success" and final.limit_key == "tenant-9" and seen == [final.id]
