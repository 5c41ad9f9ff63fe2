"""The channel both :class:`~qtasks_broker.Producer` and :class:`~qtasks_broker.Worker` use:
credentials, a deadline on every unary call, errors turned into :class:`BrokerError`."""
from __future__ import annotations

import random
import re
import socket
import threading
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple, Union

import grpc

from ._gen.qtasks.broker.v1 import broker_pb2_grpc
from .errors import from_rpc_error

#: Largest message received; grpcio's default of 4 MiB is far below the broker's 64 MiB, and a
#: Lease of many tasks (or one with a 1 MiB payload and its reply) would fail with it.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class TlsConfig:
    """TLS to the broker: PEM bytes (read files yourself). All None trusts the system's CAs.

    ``cert`` and ``key`` together give a client certificate, for brokers started with
    ``--tls-client-ca`` (mutual TLS).
    """

    ca: Optional[bytes] = None
    cert: Optional[bytes] = None
    key: Optional[bytes] = None


class Backoff:
    """Exponential backoff with jitter: 100 ms doubling to 5 s, each delay in [ceiling/2, ceiling]
    (the TypeScript SDK's), so that clients refused together do not come back together."""

    def __init__(self, initial: float = 0.1, maximum: float = 5.0) -> None:
        self._initial, self._maximum, self._attempt = initial, maximum, 0

    def next(self) -> float:
        """The next delay in seconds."""
        ceiling = min(self._maximum, self._initial * 2 ** self._attempt)
        self._attempt += 1
        return ceiling / 2 + random.random() * ceiling / 2

    def reset(self) -> None:
        """Starts again from the initial delay."""
        self._attempt = 0


#: A gRPC target of its own (``ipv4:a,b``, ``dns:///name``, ``unix:path``): taken whole, commas and all.
_GRPC_TARGET = re.compile(r"^(ipv4|ipv6|dns|unix|unix-abstract|vsock):|://")


def channel_target(address: str) -> Tuple[str, Optional[str]]:
    """The gRPC target for ``address``, and the authority to give the channel (None for one address).

    ``address`` is ``HOST:PORT``, or several brokers that share one store, ``HOST:PORT,HOST:PORT``:
    the channel then uses the first that answers and moves to the next when it goes away (gRPC's
    ``pick_first`` over an ``ipv4:``/``ipv6:`` list, the failover the TypeScript SDK and the Go
    client make too). grpcio takes lists of IP literals only, so names are looked up here, once,
    when the channel is made; a name that does not resolve is left out. One address is taken as it
    is (any gRPC target, commas and all), as before.

    :raises ValueError: naming an entry that is not ``HOST:PORT``, or when no entry resolves
    """
    entries = [entry.strip() for entry in address.split(",")]
    if len(entries) == 1 or _GRPC_TARGET.search(address):
        return address, None
    resolved: List[Tuple[int, str, str]] = []
    for entry in entries:
        host, colon, port = entry.rpartition(":")
        host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
        if not colon or not host or not port.isdigit():
            raise ValueError(f'address: "{entry}" is not HOST:PORT (several brokers: "HOST:PORT,HOST:PORT")')
        found = _first_address(host, int(port))
        if found is not None:
            resolved.append((found[0], found[1], port))
    if not resolved:
        raise ValueError(f"address: none of the brokers resolved: {address}")
    families = {family for family, _, _ in resolved}
    if families == {socket.AF_INET}:
        target = "ipv4:" + ",".join(f"{ip}:{port}" for _, ip, port in resolved)
    elif families == {socket.AF_INET6}:
        target = "ipv6:" + ",".join(f"[{ip}]:{port}" for _, ip, port in resolved)
    else:
        raise ValueError(f"address: the brokers resolve to IPv4 and IPv6 addresses both, which one channel cannot list: {address}")
    return target, entries[0]


def _first_address(host: str, port: int) -> Optional[Tuple[int, str]]:
    """The first address ``host`` resolves to, IPv4 first, or None if it does not resolve now."""
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            infos = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
        except socket.gaierror:
            continue
        if infos:
            return family, str(infos[0][4][0])
    return None


class Connection:
    """One gRPC channel to a broker (or to the first that answers of several: see
    :func:`channel_target`), with the token and TLS settings of the caller."""

    def __init__(
        self,
        address: str,
        *,
        token: Optional[str] = None,
        tls: Union[bool, TlsConfig, None] = None,
        call_timeout: float = 15.0,
        interceptors: Sequence[grpc.UnaryUnaryClientInterceptor] = (),
    ) -> None:
        if not address:
            raise ValueError("address: must be HOST:PORT of the broker")
        if token is not None and (not token or any(not 0x21 <= ord(c) <= 0x7E for c in token)):
            raise ValueError("token: must be non-empty printable ASCII without spaces")
        if call_timeout <= 0:
            raise ValueError(f"call_timeout: must be positive, got {call_timeout}")
        self.address = address
        self.call_timeout = call_timeout
        options = [
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            # grpcio backs reconnects off up to 120 s: a worker could idle for minutes after a
            # broker restart. Keep the channel's reconnects as quick as our own Backoff.
            ("grpc.initial_reconnect_backoff_ms", 100),
            ("grpc.min_reconnect_backoff_ms", 100),
            ("grpc.max_reconnect_backoff_ms", 5000),
        ]
        target, authority = channel_target(address)
        if authority is not None:
            # One authority for the channel: TLS checks every broker's certificate against the
            # first address's host.
            options.append(("grpc.default_authority", authority))
            if tls:
                options.append(("grpc.ssl_target_name_override", authority.rpartition(":")[0].strip("[]")))
        if tls:
            config = tls if isinstance(tls, TlsConfig) else TlsConfig()
            if (config.cert is None) != (config.key is None):
                raise ValueError("tls: cert and key go together (mutual TLS needs both)")
            credentials = grpc.ssl_channel_credentials(config.ca, config.key, config.cert)
            self.raw_channel = grpc.secure_channel(target, credentials, options)
        else:
            self.raw_channel = grpc.insecure_channel(target, options)
        # Metadata rather than call credentials: grpcio refuses call credentials on a plaintext
        # channel, and a token over plaintext to a broker on loopback is a setup we support.
        self.metadata: Tuple[Tuple[str, str], ...] = (("authorization", f"Bearer {token}"),) if token else ()
        channel = grpc.intercept_channel(self.raw_channel, *interceptors) if interceptors else self.raw_channel
        self.stub = broker_pb2_grpc.BrokerServiceStub(channel)

    def call(self, method: str, request: Any, timeout: Optional[float] = None) -> Any:
        """Runs one unary RPC with a deadline; raises :class:`BrokerError` on failure."""
        try:
            return getattr(self.stub, method)(request, timeout=timeout or self.call_timeout, metadata=self.metadata)
        except grpc.RpcError as error:
            raise from_rpc_error(error, method) from None

    def wait_connected(self, stop: threading.Event, poll: float = 0.5) -> bool:
        """Blocks until the channel is connected (True) or ``stop`` is set (False)."""
        future = grpc.channel_ready_future(self.raw_channel)
        try:
            while not stop.is_set():
                try:
                    future.result(timeout=poll)
                    return True
                except grpc.FutureTimeoutError:
                    continue
            return False
        finally:
            future.cancel()

    def close(self) -> None:
        """Closes the channel; calls still running fail with CANCELLED."""
        self.raw_channel.close()
