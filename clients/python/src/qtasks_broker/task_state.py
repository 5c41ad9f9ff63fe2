"""Friendly, immutable views of the broker's ``Task`` record."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from ._gen.qtasks.broker.v1 import broker_pb2
from .json_codec import decode_json

#: QTasks' final statuses: a task in one of them never changes again.
FINAL_STATUSES = frozenset({"success", "error", "cancel"})


#: Every status, in lifecycle order.
STATUSES = ("new", "process", "retry", "success", "error", "cancel")


def status_name(status: int) -> str:
    """``TASK_STATUS_PROCESS`` → ``"process"``: QTasks' lowercase status names."""
    return broker_pb2.TaskStatus.Name(status).removeprefix("TASK_STATUS_").lower()


def status_value(name: str) -> int:
    """``"process"`` → ``TASK_STATUS_PROCESS``; raises ValueError for a name not in :data:`STATUSES`."""
    if name not in STATUSES:
        raise ValueError(f"unknown status {name!r}: expected one of {', '.join(STATUSES)}")
    return broker_pb2.TaskStatus.Value(f"TASK_STATUS_{name.upper()}")


def _time(message: Any, field_name: str) -> Optional[datetime]:
    # Unset Timestamps read as the epoch; an unset time is None here, not 1970.
    if not message.HasField(field_name):
        return None
    return getattr(message, field_name).ToDatetime(tzinfo=timezone.utc)


@dataclass(frozen=True)
class TaskError:
    """Why an attempt failed (``TaskError`` of the proto)."""

    #: Error class name, e.g. ``ValueError``, ``TimeLimitExceeded``, ``LeaseExpired``.
    type: str
    #: Human-readable message.
    message: str
    #: Traceback text, in the failing worker's language's own format.
    traceback: str

    @classmethod
    def from_proto(cls, error: broker_pb2.TaskError) -> "TaskError":
        """The view of a proto ``TaskError``."""
        return cls(type=error.type, message=error.message, traceback=error.traceback)


@dataclass(frozen=True)
class PastAttempt:
    """One attempt of a task that did not succeed (``PastAttempt`` of the proto), in
    :attr:`TaskState.history`."""

    #: Which attempt (1 for the first).
    attempt: int
    #: What the attempt ended the task as: ``retry`` (it ran again), ``error`` or ``cancel``.
    status: str
    #: Why it failed; None for a cancel without error.
    error: Optional[TaskError]
    #: Why it was cancelled, for a ``cancel``; None otherwise.
    cancel_reason: Optional[str]
    started_at: Optional[datetime]
    ended_at: Optional[datetime]
    #: The worker that ran it.
    worker_id: str

    @classmethod
    def from_proto(cls, past: broker_pb2.PastAttempt) -> "PastAttempt":
        """The view of a proto ``PastAttempt``."""
        return cls(
            attempt=past.attempt,
            status=status_name(past.status),
            error=TaskError.from_proto(past.error) if past.HasField("error") else None,
            cancel_reason=past.cancel_reason or None,
            started_at=_time(past, "started_at"),
            ended_at=_time(past, "ended_at"),
            worker_id=past.worker_id,
        )


@dataclass(frozen=True)
class TaskState:
    """One task as the broker has it; ``status`` uses QTasks' names.

    ``args``, ``kwargs``, ``result`` and ``progress`` are decoded from their JSON.
    """

    id: str
    name: str
    queue: str
    #: ``new``, ``process``, ``retry``, ``success``, ``error`` or ``cancel``.
    status: str
    priority: int
    #: Attempts started so far: 0 before the first lease, 1 during the first run, ...
    attempt: int
    max_retries: int
    args: List[Any]
    kwargs: Dict[str, Any]
    #: The result of a ``success`` task; None otherwise (or when the task returned None).
    result: Any
    #: The last failure (kept on ``retry``, set on ``error``), or None.
    error: Optional[TaskError]
    #: Why the task was cancelled (or asked to cancel); None when it never was.
    cancel_reason: Optional[str]
    #: True once a cancel was requested while the task was running.
    cancel_requested: bool
    #: The latest progress its worker reported for the current attempt, or None.
    progress: Any
    worker_id: str
    tags: List[str]
    metadata: Dict[str, str]
    idempotency_key: str
    max_time_ms: int
    created_at: Optional[datetime]
    updated_at: Optional[datetime]
    started_at: Optional[datetime]
    finished_at: Optional[datetime]
    eta: Optional[datetime]
    #: The per-key limit group the task counts against (see :meth:`Producer.set_queue_limits`);
    #: empty if none.
    limit_key: str
    #: How long the task is kept once ended, in milliseconds, as enqueued; None: the broker's
    #: retention (0: removed as soon as it ends).
    retention_ms: Optional[int]
    #: The attempts that did not succeed, oldest first (at most the last 100); a
    #: :meth:`Producer.retry` keeps them.
    history: List[PastAttempt]
    #: Attempts made before the last :meth:`Producer.retry` (0 if never retried by hand): the
    #: retry budget (``max_retries``) counts the attempts after it.
    attempts_before_retry: int
    #: The W3C ``traceparent`` of the producer's enqueue span (``Task.trace_context``); empty if
    #: it sent none.
    traceparent: str
    #: Its ``tracestate``; empty if none.
    tracestate: str
    #: The proto ``Task`` this view was made from, for anything not surfaced above.
    raw: broker_pb2.Task = field(repr=False, compare=False)

    @property
    def finished(self) -> bool:
        """True in a final status (``success``, ``error``, ``cancel``)."""
        return self.status in FINAL_STATUSES

    @classmethod
    def from_proto(cls, task: broker_pb2.Task) -> "TaskState":
        """The view of a proto ``Task``."""
        error = TaskError.from_proto(task.error) if task.HasField("error") else None
        return cls(
            id=task.id,
            name=task.name,
            queue=task.queue,
            status=status_name(task.status),
            priority=task.priority,
            attempt=task.attempt,
            max_retries=task.max_retries,
            args=decode_json(task.args, []),
            kwargs=decode_json(task.kwargs, {}),
            result=decode_json(task.result, None),
            error=error,
            cancel_reason=task.cancel_reason or None,
            cancel_requested=task.cancel_requested,
            progress=decode_json(task.progress, None),
            worker_id=task.worker_id,
            tags=list(task.tags),
            metadata=dict(task.metadata),
            idempotency_key=task.idempotency_key,
            max_time_ms=task.max_time_ms,
            created_at=_time(task, "created_at"),
            updated_at=_time(task, "updated_at"),
            started_at=_time(task, "started_at"),
            finished_at=_time(task, "finished_at"),
            eta=_time(task, "eta"),
            limit_key=task.limit_key,
            retention_ms=task.retention_ms if task.HasField("retention_ms") else None,
            history=[PastAttempt.from_proto(past) for past in task.history],
            attempts_before_retry=task.attempts_before_retry,
            traceparent=task.trace_context.traceparent,
            tracestate=task.trace_context.tracestate,
            raw=task,
        )
