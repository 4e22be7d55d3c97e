"""GatewaySession fed with plain dicts: handshake, heartbeats, sequence, op 7/9, reconnect plans."""

from __future__ import annotations

from typing import Any

import pytest

from mjcore.discord.session import (
    DEFAULT_HEARTBEAT_INTERVAL_MS,
    CloseCode,
    Dispatch,
    GatewaySession,
    HeartbeatAcked,
    Opcode,
    Ready,
    ReconnectPlan,
    ReconnectRequested,
    Resumed,
    SessionInvalidated,
)

TOKEN = "user-token-abc"
UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/146.0.7680.165 Safari/537.36"
)
INTERVAL_MS = 41_250
INTERVAL = INTERVAL_MS / 1000
JITTER = 0.25


def hello(interval_ms: int = INTERVAL_MS) -> dict[str, Any]:
    return {"op": 10, "d": {"heartbeat_interval": interval_ms}, "s": None, "t": None}


def ready(seq: int = 1, session_id: str = "a" * 32) -> dict[str, Any]:
    return {
        "op": 0,
        "s": seq,
        "t": "READY",
        "d": {
            "v": 9,
            "session_id": session_id,
            "resume_gateway_url": "wss://gateway-us-east1-b.discord.gg",
            "user": {"id": "1127000000000000001", "username": "drawer"},
            "guilds": [],
        },
    }


def dispatch(name: str, seq: int, **data: Any) -> dict[str, Any]:
    return {"op": 0, "s": seq, "t": name, "d": data}


def make_session() -> GatewaySession:
    return GatewaySession(TOKEN, user_agent=UA, random=lambda: JITTER)


def ready_session(now: float = 0.0) -> GatewaySession:
    """A session that completed IDENTIFY + READY on its first socket (heartbeat not yet sent)."""
    session = make_session()
    session.connection_opened(now)
    session.receive(hello(), now)
    session.receive(ready(), now)
    session.data_to_send()
    return session


def test_hello_queues_a_user_identify_without_intents() -> None:
    session = make_session()
    session.connection_opened(100.0)
    assert session.data_to_send() == []
    assert session.next_heartbeat_at() is None

    assert session.receive(hello(), 100.0) == []
    [identify] = session.data_to_send()

    assert identify["op"] == Opcode.IDENTIFY
    data = identify["d"]
    assert data["token"] == TOKEN
    assert data["capabilities"] == 16381
    assert data["compress"] is False
    assert "intents" not in data
    assert data["presence"] == {"activities": [], "afk": False, "since": 0, "status": "online"}
    assert data["client_state"]["guild_versions"] == {}
    props = data["properties"]
    assert props["browser"] == "Chrome"
    assert props["browser_version"] == "146.0.7680.165"
    assert props["os"] == "Windows"
    assert props["browser_user_agent"] == UA
    assert props["system_locale"] == "en-US"
    assert props["client_event_source"] is None
    assert session.data_to_send() == []


def test_identify_properties_follow_the_user_agent_and_locale() -> None:
    firefox_mac = (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:128.0) Gecko/20100101 Firefox/128.0"
    )
    session = GatewaySession(TOKEN, user_agent=firefox_mac, locale="zh-CN", capabilities=8189)
    session.connection_opened(0.0)
    session.receive(hello(), 0.0)
    [identify] = session.data_to_send()
    props = identify["d"]["properties"]
    assert (props["browser"], props["browser_version"], props["os"]) == (
        "Firefox",
        "128.0",
        "Mac OS X",
    )
    assert props["system_locale"] == "zh-CN"
    assert identify["d"]["capabilities"] == 8189


def test_first_heartbeat_after_jittered_interval_then_every_interval() -> None:
    session = make_session()
    session.connection_opened(0.0)
    session.receive(hello(), 10.0)
    session.data_to_send()

    first = 10.0 + INTERVAL * JITTER
    assert session.next_heartbeat_at() == pytest.approx(first)
    assert session.heartbeat_interval == pytest.approx(INTERVAL)

    assert session.tick(first - 0.001) is True
    assert session.data_to_send() == []

    assert session.tick(first) is True
    assert session.data_to_send() == [{"op": 1, "d": None}]
    assert session.next_heartbeat_at() == pytest.approx(first + INTERVAL)

    [ack] = session.receive({"op": 11}, first + 0.05)
    assert isinstance(ack, HeartbeatAcked)
    assert ack.latency == pytest.approx(0.05)
    assert session.latency == pytest.approx(0.05)
    assert session.tick(first + INTERVAL) is True
    assert session.data_to_send() == [{"op": 1, "d": None}]


