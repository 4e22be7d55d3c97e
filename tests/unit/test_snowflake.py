"""Snowflake nonces."""

from __future__ import annotations

from mjcore.discord.snowflake import DISCORD_EPOCH_MS, NonceGenerator, make_nonce, snowflake_time_ms


def test_nonce_is_a_discord_snowflake_for_the_given_time() -> None:
    now_ms = 1_700_000_000_123
    nonce = NonceGenerator()(now_ms)
    assert nonce.isdigit()
    assert snowflake_time_ms(nonce) == now_ms
    assert int(nonce) == (now_ms - DISCORD_EPOCH_MS) << 22


def test_nonces_are_unique_and_increasing_even_in_the_same_millisecond() -> None:
    generate = NonceGenerator()
    nonces = [int(generate(1_700_000_000_000)) for _ in range(1000)]
    nonces.append(int(generate(1_699_999_999_000)))  # the clock went backwards
    assert nonces == sorted(nonces)
    assert len(set(nonces)) == len(nonces)


def test_process_nonces_increase() -> None:
    first = int(make_nonce(1_700_000_000_000))
    second = int(make_nonce(1_700_000_000_000))
    assert second > first
