"""The client reads the broker's ``google.rpc`` error details (``grpc-status-details-bin``):
``BrokerError.reason`` from ErrorInfo, ``.field`` from BadRequest (or ErrorInfo's metadata),
``.retry_after_ms`` from RetryInfo; an older broker's refusal (no details) falls back to the
message and the ``retry-after-ms`` trailer."""
from __future__ import annotations

import re
import threading
from typing import Any, List, Optional, Sequence, Tuple

import grpc
import pytest
from google.protobuf import any_pb2, duration_pb2
from google.rpc import error_details_pb2, status_pb2

from qtasks_broker import BrokerError, InvalidArgumentError, Producer, TaskNotFoundError, TaskSpec
from qtasks_broker._gen.qtasks.broker.v1 import broker_pb2
from qtasks_broker.errors import ERROR_DOMAIN, from_rpc_error

from conftest import BrokerProcess


class FakeRpcError(grpc.RpcError, grpc.Call):  # type: ignore[misc]
    """A failed call as grpcio raises it, with a chosen code, message and trailer."""

    def __init__(self, code: grpc.StatusCode, details: str, trailer: Sequence[Tuple[str, Any]] = ()) -> None:
        self._code, self._details, self._trailer = code, details, tuple(trailer)

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details

    def trailing_metadata(self) -> Tuple[Tuple[str, Any], ...]:
        return self._trailer

    def initial_metadata(self) -> Tuple[()]:
        return ()

    def is_active(self) -> bool:
        return False

    def time_remaining(self) -> Optional[float]:
        return None

    def cancel(self) -> bool:
        return False

    def add_callback(self, callback: Any) -> bool:
        return False


def _packed(*messages: Any) -> List[any_pb2.Any]:
    packed = []
    for message in messages:
        detail = any_pb2.Any()
        detail.Pack(message)
        packed.append(detail)
    return packed


def _details_trailer(code: grpc.StatusCode, message: str, *details: Any) -> Tuple[str, bytes]:
    status = status_pb2.Status(code=code.value[0], message=message, details=_packed(*details))
    return ("grpc-status-details-bin", status.SerializeToString())


def test_reason_field_and_retry_delay_come_from_the_details_not_the_message_or_trailer() -> None:
    code, message = grpc.StatusCode.INVALID_ARGUMENT, "tasks[9].queue: not the field the details name"
    error = from_rpc_error(FakeRpcError(code, message, [_details_trailer(
        code, message,
        error_details_pb2.ErrorInfo(reason="INVALID_FIELD", domain=ERROR_DOMAIN, metadata={"field": "tasks[2].name"}),
        error_details_pb2.BadRequest(field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field="tasks[2].name", description="must not be empty")]),
    )]), "Enqueue")
    assert isinstance(error, InvalidArgumentError)
    assert (error.reason, error.field, error.retry_after_ms) == ("INVALID_FIELD", "tasks[2].name", None)
    assert error.item_index("tasks") == 2

    code, message = grpc.StatusCode.RESOURCE_EXHAUSTED, "the broker is overloaded"
    overloaded = from_rpc_error(FakeRpcError(code, message, [
        ("retry-after-ms", "7"),
        _details_trailer(code, message,
                         error_details_pb2.ErrorInfo(reason="OVERLOADED", domain=ERROR_DOMAIN),
                         error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(seconds=1, nanos=250_000_000))),
    ]), "Enqueue")
    assert (overloaded.reason, overloaded.field, overloaded.retry_after_ms) == ("OVERLOADED", None, 1250)


