"""The producer side: enqueue tasks, read, cancel, retry, watch and wait for them; and the queue
verbs: list, pause, resume, purge queues and set their limits."""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Union

import grpc

from . import _tracing
from ._connection import Backoff, Connection, TlsConfig
from ._gen.qtasks.broker.v1 import broker_pb2
from .errors import BrokerError, from_rpc_error
from .json_codec import encode_args, encode_kwargs
from .queues import QueueInfo, QueueLimits, RateLimit
from .task_state import TaskState, status_value

#: Most times one Enqueue is sent again after an overloaded broker refused it (as the TS SDK).
MAX_OVERLOAD_RESENDS = 10
#: Longest wait before one such resend, in seconds.
MAX_OVERLOAD_WAIT = 5.0


@dataclass(frozen=True)
class RetryBackoff:
    """Delays between attempts (proto ``RetryBackoff``): ``initial_ms`` before the second attempt,
    times ``multiplier`` for each one after, never more than ``max_ms`` (0: no bound)."""

    initial_ms: int = 1000
    multiplier: float = 2.0
    max_ms: int = 100_000


@dataclass
class TaskSpec:
    """One task to enqueue with :meth:`Producer.enqueue_many` (fields as :meth:`Producer.enqueue`)."""

    name: str
    args: Sequence[Any] = ()
    kwargs: Optional[Mapping[str, Any]] = None
    queue: Optional[str] = None
    priority: int = 0
    max_retries: int = 0
    retry_backoff: Optional[RetryBackoff] = None
    max_time_ms: int = 0
    delay_ms: int = 0
    eta: Optional[datetime] = None
    idempotency_key: str = ""
    tags: Sequence[str] = ()
    metadata: Mapping[str, str] = field(default_factory=dict)
    #: How long to keep the task once it has ended, in milliseconds, if shorter than the broker's
    #: retention; 0 removes it as soon as it ends; None: the broker's retention.
    retention_ms: Optional[int] = None
    #: The group of the queue the task counts against for the per-key limits (a customer, a
    #: tenant, ...); empty: the queue-wide limits only.
    limit_key: str = ""

    def to_proto(self) -> broker_pb2.TaskSpec:
        """The proto ``TaskSpec``; raises TypeError for args/kwargs that JSON cannot carry."""
        spec = broker_pb2.TaskSpec(
            name=self.name,
            queue=self.queue or "",
            priority=self.priority,
            args=encode_args(self.args),
            kwargs=encode_kwargs(self.kwargs),
            max_retries=self.max_retries,
            max_time_ms=self.max_time_ms,
            delay_ms=self.delay_ms,
            idempotency_key=self.idempotency_key,
            tags=list(self.tags),
            metadata=dict(self.metadata),
            limit_key=self.limit_key,
        )
        if self.retention_ms is not None:
            spec.retention_ms = self.retention_ms
        if self.retry_backoff is not None:
            spec.retry_backoff.CopyFrom(broker_pb2.RetryBackoff(
                initial_ms=self.retry_backoff.initial_ms, multiplier=self.retry_backoff.multiplier, max_ms=self.retry_backoff.max_ms))
        if self.eta is not None:
            spec.eta.FromDatetime(self.eta)
        return spec