def test_heartbeat_carries_the_last_sequence_number() -> None:
    session = ready_session()
    session.receive(dispatch("MESSAGE_CREATE", 2, id="m1"), 1.0)
    session.receive({"op": 11, "d": None}, 1.0)  # op 11 with d null is an ACK too
    session.receive(dispatch("TYPING_START", 7), 2.0)
    session.receive({"op": 0, "s": None, "t": "SOMETHING", "d": {}}, 2.0)  # s null keeps 7
    due = session.next_heartbeat_at()
    assert due is not None
    session.tick(due)
    assert session.data_to_send() == [{"op": 1, "d": 7}]
    assert session.seq == 7


def test_missing_ack_is_a_zombie() -> None:
    session = ready_session()
    first = session.next_heartbeat_at()
    assert first is not None
    assert session.tick(first) is True
    session.data_to_send()
    # no op 11 arrives
    assert session.tick(first + INTERVAL) is False
    assert session.data_to_send() == []  # no second heartbeat on a dead socket
    assert session.connection_lost(None) is ReconnectPlan.RESUME
    assert "heartbeat not acknowledged" in session.reason


def test_server_heartbeat_request_is_answered_immediately() -> None:
    session = ready_session()
    assert session.receive({"op": 1, "d": None}, 3.0) == []
    assert session.data_to_send() == [{"op": 1, "d": 1}]


def test_late_tick_reschedules_from_now() -> None:
    session = ready_session()
    first = session.next_heartbeat_at()
    assert first is not None
    late = first + 5 * INTERVAL  # the event loop stalled
    session.tick(late)
    assert session.next_heartbeat_at() == pytest.approx(late + INTERVAL)


def test_hello_without_interval_uses_the_default() -> None:
    session = make_session()
    session.connection_opened(0.0)
    session.receive({"op": 10, "d": {}}, 0.0)
    assert session.heartbeat_interval == pytest.approx(DEFAULT_HEARTBEAT_INTERVAL_MS / 1000)


def test_ready_stores_session_state_and_is_also_dispatched() -> None:
    session = make_session()
    session.connection_opened(0.0)
    session.receive(hello(), 0.0)
    payload = ready(seq=1, session_id="f" * 32)

    events = session.receive(payload, 0.5)

    assert events == [
        Ready("f" * 32, "wss://gateway-us-east1-b.discord.gg", "1127000000000000001"),
        Dispatch("READY", payload["d"], 1),
    ]
    assert session.session_id == "f" * 32
    assert session.resume_url == "wss://gateway-us-east1-b.discord.gg"
    assert session.user_id == "1127000000000000001"
    assert session.seq == 1


def test_dispatches_come_out_in_order_with_their_sequence() -> None:
    session = ready_session()
    names = []
    for seq, name in enumerate(["MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE"], start=2):
        [event] = session.receive(dispatch(name, seq, id=str(seq)), float(seq))
        assert isinstance(event, Dispatch)
        assert event.seq == seq
        assert event.data == {"id": str(seq)}
        names.append(event.name)
    assert names == ["MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE"]


def test_unknown_opcodes_and_nameless_dispatches_are_ignored() -> None:
    session = ready_session()
    assert session.receive({"op": 41, "d": {}}, 1.0) == []
    assert session.receive({"op": "x"}, 1.0) == []
    assert session.receive({"op": 0, "s": 9, "t": None, "d": {}}, 1.0) == []
    assert session.seq == 9


def test_receive_needs_an_open_connection() -> None:
    session = make_session()
    with pytest.raises(RuntimeError):
        session.receive(hello(), 0.0)


def test_reconnect_request_then_resume_on_the_next_socket() -> None:
    session = ready_session()
    session.receive(dispatch("MESSAGE_CREATE", 5), 1.0)

    assert session.receive({"op": 7, "d": None}, 2.0) == [ReconnectRequested()]
    assert session.connection_lost(CloseCode.UNKNOWN_ERROR) is ReconnectPlan.RESUME
    assert "op 7" in session.reason
    assert session.next_heartbeat_at() is None

    session.connection_opened(3.0)
    session.receive(hello(), 3.0)
    assert session.data_to_send() == [
        {"op": 6, "d": {"token": TOKEN, "session_id": "a" * 32, "seq": 5}}
    ]
    events = session.receive(dispatch("MESSAGE_UPDATE", 6), 3.1)
    events += session.receive(dispatch("RESUMED", 7), 3.2)
    assert events == [
        Dispatch("MESSAGE_UPDATE", {}, 6),
        Resumed(),
        Dispatch("RESUMED", {}, 7),
    ]
    assert session.session_id == "a" * 32


