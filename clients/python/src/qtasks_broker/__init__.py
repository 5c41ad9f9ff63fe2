"""Python client of the QTasks broker: a :class:`Producer` that enqueues and follows tasks, and a
:class:`Worker` that runs them, speaking the broker's gRPC contract (``broker.proto``) with the same
JSON conventions as the TypeScript SDK, so tasks cross languages in both directions."""
from ._connection import TlsConfig
from .client import Producer, RetryBackoff, TaskSpec
from .errors import (
    AuthError,
    BrokerError,
    FailedPreconditionError,
    InvalidArgumentError,
    QTasksBrokerError,
    TaskCancelled,
    TaskNotFoundError,
)
from .queues import QueueCounts, QueueInfo, QueueLimits, RateLimit
from .task_state import FINAL_STATUSES, STATUSES, PastAttempt, TaskError, TaskState
from .worker import TaskContext, Worker, current_task

__all__ = [
    "AuthError", "BrokerError", "FailedPreconditionError", "FINAL_STATUSES", "InvalidArgumentError", "PastAttempt",
    "Producer", "QTasksBrokerError", "QueueCounts", "QueueInfo", "QueueLimits", "RateLimit", "RetryBackoff",
    "STATUSES", "TaskCancelled", "TaskContext", "TaskError", "TaskNotFoundError", "TaskSpec", "TaskState",
    "TlsConfig", "Worker", "current_task",
]