class Producer:
    """A client that enqueues tasks and follows them. Thread-safe; close it (or use ``with``).

    Besides tasks, it runs the queue verbs (:meth:`list_queues`, :meth:`pause_queue`,
    :meth:`resume_queue`, :meth:`purge_queue`, :meth:`set_queue_limits`,
    :meth:`get_queue_limits`) on the same channel.

    Args:
        address: ``HOST:PORT`` of the broker.
        token: sent as ``authorization: Bearer TOKEN`` (needs a ``producer`` or ``all`` scope;
            ``pause_queue``, ``resume_queue``, ``purge_queue`` and ``set_queue_limits`` need ``all``).
            Without TLS it crosses the network in plaintext: fine on loopback only.
        tls: True for TLS with the system's CAs, or a :class:`TlsConfig`.
        call_timeout: deadline of each unary call, in seconds.
        interceptors: grpcio client interceptors (tracing, tests).
    """

    def __init__(
        self,
        address: str,
        *,
        token: Optional[str] = None,
        tls: Union[bool, TlsConfig, None] = None,
        call_timeout: float = 15.0,
        interceptors: Sequence[Any] = (),
    ) -> None:
        self._conn = Connection(address, token=token, tls=tls, call_timeout=call_timeout, interceptors=interceptors)

    def __enter__(self) -> "Producer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Closes the channel; open watches end with an error."""
        self._conn.close()

    def enqueue(
        self,
        name: str,
        *args: Any,
        kwargs: Optional[Mapping[str, Any]] = None,
        queue: Optional[str] = None,
        priority: int = 0,
        max_retries: int = 0,
        retry_backoff: Optional[RetryBackoff] = None,
        max_time_ms: int = 0,
        delay_ms: int = 0,
        eta: Optional[datetime] = None,
        idempotency_key: str = "",
        tags: Sequence[str] = (),
        metadata: Optional[Mapping[str, str]] = None,
        retention_ms: Optional[int] = None,
        limit_key: str = "",
    ) -> TaskState:
        """Stores one task (durably) and returns it, status ``new``.

        ``args`` are the task's positional arguments; keyword arguments go in ``kwargs=`` (so that
        they never collide with these options). ``queue`` defaults to ``name``; ``max_retries``
        is how many further attempts a retryable failure may get. ``retention_ms`` keeps the ended
        task that long if shorter than the broker's retention (0: removed as it ends);
        ``limit_key`` is the group it counts against for the queue's per-key limits.

        Raises:
            TypeError: args/kwargs that JSON cannot carry.
            InvalidArgumentError: a field the broker refuses (its path starts the message).
            BrokerError: any other refusal, after resending through overload refusals.
        """
        spec = TaskSpec(name, args, kwargs, queue, priority, max_retries, retry_backoff, max_time_ms, delay_ms, eta,
                        idempotency_key, tags, dict(metadata or {}), retention_ms=retention_ms, limit_key=limit_key)
        return self.enqueue_many([spec])[0]

    def enqueue_many(self, specs: Iterable[TaskSpec]) -> List[TaskState]:
        """Stores a batch atomically in one Enqueue call: all of it or none. Returns the tasks in
        request order (for a repeated idempotency key, the first task stored with it).

        An overloaded broker refuses with RESOURCE_EXHAUSTED, reason ``OVERLOADED`` and a retry delay
        (``RetryInfo``), having stored nothing: the same request is sent again after the delay (doubling on each further
        refusal, at most 5 s, plus up to half again at random), up to 10 times.

        With OpenTelemetry importable and an SDK's tracer provider set, each task gets a PRODUCER
        span ``qtasks.enqueue <name>`` (a child of the current span), whose W3C context travels
        with the task to the worker's span of its run.
        """
        request = broker_pb2.EnqueueRequest(tasks=[spec.to_proto() for spec in specs])
        if not request.tasks:
            raise ValueError("enqueue_many: no task given")
        # With OpenTelemetry: a PRODUCER span per task, its context sent in `trace_context`.
        spans = _tracing.start_enqueue_spans(request.tasks)
        try:
            tasks = self._send_enqueue(request)
        except BaseException as error:
            _tracing.end_enqueue_spans(spans, None, error)
            raise
        _tracing.end_enqueue_spans(spans, tasks)
        return [TaskState.from_proto(task) for task in tasks]

    def _send_enqueue(self, request: broker_pb2.EnqueueRequest) -> Sequence[broker_pb2.Task]:
        resends = 0
        while True:
            try:
                return self._conn.call("Enqueue", request).tasks
            except BrokerError as error:
                if error.retry_after_ms is None or resends >= MAX_OVERLOAD_RESENDS:
                    raise
                wait = min(MAX_OVERLOAD_WAIT, max(0.001, error.retry_after_ms / 1000) * 2 ** resends)
                time.sleep(wait * (1 + random.random() / 2))
                resends += 1

    def get(self, task_id: str) -> TaskState:
        """The task's current state. Raises :class:`TaskNotFoundError` for an unknown id."""
        return TaskState.from_proto(self._conn.call("GetTask", broker_pb2.GetTaskRequest(task_id=task_id)).task)

    def cancel(self, task_id: str, reason: str = "") -> TaskState:
        """Cancels a task: a queued one ends ``cancel`` at once; a running one gets
        ``cancel_requested`` and its worker stops it at its next heartbeat.

        Raises:
            FailedPreconditionError: the task already ended in ``success`` or ``error``.
            TaskNotFoundError: unknown id.
        """
        request = broker_pb2.CancelTaskRequest(task_id=task_id, reason=reason)
        return TaskState.from_proto(self._conn.call("CancelTask", request).task)

    def retry(self, task_id: str) -> TaskState:
        """Runs an ended task again: an ``error`` or ``cancel`` task becomes ``retry``, ready at
        once, with the same id and a fresh retry budget (``max_retries`` further attempts after
        its next one). The failed attempts stay in :attr:`TaskState.history`.

        Raises:
            FailedPreconditionError: the task is not ``error`` or ``cancel`` (it succeeded, or is
                still waiting or running).
            TaskNotFoundError: unknown id.
        """
        return TaskState.from_proto(self._conn.call("RetryTask", broker_pb2.RetryTaskRequest(task_id=task_id)).task)

    def watch(self, task_id: str, timeout: Optional[float] = None) -> Iterator[TaskState]:
        """Yields the task's current state, then each transition, ending after a final status.

        If the stream breaks (broker restarting, or this reader too slow) it is opened again and
        starts over with the current state, so a state may repeat but none is missed at the end.

        Raises:
            TimeoutError: ``timeout`` seconds passed before a final status.
            TaskNotFoundError: unknown id.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        backoff = Backoff()
        request = broker_pb2.WatchResultRequest(task_id=task_id)
        while True:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise TimeoutError(f"task {task_id} did not finish within {timeout} s")
            call = self._conn.stub.WatchResult(request, timeout=remaining, metadata=self._conn.metadata)
            try:
                for message in call:
                    state = TaskState.from_proto(message.task)
                    yield state
                    if state.finished:
                        return
                # The stream ends only after a final status; ending otherwise is a broken stream.
            except grpc.RpcError as rpc_error:
                error = from_rpc_error(rpc_error, "WatchResult")
                if error.code == grpc.StatusCode.DEADLINE_EXCEEDED and deadline is not None:
                    raise TimeoutError(f"task {task_id} did not finish within {timeout} s") from None
                if error.code not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED):
                    raise error from None
            finally:
                call.cancel()
            pause = backoff.next()
            if deadline is not None:
                pause = min(pause, max(0.0, deadline - time.monotonic()))
            time.sleep(pause)

    def wait(self, task_id: str, timeout: Optional[float] = None) -> TaskState:
        """Blocks until the task is final and returns it (one WatchResult stream, no polling).

        Raises:
            TimeoutError: not final within ``timeout`` seconds.
        """
        for state in self.watch(task_id, timeout):
            if state.finished:
                return state
        raise BrokerError(grpc.StatusCode.INTERNAL, "the watch ended before a final status", "WatchResult")

    def list_tasks(
        self,
        queue: str = "",
        status: Optional[str] = None,
        page_size: int = 100,
        finished_after: Optional[datetime] = None,
    ) -> Iterator[TaskState]:
        """Every task of ``queue`` (all queues if empty) in ``status`` (any if None), page by page.

        ``finished_after`` keeps the tasks that ended at or after that time (a naive datetime is
        taken as UTC), in the order they ended; it needs a final ``status`` (``success``,
        ``error`` or ``cancel``).

        Raises:
            ValueError: an unknown status name.
            InvalidArgumentError: ``finished_after`` without a final status, or another bad filter.
        """
        request = broker_pb2.ListTasksRequest(queue=queue, status=0 if status is None else status_value(status), page_size=page_size)
        if finished_after is not None:
            request.finished_after.FromDatetime(finished_after)
        while True:
            page = self._conn.call("ListTasks", request)
            for task in page.tasks:
                yield TaskState.from_proto(task)
            if not page.next_page_token:
                return
            request.page_token = page.next_page_token

    # Queue verbs.

    def list_queues(self) -> List[QueueInfo]:
        """Every queue the broker knows (one that holds a task, or has settings), in name order,
        with its counts by status, whether it is paused, its limits, the age of its oldest ready
        task and its completions over the last minute."""
        return [QueueInfo.from_proto(info) for info in self._conn.call("ListQueues", broker_pb2.ListQueuesRequest()).queues]

    def pause_queue(self, queue: str) -> QueueInfo:
        """Stops ``queue`` from handing out tasks, durably (across broker restarts). It still
        accepts tasks, and tasks already running finish. A queue may be paused before its first
        task arrives; pausing a paused queue changes nothing. Needs an ``all`` token.

        Raises:
            InvalidArgumentError: a bad queue name.
            AuthError: a token whose scope is not ``all``.
        """
        return QueueInfo.from_proto(self._conn.call("PauseQueue", broker_pb2.PauseQueueRequest(queue=queue)).queue)

    def resume_queue(self, queue: str) -> QueueInfo:
        """Lets a paused ``queue`` hand out tasks again, durably; resuming a queue that is not
        paused changes nothing. Needs an ``all`` token (errors as :meth:`pause_queue`)."""
        return QueueInfo.from_proto(self._conn.call("ResumeQueue", broker_pb2.ResumeQueueRequest(queue=queue)).queue)

    def purge_queue(self, queue: str, statuses: Union[str, Iterable[str]]) -> int:
        """Removes the tasks of ``queue`` in ``statuses`` (any of ``new``, ``retry``,
        ``success``, ``error``, ``cancel``: running tasks are never purged, cancel them first),
        with their idempotency keys. Watchers of a purged task that had not ended fail with
        :class:`TaskNotFoundError`. Returns how many tasks were removed. Needs an ``all`` token.

        Raises:
            ValueError: an unknown status name.
            InvalidArgumentError: a bad queue name, no status, or ``process`` among them.
        """
        names = [statuses] if isinstance(statuses, str) else list(statuses)
        request = broker_pb2.PurgeQueueRequest(queue=queue, statuses=[status_value(name) for name in names])
        return self._conn.call("PurgeQueue", request).purged

    def set_queue_limits(
        self,
        queue: str,
        limits: Optional[QueueLimits] = None,
        *,
        max_running: int = 0,
        rate: Optional[RateLimit] = None,
        max_running_per_key: int = 0,
        rate_per_key: Optional[RateLimit] = None,
    ) -> QueueLimits:
        """Replaces the limits of ``queue``, durably, with ``limits`` or with the ones given by
        keyword (not both): ``max_running`` tasks at once, ``rate`` starts per period, and the
        same for each ``limit_key`` of the queue. Unset (0 / None) means no limit, so
        ``set_queue_limits(queue)`` removes them all. The broker enforces them when it hands tasks
        out, across every worker; a task over a limit waits without taking a lease or an attempt.
        Returns the limits now in force. Needs an ``all`` token.

        Raises:
            TypeError: both ``limits`` and keyword limits given.
            InvalidArgumentError: a negative number or a rate with a count but no period (the
                message names it, e.g. ``limits.rate.period_ms``).
        """
        keywords = QueueLimits(max_running, rate, max_running_per_key, rate_per_key)
        if limits is None:
            limits = keywords
        elif keywords != QueueLimits():
            raise TypeError("set_queue_limits: give either a QueueLimits or keyword limits, not both")
        request = broker_pb2.SetQueueLimitsRequest(queue=queue, limits=limits.to_proto())
        return QueueLimits.from_proto(self._conn.call("SetQueueLimits", request).limits)

    def get_queue_limits(self, queue: str) -> QueueLimits:
        """The limits of ``queue`` (all unset when it has none)."""
        return QueueLimits.from_proto(self._conn.call("GetQueueLimits", broker_pb2.GetQueueLimitsRequest(queue=queue)).limits)
