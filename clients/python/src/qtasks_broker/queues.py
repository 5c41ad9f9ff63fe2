"""Friendly, immutable views of a queue's state and limits (``QueueInfo``, ``QueueLimits`` and
``RateLimit`` of the proto), for the queue verbs of :class:`~qtasks_broker.Producer`."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ._gen.qtasks.broker.v1 import broker_pb2


@dataclass(frozen=True)
class RateLimit:
    """At most ``count`` task starts per ``period_ms`` milliseconds, over a sliding window."""

    #: Most starts per period; 0 means no limit.
    count: int
    #: The period in milliseconds, 1–86400000 when ``count`` is set.
    period_ms: int

    def to_proto(self) -> broker_pb2.RateLimit:
        """The proto ``RateLimit``."""
        return broker_pb2.RateLimit(count=self.count, period_ms=self.period_ms)


@dataclass(frozen=True)
class QueueLimits:
    """The limits of one queue, enforced by the broker when it hands tasks out, across every
    worker. 0 (or a ``None`` rate) means no limit; the default value has none."""

    #: Most tasks of the queue running at once.
    max_running: int = 0
    #: Most task starts of the queue per period.
    rate: Optional[RateLimit] = None
    #: Most tasks of each ``limit_key`` running at once.
    max_running_per_key: int = 0
    #: Most task starts of each ``limit_key`` per period.
    rate_per_key: Optional[RateLimit] = None

    @property
    def unlimited(self) -> bool:
        """True when no limit is set."""
        return not (self.max_running or self.max_running_per_key or (self.rate and self.rate.count)
                    or (self.rate_per_key and self.rate_per_key.count))

    def to_proto(self) -> broker_pb2.QueueLimits:
        """The proto ``QueueLimits``."""
        limits = broker_pb2.QueueLimits(max_running=self.max_running, max_running_per_key=self.max_running_per_key)
        if self.rate is not None:
            limits.rate.CopyFrom(self.rate.to_proto())
        if self.rate_per_key is not None:
            limits.rate_per_key.CopyFrom(self.rate_per_key.to_proto())
        return limits

    @classmethod
    def from_proto(cls, limits: broker_pb2.QueueLimits) -> "QueueLimits":
        """The view of a proto ``QueueLimits``."""

        def rate(name: str) -> Optional[RateLimit]:
            if not limits.HasField(name):
                return None
            value = getattr(limits, name)
            return RateLimit(count=value.count, period_ms=value.period_ms)

        return cls(max_running=limits.max_running, rate=rate("rate"),
                   max_running_per_key=limits.max_running_per_key, rate_per_key=rate("rate_per_key"))


@dataclass(frozen=True)
class QueueCounts:
    """A queue's tasks by status (ended ones only while the broker keeps them)."""

    new: int = 0
    process: int = 0
    retry: int = 0
    success: int = 0
    error: int = 0
    cancel: int = 0

    @classmethod
    def from_proto(cls, counts: broker_pb2.QueueCounts) -> "QueueCounts":
        """The view of a proto ``QueueCounts``."""
        return cls(new=counts.new, process=counts.process, retry=counts.retry,
                   success=counts.success, error=counts.error, cancel=counts.cancel)


@dataclass(frozen=True)
class QueueInfo:
    """One queue's state, as :meth:`~qtasks_broker.Producer.list_queues`,
    :meth:`~qtasks_broker.Producer.pause_queue` and :meth:`~qtasks_broker.Producer.resume_queue`
    return it."""

    #: The queue's name.
    name: str
    #: Its tasks by status.
    counts: QueueCounts
    #: True while the queue is paused (it accepts tasks but hands none out).
    paused: bool
    #: Its limits.
    limits: QueueLimits
    #: How long its oldest ready task has waited to start, in milliseconds; 0 when none is ready.
    oldest_ready_age_ms: float
    #: Tasks of the queue that ended (``success``, ``error`` or ``cancel``) over the last minute.
    completed_last_minute: int
    #: The proto ``QueueInfo`` this view was made from.
    raw: broker_pb2.QueueInfo = field(repr=False, compare=False)

    @classmethod
    def from_proto(cls, info: broker_pb2.QueueInfo) -> "QueueInfo":
        """The view of a proto ``QueueInfo``."""
        return cls(
            name=info.name,
            counts=QueueCounts.from_proto(info.counts),
            paused=info.paused,
            limits=QueueLimits.from_proto(info.limits),
            oldest_ready_age_ms=info.oldest_ready_age_ms,
            completed_last_minute=info.completed_last_minute,
            raw=info,
        )
