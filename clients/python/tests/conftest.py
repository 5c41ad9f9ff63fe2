"""Fixtures: a real `qtasks-broker` process per session, unique queue names, and workers that are
always stopped at the end of their test."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Callable, Iterator, List

import pytest

from qtasks_broker import Producer, Worker

REPO = Path(__file__).resolve().parents[3]
BROKER_BIN = REPO / "server" / "bin" / "qtasks-broker.js"
BROKER_MAIN = REPO / "server" / "dist" / "main.js"


class BrokerProcess:
    """A broker started on 127.0.0.1:0 with a temporary data directory."""

    def __init__(self, *extra_args: str) -> None:
        if not BROKER_MAIN.exists():
            pytest.exit(f"{BROKER_MAIN} is missing: run `npm run build` in {REPO} first", returncode=2)
        node = shutil.which("node")
        if node is None:
            pytest.exit("node is not on PATH: the tests start the real broker with it", returncode=2)
        self.data_dir = tempfile.mkdtemp(prefix="qtasks-py-")
        self.process = subprocess.Popen(
            [node, str(BROKER_BIN), "--listen", "127.0.0.1:0", "--data-dir", self.data_dir, "--durability", "commit", *extra_args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        line = self.process.stdout.readline()  # type: ignore[union-attr]
        match = re.search(r"qtasks-broker listening on (\S+)", line)
        if not match:
            self.process.kill()
            raise RuntimeError(f"the broker did not start: {line!r}\n{self.process.stderr.read()}")  # type: ignore[union-attr]
        self.address = match.group(1)
        # Keep reading its stderr so that a chatty broker never blocks on a full pipe.
        threading.Thread(target=self.process.stderr.read, daemon=True).start()  # type: ignore[union-attr]

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        shutil.rmtree(self.data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def broker() -> Iterator[BrokerProcess]:
    process = BrokerProcess()
    yield process
    process.close()


@pytest.fixture(scope="session")
def producer(broker: BrokerProcess) -> Iterator[Producer]:
    with Producer(broker.address, call_timeout=10) as client:
        yield client


@pytest.fixture
def name() -> str:
    """A task name (= queue) no other test uses, so tests never lease each other's tasks."""
    return f"t.{uuid.uuid4().hex[:12]}"


@pytest.fixture
def make_worker(broker: BrokerProcess) -> Iterator[Callable[..., Worker]]:
    """Builds workers on the session broker (short leases, so heartbeats come every 0.5 s);
    each is stopped at the end of the test."""
    workers: List[Worker] = []

    def make(**options: object) -> Worker:
        options.setdefault("lease_ms", 1500)
        options.setdefault("wait_ms", 5000)
        options.setdefault("grace", 0)
        worker = Worker(broker.address, **options)  # type: ignore[arg-type]
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        worker.stop(grace=0)