def test_unsent_payloads_of_a_dead_socket_are_dropped() -> None:
    session = ready_session()
    session.receive({"op": 1}, 1.0)
    session.connection_lost(None)
    session.connection_opened(2.0)
    assert session.data_to_send() == []


def test_invalid_session_not_resumable_clears_the_session() -> None:
    session = ready_session()
    assert session.receive({"op": 9, "d": False, "s": None, "t": None}, 1.0) == [
        SessionInvalidated(resumable=False)
    ]
    assert session.session_id is None
    assert session.seq is None
    assert session.resume_url is None
    assert session.connection_lost(CloseCode.UNKNOWN_ERROR) is ReconnectPlan.IDENTIFY
    assert "op 9" in session.reason

    session.connection_opened(2.0)
    session.receive(hello(), 2.0)
    [identify] = session.data_to_send()
    assert identify["op"] == Opcode.IDENTIFY


def test_invalid_session_resumable_keeps_the_session() -> None:
    session = ready_session()
    assert session.receive({"op": 9, "d": True}, 1.0) == [SessionInvalidated(resumable=True)]
    assert session.session_id == "a" * 32
    assert session.connection_lost(None) is ReconnectPlan.RESUME


@pytest.mark.parametrize(
    "code",
    [
        CloseCode.AUTHENTICATION_FAILED,
        CloseCode.INVALID_SHARD,
        CloseCode.SHARDING_REQUIRED,
        CloseCode.INVALID_API_VERSION,
        CloseCode.INVALID_INTENTS,
        CloseCode.DISALLOWED_INTENTS,
    ],
)
def test_fatal_close_codes_stop(code: CloseCode) -> None:
    session = ready_session()
    assert session.connection_lost(code) is ReconnectPlan.STOP
    assert str(int(code)) in session.reason


def test_authentication_failure_reason_names_the_token() -> None:
    session = make_session()
    session.connection_opened(0.0)
    assert session.connection_lost(4004) is ReconnectPlan.STOP
    assert "token" in session.reason


@pytest.mark.parametrize("code", [CloseCode.INVALID_SEQ, CloseCode.SESSION_TIMED_OUT])
def test_session_ending_close_codes_identify_again(code: CloseCode) -> None:
    session = ready_session()
    assert session.connection_lost(code) is ReconnectPlan.IDENTIFY
    assert session.session_id is None
    assert session.seq is None


@pytest.mark.parametrize(
    "code",
    [
        None,
        1000,
        1001,
        1006,
        1011,
        CloseCode.UNKNOWN_ERROR,
        CloseCode.UNKNOWN_OPCODE,
        CloseCode.DECODE_ERROR,
        CloseCode.NOT_AUTHENTICATED,
        CloseCode.ALREADY_AUTHENTICATED,
        CloseCode.RATE_LIMITED,
        CloseCode.TOO_MANY_SESSIONS,
        CloseCode.CONNECTION_CANCELED,
    ],
)
def test_other_closes_resume_when_a_session_exists(code: int | None) -> None:
    session = ready_session()
    assert session.connection_lost(code) is ReconnectPlan.RESUME
    assert session.session_id == "a" * 32


@pytest.mark.parametrize("code", [None, 1006, CloseCode.UNKNOWN_ERROR, CloseCode.RATE_LIMITED])
def test_other_closes_identify_without_a_session(code: int | None) -> None:
    session = make_session()
    session.connection_opened(0.0)
    session.receive(hello(), 0.0)  # IDENTIFY sent but READY never came
    assert session.connection_lost(code) is ReconnectPlan.IDENTIFY


def test_reason_describes_a_plain_close() -> None:
    session = ready_session()
    session.connection_lost(1011)
    assert session.reason == "closed with 1011"
    session.connection_opened(1.0)
    session.connection_lost(None)
    assert session.reason == "connection lost"


def test_tick_without_socket_or_hello_does_nothing() -> None:
    session = make_session()
    assert session.tick(1e9) is True
    session.connection_opened(0.0)
    assert session.tick(1e9) is True
    assert session.data_to_send() == []
