"""The producer side: enqueue tasks, read, cancel, watch and wait for them."""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Union

import grpc

from ._connection import Backoff, Connection, TlsConfig
from ._gen.qtasks.broker.v1 import broker_pb2
from .errors import BrokerError, from_rpc_error
from .json_codec import encode_args, encode_kwargs
from .task_state import TaskState

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
        )
        if self.retry_backoff is not None:
            spec.retry_backoff.CopyFrom(broker_pb2.RetryBackoff(
                initial_ms=self.retry_backoff.initial_ms, multiplier=self.retry_backoff.multiplier, max_ms=self.retry_backoff.max_ms))
        if self.eta is not None:
            spec.eta.FromDatetime(self.eta)
        return spec


class Producer:
    """A client that enqueues tasks and follows them. Thread-safe; close it (or use ``with``).

    Args:
        address: ``HOST:PORT`` of the broker.
        token: sent as ``authorization: Bearer TOKEN`` (needs a ``producer`` or ``all`` scope).
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
    ) -> TaskState:
        """Stores one task (durably) and returns it, status ``new``.

        ``args`` are the task's positional arguments; keyword arguments go in ``kwargs=`` (so that
        they never collide with these options). ``queue`` defaults to ``name``; ``max_retries``
        is how many further attempts a retryable failure may get.

        Raises:
            TypeError: args/kwargs that JSON cannot carry.
            InvalidArgumentError: a field the broker refuses (its path starts the message).
            BrokerError: any other refusal, after resending through overload refusals.
        """
        spec = TaskSpec(name, args, kwargs, queue, priority, max_retries, retry_backoff, max_time_ms, delay_ms, eta,
                        idempotency_key, tags, dict(metadata or {}))
        return self.enqueue_many([spec])[0]

    def enqueue_many(self, specs: Iterable[TaskSpec]) -> List[TaskState]:
        """Stores a batch atomically in one Enqueue call: all of it or none. Returns the tasks in
        request order (for a repeated idempotency key, the first task stored with it).

        An overloaded broker refuses with RESOURCE_EXHAUSTED and a ``retry-after-ms`` hint, having
        stored nothing: the same request is sent again after the hint (doubling on each further
        refusal, at most 5 s, plus up to half again at random), up to 10 times.
        """
        request = broker_pb2.EnqueueRequest(tasks=[spec.to_proto() for spec in specs])
        if not request.tasks:
            raise ValueError("enqueue_many: no task given")
        resends = 0
        while True:
            try:
                response = self._conn.call("Enqueue", request)
                return [TaskState.from_proto(task) for task in response.tasks]
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

    def list_tasks(self, queue: str = "", status: Optional[str] = None, page_size: int = 100) -> Iterator[TaskState]:
        """Every task of ``queue`` (all queues if empty) in ``status`` (any if None), page by page."""
        status_value = 0 if status is None else broker_pb2.TaskStatus.Value(f"TASK_STATUS_{status.upper()}")
        token = ""
        while True:
            request = broker_pb2.ListTasksRequest(queue=queue, status=status_value, page_size=page_size, page_token=token)
            page = self._conn.call("ListTasks", request)
            for task in page.tasks:
                yield TaskState.from_proto(task)
            token = page.next_page_token
            if not token:
                return
