"""The client's exceptions: broker refusals (one class per gRPC status that callers act on) and
:class:`TaskCancelled`, which a task raises to end as cancelled."""
from __future__ import annotations

import re
from typing import Optional

import grpc

RETRY_AFTER_MS_TRAILER = "retry-after-ms"


class QTasksBrokerError(Exception):
    """Base class of every error this package raises about the broker."""


class BrokerError(QTasksBrokerError):
    """The broker refused a call, or could not be reached.

    Attributes:
        code: the gRPC status code.
        details: the broker's message (for a bad field it starts with the field's path).
        method: the RPC, e.g. ``"Enqueue"``.
        retry_after_ms: the broker's ``retry-after-ms`` hint of an overload refusal, else None.
    """

    def __init__(self, code: grpc.StatusCode, details: str, method: str, retry_after_ms: Optional[int] = None) -> None:
        super().__init__(f"{method}: {code.name}: {details}")
        self.code = code
        self.details = details
        self.method = method
        self.retry_after_ms = retry_after_ms

    @property
    def transient(self) -> bool:
        """True when the same call may succeed later (broker restarting, overloaded, unreachable)."""
        return self.code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.DEADLINE_EXCEEDED)

    def item_index(self, field: str) -> Optional[int]:
        """For a batch refused because of one item (``completions[3].…``), that item's index."""
        if self.code not in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.RESOURCE_EXHAUSTED):
            return None
        match = re.match(rf"{re.escape(field)}\[(\d+)\]", self.details)
        return int(match.group(1)) if match else None


class InvalidArgumentError(BrokerError, ValueError):
    """INVALID_ARGUMENT: a field is missing or malformed (named at the start of ``details``)."""


class TaskNotFoundError(BrokerError, LookupError):
    """NOT_FOUND: the broker does not know the task id."""


class FailedPreconditionError(BrokerError):
    """FAILED_PRECONDITION: the task's status forbids the call (e.g. cancelling a finished task)."""


class AuthError(BrokerError, PermissionError):
    """UNAUTHENTICATED or PERMISSION_DENIED: a missing/wrong token, or one whose scope is too narrow."""


_BY_CODE = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.NOT_FOUND: TaskNotFoundError,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPreconditionError,
    grpc.StatusCode.UNAUTHENTICATED: AuthError,
    grpc.StatusCode.PERMISSION_DENIED: AuthError,
}


def from_rpc_error(error: grpc.RpcError, method: str) -> BrokerError:
    """The :class:`BrokerError` (subclass) for a failed call, with its retry hint if it had one."""
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    details = (error.details() if hasattr(error, "details") else None) or str(error)
    retry_after: Optional[int] = None
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED and hasattr(error, "trailing_metadata"):
        for key, value in error.trailing_metadata() or ():
            if key == RETRY_AFTER_MS_TRAILER:
                try:
                    retry_after = max(0, int(float(value)))
                except ValueError:
                    pass
    return _BY_CODE.get(code, BrokerError)(code, details, method, retry_after)


class TaskCancelled(Exception):
    """Raise inside a task to stop it as cancelled: it ends in ``cancel`` and is never retried.

    ``reason`` becomes the task's ``cancel_reason``; left empty, the broker keeps the reason given
    to ``CancelTask`` (if the cancel came from a producer).
    """

    def __init__(self, reason: str = "") -> None:
        super().__init__(f"task cancelled: {reason}" if reason else "task cancelled")
        self.reason = reason
