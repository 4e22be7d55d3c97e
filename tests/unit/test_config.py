from __future__ import annotations

import json
from pathlib import Path

import pytest

from mjcore.config import Settings, account_from_mapping, account_to_mapping
from mjcore.errors import ValidationError
from mjcore.models import AccountMode

ACCOUNT = {"channel_id": "1", "guild_id": "2", "user_token": "tok-123456"}


def settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return Settings(_env_file=None)  # type: ignore[call-arg]


def test_defaults_and_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings(monkeypatch)
    assert (s.host, s.port, s.effective_public_url) == ("127.0.0.1", 8080, "http://127.0.0.1:8080")
    assert settings(monkeypatch, MJ_HOST="0.0.0.0").effective_public_url == "http://127.0.0.1:8080"
    public = settings(monkeypatch, MJ_PUBLIC_URL="https://mj.example.com/")
    assert public.effective_public_url == "https://mj.example.com"
    assert settings(monkeypatch, TG_ADMIN_IDS="1, 22,333").admin_ids == {1, 22, 333}


def test_accounts_from_env_and_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "accounts.json"
    path.write_text(json.dumps([{**ACCOUNT, "channel_id": "9", "mode": "RELAX"}]))
    s = settings(
        monkeypatch,
        MJ_ACCOUNTS=json.dumps([{**ACCOUNT, "core_size": "2", "timeout_minutes": 0.5}]),
        MJ_ACCOUNTS_FILE=str(path),
    )
    first, second = s.load_accounts()
    assert (first.core_size, first.timeout_minutes) == (2, 0.5)
    assert second.id == "9" and second.mode is AccountMode.RELAX
    assert "tok-123456" not in repr(first)


def test_unknown_keys_warn_and_bad_values_are_clear(caplog: pytest.LogCaptureFixture) -> None:
    account = account_from_mapping({**ACCOUNT, "colour": "blue"})
    assert "colour" in caplog.text
    assert account_from_mapping(account_to_mapping(account)) == account
    for bad, word in [
        ({"guild_id": "2", "user_token": "t"}, "channel_id"),
        ({**ACCOUNT, "core_size": 0}, "core_size"),
        ({**ACCOUNT, "mode": "warp"}, "invalid"),
        ({**ACCOUNT, "timeout_minutes": -1}, "timeout"),
    ]:
        with pytest.raises(ValidationError, match=word):
            account_from_mapping(bad)


def test_malformed_account_json_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="MJ_ACCOUNTS is not valid JSON"):
        settings(monkeypatch, MJ_ACCOUNTS="[{").load_accounts()
    with pytest.raises(ValidationError, match="JSON list"):
        settings(monkeypatch, MJ_ACCOUNTS='{"a": 1}').load_accounts()
