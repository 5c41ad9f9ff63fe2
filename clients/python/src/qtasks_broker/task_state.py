"""Friendly, immutable views of the broker's ``Task`` record."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from ._gen.qtasks.broker.v1 import broker_pb2
from .json_codec import decode_json

#: QTasks' final statuses: a task in one of them never changes again.
FINAL_STATUSES = frozenset({"success", "error", "cancel"})


def status_name(status: int) -> str:
    """``TASK_STATUS_PROCESS`` → ``"process"``: QTasks' lowercase status names."""
    return broker_pb2.TaskStatus.Name(status).removeprefix("TASK_STATUS_").lower()


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
    #: The proto ``Task`` this view was made from, for anything not surfaced above.
    raw: broker_pb2.Task = field(repr=False, compare=False)

    @property
    def finished(self) -> bool:
        """True in a final status (``success``, ``error``, ``cancel``)."""
        return self.status in FINAL_STATUSES

    @classmethod
    def from_proto(cls, task: broker_pb2.Task) -> "TaskState":
        """The view of a proto ``Task``."""
        error = None
        if task.HasField("error"):
            error = TaskError(type=task.error.type, message=task.error.message, traceback=task.error.traceback)
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
            raw=task,
        )