def test_the_field_of_errorinfo_metadata_and_another_domain_ignored() -> None:
    code, message = grpc.StatusCode.RESOURCE_EXHAUSTED, "completions[3].success.result: the result is 9 bytes"
    too_large = from_rpc_error(FakeRpcError(code, message, [_details_trailer(
        code, message,
        error_details_pb2.ErrorInfo(reason="PAYLOAD_TOO_LARGE", domain=ERROR_DOMAIN, metadata={"field": "completions[3].success.result"}),
    )]), "Complete")
    assert (too_large.reason, too_large.field) == ("PAYLOAD_TOO_LARGE", "completions[3].success.result")
    assert too_large.item_index("completions") == 3

    code, message = grpc.StatusCode.UNAVAILABLE, "upstream down"
    proxied = from_rpc_error(FakeRpcError(code, message, [_details_trailer(
        code, message, error_details_pb2.ErrorInfo(reason="UPSTREAM", domain="proxy.example"))]), "GetTask")
    assert proxied.reason is None


def test_an_older_broker_without_details_falls_back_to_the_message_and_the_trailer() -> None:
    overloaded = from_rpc_error(FakeRpcError(grpc.StatusCode.RESOURCE_EXHAUSTED, "overloaded", [("retry-after-ms", "40")]), "Enqueue")
    assert (overloaded.reason, overloaded.retry_after_ms) == (None, 40)
    invalid = from_rpc_error(FakeRpcError(grpc.StatusCode.INVALID_ARGUMENT, "tasks[4].args: must be a JSON array"), "Enqueue")
    assert invalid.field == "tasks[4].args" and invalid.item_index("tasks") == 4
    # The trailer means something on an overload refusal only.
    assert from_rpc_error(FakeRpcError(grpc.StatusCode.UNAVAILABLE, "down", [("retry-after-ms", "40")]), "Enqueue").retry_after_ms is None


def test_details_that_contradict_the_call_are_ignored() -> None:
    # grpcio-status refuses a Status whose code is not the call's: read as no details at all.
    trailer = _details_trailer(grpc.StatusCode.NOT_FOUND, "x", error_details_pb2.ErrorInfo(reason="TASK_NOT_FOUND", domain=ERROR_DOMAIN))
    error = from_rpc_error(FakeRpcError(grpc.StatusCode.INTERNAL, "x", [trailer]), "GetTask")
    assert error.code == grpc.StatusCode.INTERNAL and error.reason is None


def test_the_real_broker_sends_reason_and_field(producer: Producer, name: str) -> None:
    with pytest.raises(InvalidArgumentError) as invalid:
        producer.enqueue_many([TaskSpec(name), TaskSpec(name, max_retries=-1)])
    assert invalid.value.reason == "INVALID_FIELD"
    assert invalid.value.field == "tasks[1].max_retries"
    with pytest.raises(TaskNotFoundError) as missing:
        producer.get("01890000-0000-7000-8000-000000000000")
    assert (missing.value.reason, missing.value.field) == ("TASK_NOT_FOUND", None)


def test_the_real_broker_sends_retryinfo_with_an_overload_refusal(name: str) -> None:
    broker = BrokerProcess("--max-pending-writes", "50")
    try:
        with Producer(broker.address, call_timeout=10) as producer:
            request = broker_pb2.EnqueueRequest(tasks=[TaskSpec(name, args=["x" * 190]).to_proto() for _ in range(20)])
            refused: List[BrokerError] = []
            lock = threading.Lock()

            def send() -> None:
                # The connection's own call, not enqueue_many, which would wait the refusal out.
                try:
                    producer._conn.call("Enqueue", request)
                except BrokerError as error:
                    with lock:
                        refused.append(error)

            for _ in range(20):
                threads = [threading.Thread(target=send) for _ in range(20)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                if refused:
                    break
            assert refused, "no Enqueue of the bursts was refused"
            for error in refused:
                assert error.code == grpc.StatusCode.RESOURCE_EXHAUSTED
                assert error.reason == "OVERLOADED"
                assert error.retry_after_ms is not None and error.retry_after_ms > 0
                hint = re.search(r"retry in (\d+) ms", error.details)
                assert hint is not None and int(hint.group(1)) == error.retry_after_ms
    finally:
        broker.close()
