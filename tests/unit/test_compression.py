"""Gateway zlib-stream and JSON decoding."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from typing import Any

import pytest

from mjcore.discord.compression import GatewayDecodeError, ZlibStreamDecoder, decode_json


def compressed_frames(payloads: list[dict[str, Any]]) -> Iterator[bytes]:
    """What a Discord gateway sends with compress=zlib-stream: one deflate context, sync flushes."""
    deflate = zlib.compressobj()
    for payload in payloads:
        yield deflate.compress(json.dumps(payload).encode()) + deflate.flush(zlib.Z_SYNC_FLUSH)


def test_zlib_stream_inflates_consecutive_payloads_with_one_context() -> None:
    payloads: list[dict[str, Any]] = [
        {"op": 10, "d": {"heartbeat_interval": 41250}},
        {"op": 11},
        {"op": 0, "s": 1},
    ]
    decoder = ZlibStreamDecoder()
    frames = list(compressed_frames(payloads))
    assert frames[0][:1] == b"\x78"  # zlib header only on the first frame
    assert [decoder.feed(frame) for frame in frames] == payloads


def test_zlib_stream_buffers_a_payload_split_over_frames() -> None:
    big = {"op": 0, "t": "READY", "s": 1, "d": {"blob": "x" * 50_000}}
    [frame] = compressed_frames([big])
    decoder = ZlibStreamDecoder()
    pieces = [frame[i : i + 1000] for i in range(0, len(frame), 1000)]
    results = [decoder.feed(piece) for piece in pieces]
    assert results[:-1] == [None] * (len(pieces) - 1)
    assert results[-1] == big


def test_zlib_stream_rejects_garbage() -> None:
    with pytest.raises(GatewayDecodeError):
        ZlibStreamDecoder().feed(b"not zlib at all\x00\x00\xff\xff")


@pytest.mark.parametrize("raw", ["[1, 2]", "nope", b"\xff\xfe"])
def test_plain_payload_must_be_a_json_object(raw) -> None:
    with pytest.raises(GatewayDecodeError):
        decode_json(raw)


def test_payload_with_an_escaped_lone_surrogate_still_decodes() -> None:
    # valid JSON that orjson refuses: a message whose text ends half way through an emoji
    raw = '{"op":0,"t":"MESSAGE_CREATE","d":{"content":"cut \\ud83d"}}'
    assert decode_json(raw) == {"op": 0, "t": "MESSAGE_CREATE", "d": {"content": "cut \ud83d"}}
    assert decode_json(raw.encode()) == decode_json(raw)
