"""The wire's JSON conventions, identical to the TypeScript SDK's (``sdk-ts/src/json.ts``).

``args`` travel as a UTF-8 JSON array, ``kwargs`` as a UTF-8 JSON object, results and progress as
any UTF-8 JSON value; empty bytes stand for the field's default (``[]``, ``{}`` or ``null``).
"""
from __future__ import annotations

import json
from typing import Any, Mapping, Sequence, TypeVar

T = TypeVar("T")


def encode_json(value: Any, what: str) -> bytes:
    """UTF-8 JSON bytes of ``value``.

    Strict where Python's ``json`` is lenient, so that every other language can read the bytes:
    ``NaN``/``Infinity`` are refused (they are not JSON) instead of written as bare words.

    Raises:
        TypeError: ``value`` cannot be encoded; the message starts with ``what``.
    """
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError) as error:
        raise TypeError(f"{what} is not JSON-serializable: {error}") from error
    return text.encode("utf-8")


def encode_args(args: Sequence[Any]) -> bytes:
    """``args`` as the JSON array of the wire (a tuple becomes an array)."""
    return encode_json(list(args), "args")


def encode_kwargs(kwargs: Mapping[str, Any] | None) -> bytes:
    """``kwargs`` as the JSON object of the wire.

    Raises:
        TypeError: a key is not a string (``json`` would turn ``1`` into ``"1"`` silently, and the
            worker would then get a keyword it was never sent).
    """
    kwargs = dict(kwargs or {})
    for key in kwargs:
        if not isinstance(key, str):
            raise TypeError(f"kwargs keys must be strings, got {key!r}")
    return encode_json(kwargs, "kwargs")


def decode_json(data: bytes, fallback: T) -> Any | T:
    """The value of UTF-8 JSON bytes; empty bytes give ``fallback``."""
    if not data:
        return fallback
    return json.loads(data.decode("utf-8"))
