"""Several broker addresses (brokers that share one store, issue 14): the Producer and the Worker
use the first broker that answers and move to the next when it goes away. Two real brokers, each
on a store of its own, stand in for brokers sharing one: what is tested is the client's failover,
so each task is looked up on the broker that must have served it."""
from __future__ import annotations

import time
from typing import Callable, Iterator

import pytest

from qtasks_broker import Producer, TaskState, Worker

from conftest import BrokerProcess


@pytest.fixture
def two_brokers() -> Iterator[tuple]:
    first, second = BrokerProcess(), BrokerProcess()
    yield first, second
    first.close()
    second.close()


def run_until_done(producer: Producer, name: str, arg: int, within: float = 20.0) -> TaskState:
    """Enqueues and waits for the end; calls on the connection to a broker that died fail, and are tried again."""
    give_up = time.monotonic() + within
    while True:
        try:
            task = producer.enqueue(name, arg)
            return producer.wait(task.id, timeout=5)
        except Exception:
            if time.monotonic() > give_up:
                raise
            time.sleep(0.1)


def test_producer_and_worker_move_to_the_next_broker_when_theirs_dies(two_brokers: tuple, name: str) -> None:
    first, second = two_brokers
    both = f"{first.address},{second.address}"
    worker = Worker(both, lease_ms=1500, wait_ms=1000, grace=0)
    worker.register(name, lambda x: 2 * x)
    worker.start()
    try:
        with Producer(both, call_timeout=5) as producer:
            before = run_until_done(producer, name, 1)
            assert before.status == "success" and before.result == 2
            with Producer(first.address) as on_first:
                assert on_first.get(before.id).status == "success"

            first.process.kill()
            first.process.wait()
            after = run_until_done(producer, name, 2)
            assert after.status == "success" and after.result == 4
            with Producer(second.address) as on_second:
                assert on_second.get(after.id).status == "success"
    finally:
        worker.stop(grace=0)


def test_an_entry_of_several_that_is_not_host_port_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match='"nowhere" is not HOST:PORT'):
        Producer("127.0.0.1:50051,nowhere")


def test_a_grpc_target_of_its_own_is_taken_whole() -> None:
    from qtasks_broker._connection import channel_target

    assert channel_target("ipv4:127.0.0.1:1,127.0.0.1:2") == ("ipv4:127.0.0.1:1,127.0.0.1:2", None)
    with pytest.raises(ValueError, match="IPv4 and IPv6"):
        channel_target("127.0.0.1:1,[::1]:2")
