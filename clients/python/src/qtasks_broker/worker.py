"""The worker: takes tasks from the broker and runs plain Python functions on a thread pool.

The worker holds one Work stream and grants the broker credit for its free threads; the broker
pushes tasks the moment they are ready, and cancel requests at once. Each thread that frees grants
one more credit, so no task waits on a Lease round trip. Outcomes and heartbeats go up the same
stream (unary calls when no stream is open, or when it ends before answering): running tasks share
one heartbeat every third of the lease; outcomes finishing together share one request.
Python cannot stop a thread from outside, so cancellation is cooperative: each running task has a
:class:`TaskContext` whose ``cancel_event`` is set when it should stop.
"""
from __future__ import annotations

import contextvars
import logging
import os
import signal
import socket
import threading
import time
import traceback as traceback_module
import unicodedata
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, NoReturn, Optional, Sequence, Tuple, Type, TypeVar, Union

import grpc

from . import _tracing
from ._connection import Backoff, Connection, TlsConfig
from ._work_stream import StreamEnded, WorkStream
from ._gen.qtasks.broker.v1 import broker_pb2
from .errors import AuthError, BrokerError, InvalidArgumentError, TaskCancelled, from_rpc_error
from .json_codec import decode_json, encode_json

log = logging.getLogger("qtasks_broker.worker")

F = TypeVar("F", bound=Callable[..., Any])

#: Longest error type the broker accepts, in UTF-8 bytes.
MAX_TYPE_BYTES = 255
#: The most credit the broker accepts granted and not yet used, on one Work stream.
MAX_OUTSTANDING_CREDIT = 10_000

_current: contextvars.ContextVar[Optional["TaskContext"]] = contextvars.ContextVar("qtasks_current_task", default=None)


def current_task() -> "TaskContext":
    """The :class:`TaskContext` of the task running in this thread.

    Raises:
        RuntimeError: called outside a task run by a :class:`Worker`.
    """
    ctx = _current.get()
    if ctx is None:
        raise RuntimeError("current_task() is only available inside a task run by a qtasks_broker Worker")
    return ctx


class TaskContext:
    """What a running task can know and do (QTasks' ``self.ctx``). Get it with :func:`current_task`,
    or as the first argument of a task registered with ``echo=True``."""

    #: ``stop_reason`` when a producer cancelled the task: stop and raise :class:`TaskCancelled`.
    CANCEL_REQUESTED = "cancel_requested"
    #: ``stop_reason`` when the lease was lost: another worker may run the task; the outcome is dropped.
    LEASE_LOST = "lease_lost"
    #: ``stop_reason`` when the worker stopped past its grace period: the task was given back.
    WORKER_STOPPING = "worker_stopping"

    def __init__(self, task: broker_pb2.Task, worker_id: str) -> None:
        self.task_id: str = task.id
        self.name: str = task.name
        self.queue: str = task.queue
        #: This attempt's number: 1 for the first run.
        self.attempt: int = task.attempt
        self.max_retries: int = task.max_retries
        self.worker_id = worker_id
        #: Set when the task should stop; ``stop_reason`` says why. Wait on it instead of sleeping.
        self.cancel_event = threading.Event()
        self._stop_reason: Optional[str] = None

    @property
    def stop_reason(self) -> Optional[str]:
        """None while the task may go on, else one of the ``CANCEL_REQUESTED``/``LEASE_LOST``/
        ``WORKER_STOPPING`` constants."""
        return self._stop_reason

    @property
    def cancelled(self) -> bool:
        """True once the task should stop, for whatever reason."""
        return self.cancel_event.is_set()

    @property
    def cancel_requested(self) -> bool:
        """True once a producer asked to cancel this task."""
        return self._stop_reason == self.CANCEL_REQUESTED

    def _stop(self, reason: str) -> None:
        if self._stop_reason is None:
            self._stop_reason = reason
        self.cancel_event.set()

    def raise_if_cancelled(self) -> None:
        """Raises :class:`TaskCancelled` if the task should stop."""
        if self.cancel_event.is_set():
            raise TaskCancelled()

    def sleep(self, seconds: float) -> None:
        """Sleeps, but raises :class:`TaskCancelled` as soon as the task should stop."""
        if self.cancel_event.wait(seconds):
            raise TaskCancelled()

    def cancel(self, reason: str = "") -> NoReturn:
        """Stops the task as cancelled (QTasks' ``ctx.cancel``). Without a reason: the producer's
        reason if it asked to cancel, else ``"<name>.cancel"`` as in QTasks."""
        raise TaskCancelled(reason or ("" if self.cancel_requested else f"{self.name}.cancel"))


