"""The client's exceptions: broker refusals (one class per gRPC status that callers act on) and
:class:`TaskCancelled`, which a task raises to end as cancelled."""
from __future__ import annotations

import re
from typing import Optional, Sequence, Tuple

import grpc
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

#: The ``ErrorInfo.domain`` of the broker's refusals: a reason of another domain is not ours.
ERROR_DOMAIN = "qtasks.broker.v1"

#: Deprecated: the trailer in which an older broker sent its overload retry hint. The broker still
#: sends it for one release beside ``RetryInfo``; it is read only when a refusal has no details.
RETRY_AFTER_MS_TRAILER = "retry-after-ms"

# The path an older broker's message starts with (``tasks[2].name: must not be empty``).
_FIELD_IN_MESSAGE = re.compile(r"([a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*): ")
_CODES_NAMING_A_FIELD = (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.ALREADY_EXISTS)


class QTasksBrokerError(Exception):
    """Base class of every error this package raises about the broker."""


class BrokerError(QTasksBrokerError):
    """The broker refused a call, or could not be reached.

    Attributes:
        code: the gRPC status code.
        details: the broker's message (for display; act on ``reason`` and ``field``).
        method: the RPC, e.g. ``"Enqueue"``.
        retry_after_ms: how long to wait before resending a call an overloaded broker refused
            (reason ``OVERLOADED``; nothing was stored), from its ``RetryInfo``; else None.
        reason: the broker's stable reason (``ErrorInfo.reason``), e.g. ``"INVALID_FIELD"``,
            ``"TASK_NOT_FOUND"``, ``"OVERLOADED"``; None when it sent none (an older broker, or a
            failure of the connection itself).
        field: the request field the refusal is about, e.g. ``"tasks[2].name"`` (``BadRequest``
            of an INVALID_ARGUMENT, or ``ErrorInfo.metadata["field"]``); else None.
    """

    def __init__(self, code: grpc.StatusCode, details: str, method: str, retry_after_ms: Optional[int] = None,
                 *, reason: Optional[str] = None, field: Optional[str] = None) -> None:
        super().__init__(f"{method}: {code.name}: {details}")
        self.code = code
        self.details = details
        self.method = method
        self.retry_after_ms = retry_after_ms
        self.reason = reason
        self.field = field

    @property
    def transient(self) -> bool:
        """True when the same call may succeed later (broker restarting, overloaded, unreachable)."""
        return self.code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.DEADLINE_EXCEEDED)

    def item_index(self, field: str) -> Optional[int]:
        """For a batch refused because of one item (field ``completions[3].…``), that item's index."""
        if self.code not in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.RESOURCE_EXHAUSTED) or not self.field:
            return None
        match = re.match(rf"{re.escape(field)}\[(\d+)\]", self.field)
        return int(match.group(1)) if match else None


class InvalidArgumentError(BrokerError, ValueError):
    """INVALID_ARGUMENT: a field is missing or malformed (named in ``field``)."""


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


def _status_of(error: grpc.RpcError) -> Optional[status_pb2.Status]:
    """The ``google.rpc.Status`` in the call's ``grpc-status-details-bin`` trailer, if it has one."""
    if not (hasattr(error, "code") and hasattr(error, "details") and hasattr(error, "trailing_metadata")):
        return None
    try:
        return rpc_status.from_call(error)  # type: ignore[arg-type]
    except ValueError:
        # The details disagree with the call's own code or message (not the broker's): ignored.
        return None


def _read_details(status: status_pb2.Status) -> Tuple[Optional[str], Optional[str], Optional[int]]:
    """Reason, field and retry delay (ms) from the details of a refusal."""
    reason: Optional[str] = None
    field: Optional[str] = None
    retry_after: Optional[int] = None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            if info.domain == ERROR_DOMAIN:
                reason = info.reason
                field = field or info.metadata.get("field") or None
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            # A BadRequest names the field exactly; it wins over ErrorInfo's copy.
            if bad_request.field_violations and bad_request.field_violations[0].field:
                field = bad_request.field_violations[0].field
        elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            detail.Unpack(retry)
            retry_after = max(0, round(retry.retry_delay.ToNanoseconds() / 1_000_000))
    return reason, field, retry_after


def _read_legacy(code: grpc.StatusCode, details: str, trailer: Sequence[Tuple[str, object]]) -> Tuple[Optional[str], Optional[int]]:
    """Field and retry hint of an older broker's refusal, which has no details: from the message
    and the ``retry-after-ms`` trailer."""
    match = _FIELD_IN_MESSAGE.match(details) if code in _CODES_NAMING_A_FIELD else None
    retry_after: Optional[int] = None
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        for key, value in trailer:
            if key == RETRY_AFTER_MS_TRAILER:
                try:
                    retry_after = max(0, int(float(value)))  # type: ignore[arg-type]
                except ValueError:
                    pass
    return (match.group(1) if match else None), retry_after


def from_rpc_error(error: grpc.RpcError, method: str) -> BrokerError:
    """The :class:`BrokerError` (subclass) for a failed call, with the reason, field and retry
    delay of the broker's ``google.rpc`` error details."""
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    details = (error.details() if hasattr(error, "details") else None) or str(error)
    status = _status_of(error)
    reason: Optional[str] = None
    if status is not None and status.details:
        reason, field, retry_after = _read_details(status)
    else:
        trailer = (error.trailing_metadata() if hasattr(error, "trailing_metadata") else None) or ()
        field, retry_after = _read_legacy(code, details, trailer)
    return _BY_CODE.get(code, BrokerError)(code, details, method, retry_after, reason=reason, field=field)


class TaskCancelled(Exception):
    """Raise inside a task to stop it as cancelled: it ends in ``cancel`` and is never retried.

    ``reason`` becomes the task's ``cancel_reason``; left empty, the broker keeps the reason given
    to ``CancelTask`` (if the cancel came from a producer).
    """

    def __init__(self, reason: str = "") -> None:
        super().__init__(f"task cancelled: {reason}" if reason else "task cancelled")
        self.reason = reason
