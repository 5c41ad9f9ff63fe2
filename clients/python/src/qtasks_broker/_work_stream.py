"""One Work stream as the worker's threads share it: the requests they send (start, credit grants,
batches of outcomes and heartbeats) go out one at a time through one queue, and each answer the
broker sends back is handed to its request by ``request_id``."""
from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from typing import Dict, Iterator, Optional

from ._gen.qtasks.broker.v1 import broker_pb2


class StreamEnded(Exception):
    """A request on a Work stream that gets no answer: the stream ended (or the worker's side was
    closed) first. Whatever it carried may or may not have reached the broker: send it again as a
    unary call, as after an UNAVAILABLE (outcomes and heartbeats are safe to repeat)."""


class WorkStream:
    """The worker's side of one Work stream (see the module docstring)."""

    def __init__(self) -> None:
        self._outgoing: "queue.Queue[Optional[broker_pb2.WorkRequest]]" = queue.Queue()
        self._lock = threading.Lock()
        self._last_id = 0
        self._waiting: Dict[int, Future] = {}
        self._closed = False

    def requests(self) -> Iterator[broker_pb2.WorkRequest]:
        """What gRPC sends, until the worker's side is closed."""
        while True:
            request = self._outgoing.get()
            if request is None:
                return
            yield request

    def send(self, request: broker_pb2.WorkRequest) -> bool:
        """Queues a request that gets no answer (start, a credit grant); False once closed."""
        with self._lock:
            if self._closed:
                return False
            self._outgoing.put(request)
            return True

    def ask(self, **kind) -> "Future[broker_pb2.WorkResponse]":
        """Queues a request (``heartbeat=...`` or ``complete=...``); its future gets the answer, or
        :class:`StreamEnded`."""
        future: Future = Future()
        with self._lock:
            if self._closed:
                future.set_exception(StreamEnded())
                return future
            # request_id is a uint32 and 0 marks the broker's own pushes: wrap around past 0.
            self._last_id = self._last_id % 0xFFFF_FFFF + 1
            self._waiting[self._last_id] = future
            self._outgoing.put(broker_pb2.WorkRequest(request_id=self._last_id, **kind))
        return future

    def answered(self, response: broker_pb2.WorkResponse) -> None:
        """Hands an answer to its request."""
        with self._lock:
            future = self._waiting.pop(response.request_id, None)
        if future is not None:
            future.set_result(response)

    def close_send(self) -> None:
        """Closes the worker's side: the broker answers what it has, then ends the stream. Requests
        made from now on fail at once with :class:`StreamEnded`."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._outgoing.put(None)

    def ended(self) -> None:
        """The stream is over: the requests still waiting get :class:`StreamEnded`."""
        self.close_send()
        with self._lock:
            waiting, self._waiting = self._waiting, {}
        for future in waiting.values():
            future.set_exception(StreamEnded())