@dataclass(frozen=True)
class _Registration:
    name: str
    fn: Callable[..., Any]
    queue: str
    retry_on: Optional[Tuple[Type[BaseException], ...]]
    echo: bool

    def retryable(self, error: BaseException) -> bool:
        # None: any error may be retried (the broker still stops at the task's max_retries).
        return self.retry_on is None or isinstance(error, self.retry_on)


class _Running:
    """One leased task in this worker."""

    def __init__(self, leased: broker_pb2.LeasedTask, ctx: TaskContext) -> None:
        self.leased = leased
        self.task_id = leased.task.id
        self.lease_token = leased.lease_token
        self.ctx = ctx
        #: Set by whoever reports its outcome (its own thread, or stop() releasing it): exactly one.
        self.claimed = False
        self.done = threading.Event()


class _CompletionBatcher:
    """Coalesces completions into requests: whatever is queued when the sender is free (or arrives
    within ``linger``) goes in one request of at most ``max_batch`` items, on the open Work stream
    (``stream()``) if there is one, else (or when it ends before answering) as a Complete call."""

    def __init__(self, conn: Connection, max_batch: int, stream: Callable[[], Optional[WorkStream]], linger: float = 0.002) -> None:
        self._conn, self._max_batch, self._linger = conn, max_batch, linger
        self._stream = stream
        self._queue: List[Tuple[broker_pb2.Completion, Future]] = []
        self._cond = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="qtasks-complete", daemon=True)
        self._thread.start()

    def pending(self) -> int:
        """How many completions wait to be sent (tests)."""
        with self._cond:
            return len(self._queue)

    def submit(self, completion: broker_pb2.Completion) -> "Future[broker_pb2.CompletionResult]":
        future: Future = Future()
        with self._cond:
            if self._closed:
                future.set_exception(BrokerError(grpc.StatusCode.CANCELLED, "the worker is closed", "Complete"))
                return future
            self._queue.append((completion, future))
            self._cond.notify()
        return future

    def close(self) -> None:
        """Sends what is queued, then ends the sender."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join()

    def _loop(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._queue or self._closed)
                if not self._queue:
                    return
                if self._linger and not self._closed:
                    self._cond.wait(self._linger)
                batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch:]
            self._send(batch)

    def _send(self, batch: List[Tuple[broker_pb2.Completion, Future]]) -> None:
        stream = self._stream()
        if stream is not None:
            # omit_tasks: the worker reads only `accepted` and `reason`.
            request = broker_pb2.CompleteRequest(completions=[c for c, _ in batch], omit_tasks=True)
            response = _answer(stream.ask(complete=request), self._conn.call_timeout)
            if response is not None:
                for (_, future), result in zip(batch, response.complete.results):
                    future.set_result(result)
                return
            # No answer: sent again unary below, which is safe (Complete is idempotent), and which
            # tells one invalid item from the rest where the stream fails as a whole.
        while batch:
            try:
                request = broker_pb2.CompleteRequest(completions=[c for c, _ in batch], omit_tasks=True)
                response = self._conn.call("Complete", request)
            except BrokerError as error:
                index = error.item_index("completions")
                if index is None or index >= len(batch) or len(batch) == 1:
                    for _, future in batch:
                        future.set_exception(error)
                    return
                # One bad item fails the whole request: fail only its caller, resend the others.
                batch[index][1].set_exception(error)
                del batch[index]
                continue
            for (_, future), result in zip(batch, response.results):
                future.set_result(result)
            return


class Worker:
    """Leases and runs the tasks registered on it.

    Args:
        address: ``HOST:PORT`` of the broker.
        concurrency: most tasks running at once (threads of the pool).
        worker_id: recorded as the task's ``worker_id``; default ``host-pid-random``.
        queues: queues to lease from; default the registered tasks' queues.
        lease_ms: lease length; running tasks are heartbeat every third of it.
        wait_ms: how long one Lease long-polled when nothing was ready; tasks now come over the
            Work stream, so it is only checked (deprecated).
        grace: seconds :meth:`stop` lets running tasks finish before giving them back.
        token, tls, call_timeout, interceptors: as for :class:`~qtasks_broker.Producer`
            (the token needs a ``worker`` or ``all`` scope).
        batch_size: most completions in one Complete call.
    """

    def __init__(
        self,
        address: str,
        *,
        concurrency: int = 10,
        worker_id: Optional[str] = None,
        queues: Optional[Sequence[str]] = None,
        lease_ms: int = 30_000,
        wait_ms: int = 30_000,
        grace: float = 10.0,
        token: Optional[str] = None,
        tls: Union[bool, TlsConfig, None] = None,
        call_timeout: float = 15.0,
        interceptors: Sequence[Any] = (),
        batch_size: int = 1000,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency: must be at least 1, got {concurrency}")
        if not 1000 <= lease_ms <= 3_600_000:
            raise ValueError(f"lease_ms: must be between 1000 and 3600000, got {lease_ms}")
        if not 0 <= wait_ms <= 300_000:
            raise ValueError(f"wait_ms: must be between 0 and 300000, got {wait_ms}")
        self.id = worker_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.concurrency = concurrency
        self.lease_ms, self.wait_ms, self.grace = lease_ms, wait_ms, grace
        self._queues = list(queues) if queues else None
        self._batch_size = batch_size
        self._conn_args = dict(token=token, tls=tls, call_timeout=call_timeout, interceptors=interceptors)
        self._address = address
        self._tasks: Dict[str, _Registration] = {}
        self._running: Dict[str, _Running] = {}
        self._lock = threading.Condition()
        self._stop_leasing = threading.Event()
        self._ready = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()
        self._state = "idle"
        self._fatal: Optional[BaseException] = None
        #: The open Work stream, and the credit granted on it that no pushed task has used yet; both
        #: under ``_lock``.
        self._stream: Optional[WorkStream] = None
        self._granted = 0
        #: Runs whose task was handed out again while they still run (their thread is busy).
        self._stale = 0
        self._work_call: Optional[Any] = None

    # -- registration ------------------------------------------------------------------------

    def register(
        self,
        name: str,
        fn: F,
        *,
        queue: Optional[str] = None,
        retry_on: Optional[Sequence[Type[BaseException]]] = None,
        echo: bool = False,
    ) -> F:
        """Registers ``fn`` as the handler of task ``name``; returns ``fn`` unchanged.

        Args:
            queue: the queue to lease it from; default ``name`` (as the TS SDK and QTasks).
            retry_on: exception classes whose failures may be retried (``isinstance``); any other
                error ends the task in ``error`` at once. None (default): every error may be
                retried, as QTasks' ``retry_on_exc=None``; ``()``: none may. Retries happen only
                while the task has ``max_retries`` left, which its producer sets.
            echo: pass the :class:`TaskContext` as the first argument (QTasks' ``echo=True``).
        """
        # NFC, as the broker normalizes every name: the tasks it hands back carry the NFC name, and
        # must find a handler registered under another spelling of it.
        name = unicodedata.normalize("NFC", name) if isinstance(name, str) else name
        if not name or "\0" in name or len(name.encode("utf-8")) > 255:
            raise ValueError(f"task name {name!r}: must be 1-255 UTF-8 bytes without NUL")
        if name in self._tasks:
            raise ValueError(f"task {name!r} is already registered")
        if not callable(fn):
            raise TypeError(f"task {name!r}: the handler must be callable, got {fn!r}")
        classes = None if retry_on is None else tuple(retry_on)
        for cls in classes or ():
            if not (isinstance(cls, type) and issubclass(cls, BaseException)):
                raise TypeError(f"task {name!r}: retry_on must hold exception classes, got {cls!r}")
        self._tasks[name] = _Registration(name, fn, queue or name, classes, echo)
        return fn

    def task(
        self,
        name: str,
        *,
        queue: Optional[str] = None,
        retry_on: Optional[Sequence[Type[BaseException]]] = None,
        echo: bool = False,
    ) -> Callable[[F], F]:
        """Decorator form of :meth:`register`: ``@worker.task("send_email", retry_on=(OSError,))``."""
        return lambda fn: self.register(name, fn, queue=queue, retry_on=retry_on, echo=echo)

    # -- life cycle --------------------------------------------------------------------------

    @property
    def running_count(self) -> int:
        """How many tasks run (or report their outcome) now."""
        with self._lock:
            return len(self._running)

    @property
    def fatal_error(self) -> Optional[BaseException]:
        """The refusal that ended leasing for good (a bad token or queue name), else None.
        :meth:`run_forever` raises it; after :meth:`start`, check it if the worker went quiet."""
        return self._fatal

    def wait_ready(self, timeout: Optional[float] = None) -> bool:
        """Blocks until the worker is connected and its Work stream is open; False on timeout."""
        return self._ready.wait(timeout)

    def start(self) -> None:
        """Starts leasing in background threads; returns at once.

        Raises:
            RuntimeError: no task registered, or the worker is already running.
        """
        with self._lock:
            if self._state != "idle":
                raise RuntimeError(f"the worker is {self._state}; a Worker starts once")
            queues = self._queues or sorted({t.queue for t in self._tasks.values()})
            if not queues:
                raise RuntimeError("the worker has no task to run: register tasks first")
            self._state = "running"
            self._stopped.clear()
        self._conn = Connection(self._address, **self._conn_args)  # type: ignore[arg-type]
        self._pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="qtasks-task")
        self._completions = _CompletionBatcher(self._conn, self._batch_size, lambda: self._stream)
        self._heartbeat_stop = threading.Event()
        self._heartbeat_thread = threading.Thread(target=self._heartbeat_loop, name="qtasks-heartbeat", daemon=True)
        self._heartbeat_thread.start()
        self._work_thread = threading.Thread(target=self._work_loop, args=(queues,), name="qtasks-work", daemon=True)
        self._work_thread.start()

    def stop(self, grace: Optional[float] = None) -> None:
        """Stops gracefully and returns once stopped: no more leases; running tasks get ``grace``
        seconds to finish; the rest are told to stop (``cancel_event``, reason ``WORKER_STOPPING``)
        and given back to the broker with ``Released``: ready again at once, the attempt not
        counted. A function that ignores its ``cancel_event`` keeps its thread (and the process)
        busy until it returns; its outcome is then dropped."""
        with self._lock:
            if self._state in ("idle", "stopped"):
                return
            first = self._state == "running"
            self._state = "stopping"
            self._lock.notify_all()
        if not first:
            self._stopped.wait()
            return
        grace = self.grace if grace is None else grace
        self._stop_leasing.set()
        with self._lock:
            if self._stream is not None:
                # Ends the worker's side: the broker answers, then ends the stream; what it pushes
                # meanwhile is given back.
                self._stream.close_send()
        # A broker that vanished without closing the connection would hold the stop forever: past
        # a call's deadline, the stream is cut (the broker gives back what it had not sent).
        self._work_thread.join(self._conn.call_timeout)
        call = self._work_call
        if self._work_thread.is_alive() and call is not None:
            call.cancel()
        self._work_thread.join()
        deadline = time.monotonic() + grace
        with self._lock:
            self._lock.wait_for(lambda: not self._running, timeout=max(0.0, deadline - time.monotonic()))
            to_release = [entry for entry in self._running.values() if not entry.claimed]
            for entry in to_release:
                entry.claimed = True
                entry.ctx._stop(TaskContext.WORKER_STOPPING)
            reporting = [entry for entry in self._running.values() if entry not in to_release]
        if to_release:
            log.info("worker %s: giving back %d running task(s)", self.id, len(to_release))
            futures = [self._completions.submit(broker_pb2.Completion(
                task_id=e.task_id, lease_token=e.lease_token, released=broker_pb2.Released())) for e in to_release]
            for entry, future in zip(to_release, futures):
                try:
                    future.result(timeout=self._conn.call_timeout * 2)
                except Exception as error:  # noqa: BLE001 - the lease will run out instead
                    log.warning("could not release task %s: %s", entry.task_id, error)
                self._finish(entry)
        for entry in reporting:
            entry.done.wait(self.lease_ms / 1000)
        self._heartbeat_stop.set()
        self._heartbeat_thread.join()
        self._completions.close()
        self._pool.shutdown(wait=False)
        self._conn.close()
        with self._lock:
            self._state = "stopped"
        self._stopped.set()

    def run_forever(self) -> None:
        """Starts, runs until SIGTERM or SIGINT (or :meth:`stop` from another thread), then stops
        gracefully. Call it from the main thread.

        Raises:
            BrokerError: the broker refused this worker for good (a bad token, a bad queue name).
        """
        stop_requested = threading.Event()
        previous = {sig: signal.signal(sig, lambda *_: stop_requested.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.start()
            # A short poll, not one long wait: stop() from another thread, or a fatal lease
            # error, ends the loop too.
            while not stop_requested.wait(0.2) and not self._stop_leasing.is_set():
                pass
            self.stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if self._fatal is not None:
            raise self._fatal

    # -- leasing -----------------------------------------------------------------------------

    def _work_loop(self, queues: List[str]) -> None:
        """Keeps a Work stream open until stop(), opening another after a backoff when one fails."""
        backoff = Backoff()
        if not self._conn.wait_connected(self._stop_leasing):
            return
        while not self._stop_leasing.is_set():
            try:
                self._work(queues, backoff)
                if self._stop_leasing.is_set():
                    return
                delay = backoff.next()
                log.warning("worker %s: the broker ended the Work stream; opening another in %.2f s", self.id, delay)
                self._stop_leasing.wait(delay)
            except grpc.RpcError as rpc_error:
                if self._stop_leasing.is_set():
                    return
                error = from_rpc_error(rpc_error, "Work")
                if isinstance(error, (AuthError, InvalidArgumentError)):
                    # Retrying cannot help: end the worker and let run_forever raise it.
                    log.error("worker %s: the broker refused to lease: %s", self.id, error)
                    self._fatal = error
                    self._stop_leasing.set()
                    return
                delay = backoff.next()
                log.warning("worker %s: the Work stream failed (%s); opening another in %.2f s", self.id, error, delay)
                self._stop_leasing.wait(delay)

    def _work(self, queues: List[str], backoff: Backoff) -> None:
        """One Work stream: grants the free threads as credit, launches what the broker pushes,
        stops what it says was cancelled; after stop(), gives back what it still pushes."""
        stream = WorkStream()
        with self._lock:
            self._granted = max(0, min(self.concurrency - len(self._running) - self._stale, MAX_OUTSTANDING_CREDIT))
            stream.send(broker_pb2.WorkRequest(
                start=broker_pb2.WorkStart(worker_id=self.id, queues=queues, lease_ms=self.lease_ms), credit=self._granted))
            self._stream = stream
        if self._stop_leasing.is_set():
            stream.close_send()  # stop() may have looked before this stream existed
        try:
            responses = self._conn.stub.Work(stream.requests(), metadata=self._conn.metadata)
            self._work_call = responses
            self._ready.set()
            for response in responses:
                backoff.reset()
                kind = response.WhichOneof("kind")
                if response.request_id:
                    stream.answered(response)
                elif kind == "tasks":
                    with self._lock:
                        self._granted -= len(response.tasks.tasks)
                    if self._stop_leasing.is_set():
                        self._give_back(response.tasks.tasks)
                    else:
                        for leased in response.tasks.tasks:
                            self._launch(leased)
                elif kind == "cancel":
                    with self._lock:
                        entries = [self._running.get(c.task_id) for c in response.cancel.tasks]
                    for entry in entries:
                        if entry is not None:
                            entry.ctx._stop(TaskContext.CANCEL_REQUESTED)
        finally:
            with self._lock:
                self._stream = None
            stream.ended()

    def _grant_credit(self) -> None:
        """Grants the broker the threads free now and not granted yet (call with ``_lock`` held)."""
        if self._stream is None or self._stop_leasing.is_set():
            return
        wanted = min(self.concurrency - len(self._running) - self._stale, MAX_OUTSTANDING_CREDIT) - self._granted
        if wanted > 0 and self._stream.send(broker_pb2.WorkRequest(credit=wanted)):
            self._granted += wanted

    def _give_back(self, tasks: Sequence[broker_pb2.LeasedTask]) -> None:
        """Releases tasks pushed after stop(): ready again at once, the attempt not counted. All
        are submitted first, so that they share one Complete call."""
        futures = [(leased.task.id, self._completions.submit(broker_pb2.Completion(
            task_id=leased.task.id, lease_token=leased.lease_token, released=broker_pb2.Released()))) for leased in tasks]
        for task_id, future in futures:
            try:
                future.result(timeout=self._conn.call_timeout * 2)
            except Exception as error:  # noqa: BLE001 - the lease will run out instead
                log.warning("could not give back task %s: %s", task_id, error)

    def _launch(self, leased: broker_pb2.LeasedTask) -> None:
        entry = _Running(leased, TaskContext(leased.task, self.id))
        with self._lock:
            stale = self._running.get(entry.task_id)
            if stale is not None:
                # The broker handed this task out again: the run still here has lost its lease. Its
                # thread stays busy until it returns: counted in _stale until then.
                stale.ctx._stop(TaskContext.LEASE_LOST)
                self._stale += 1
            self._running[entry.task_id] = entry
        self._pool.submit(self._run, entry)

    # -- running -----------------------------------------------------------------------------

    def _run(self, entry: _Running) -> None:
        try:
            completion = self._execute(entry)
            if entry.ctx.stop_reason == TaskContext.LEASE_LOST:
                log.warning("task %s lost its lease; its outcome is dropped", entry.task_id)
            elif self._claim(entry):
                self._report(entry, completion)
        except BaseException:  # noqa: BLE001 - a worker thread must never die silently
            log.exception("task %s: internal error while reporting", entry.task_id)
        finally:
            self._finish(entry)

    def _execute(self, entry: _Running) -> broker_pb2.Completion:
        """Runs the handler and turns what happened into a Completion."""
        task = entry.leased.task
        completion = broker_pb2.Completion(task_id=entry.task_id, lease_token=entry.lease_token)
        registration = self._tasks.get(task.name)
        if registration is None:
            completion.failure.CopyFrom(_failure("TaskNotRegistered", f"no task named {task.name!r} is registered in this worker", "", False))
            return completion
        token = _current.set(entry.ctx)
        # With OpenTelemetry: the run's CONSUMER span, current while the handler runs.
        execution = _tracing.start_execution(task)
        try:
            args = decode_json(task.args, [])
            kwargs = decode_json(task.kwargs, {})
            if not isinstance(args, list) or not isinstance(kwargs, dict):
                raise TypeError("args must be a JSON array and kwargs a JSON object")
            if registration.echo:
                args.insert(0, entry.ctx)
            value = registration.fn(*args, **kwargs)
            completion.success.result = encode_json(value, f"the result of task {task.name}")
        except TaskCancelled as cancelled:
            completion.cancelled.reason = cancelled.reason
        except BaseException as error:  # noqa: BLE001 - SystemExit in a task fails the task, not the worker
            log.error("task %s (%s) failed: %s: %s", task.name, entry.task_id, type(error).__qualname__, error)
            # Start the traceback at the task's own code: the first frame is always this method.
            tb = error.__traceback__
            tb = tb.tb_next if tb is not None and tb.tb_next is not None else tb
            completion.failure.CopyFrom(_failure(
                type(error).__qualname__, str(error),
                "".join(traceback_module.format_exception(type(error), error, tb)),
                registration.retryable(error)))
        finally:
            _current.reset(token)
            if execution is not None:
                execution.end(completion)
        return completion

    def _claim(self, entry: _Running) -> bool:
        with self._lock:
            if entry.claimed:
                return False  # stop() gave the task back already
            entry.claimed = True
            return True

    def _finish(self, entry: _Running) -> None:
        with self._lock:
            # stop() finishes the runs it gives back, and their threads finish them again on return.
            if entry.done.is_set():
                return
            if self._running.get(entry.task_id) is entry:
                del self._running[entry.task_id]
            else:
                self._stale -= 1
            self._grant_credit()
            entry.done.set()
            self._lock.notify_all()

    def _report(self, entry: _Running, completion: broker_pb2.Completion) -> None:
        """Sends an outcome, retrying while the broker is unreachable and the lease may still hold."""
        backoff = Backoff()
        give_up_at = time.monotonic() + self.lease_ms / 1000
        replaced = False
        while True:
            try:
                result = self._completions.submit(completion).result()
            except BrokerError as error:
                refused = error.item_index("completions") is not None
                if refused and not replaced:
                    # The broker refused this outcome itself (a result over its size limit, say):
                    # resending cannot help. Report that, once, as a failure that is not retried.
                    log.error("task %s: the broker refused the outcome: %s", entry.task_id, error.details)
                    replaced = True
                    completion = broker_pb2.Completion(task_id=entry.task_id, lease_token=entry.lease_token,
                                                       failure=_failure("OutcomeRefused", error.details[:2000], "", False))
                    continue
                if refused or time.monotonic() > give_up_at or error.code == grpc.StatusCode.CANCELLED:
                    log.error("task %s: could not report the outcome (%s); the broker will end or re-run it "
                              "when its lease runs out", entry.task_id, error)
                    return
                time.sleep(backoff.next())
                continue
            if not result.accepted:
                # Already finished, or leased by another worker: nothing to do but say so.
                log.warning("task %s: the broker refused the outcome: %s", entry.task_id, result.reason)
            return

    # -- heartbeats --------------------------------------------------------------------------

    def _heartbeat_loop(self) -> None:
        # The one periodic call: a lease is kept alive by renewing it, not by an event.
        while not self._heartbeat_stop.wait(self.lease_ms / 3000):
            with self._lock:
                entries = list(self._running.values())
            if not entries:
                continue
            request = broker_pb2.HeartbeatRequest(
                items=[broker_pb2.HeartbeatItem(task_id=e.task_id, lease_token=e.lease_token) for e in entries],
                extend_ms=self.lease_ms)
            try:
                response = self._send_heartbeat(request)
            except BrokerError as error:
                log.warning("worker %s: heartbeat failed (%s); retrying at the next beat", self.id, error)
                continue
            for entry, result in zip(entries, response.results):
                if not result.ok:
                    log.warning("task %s: lease lost (%s)", entry.task_id, result.reason)
                    entry.ctx._stop(TaskContext.LEASE_LOST)
                elif result.cancel_requested:
                    entry.ctx._stop(TaskContext.CANCEL_REQUESTED)


    def _send_heartbeat(self, request: broker_pb2.HeartbeatRequest) -> broker_pb2.HeartbeatResponse:
        """Renews leases on the open Work stream, or with a unary Heartbeat when there is none or it
        gives no answer within half a lease (late anyway: a beat the next one may do better)."""
        stream = self._stream
        if stream is not None:
            response = _answer(stream.ask(heartbeat=request), self.lease_ms / 2000)
            if response is not None:
                return response.heartbeat
        return self._conn.call("Heartbeat", request)


def _answer(future: "Future[broker_pb2.WorkResponse]", timeout: float) -> Optional[broker_pb2.WorkResponse]:
    """The answer to a request on a Work stream, or None when the stream ends (or stays silent for
    ``timeout`` seconds) before answering."""
    try:
        return future.result(timeout=timeout)
    except (StreamEnded, FutureTimeout):
        return None


def _failure(error_type: str, message: str, traceback: str, retryable: bool) -> broker_pb2.Failure:
    # The broker requires a non-empty type of at most 255 bytes.
    error_type = error_type.encode("utf-8")[:MAX_TYPE_BYTES].decode("utf-8", "ignore") or "Exception"
    return broker_pb2.Failure(error=broker_pb2.TaskError(type=error_type, message=message, traceback=traceback),
                              retryable=retryable)
