"""Fault injection: HTTP errors, gateway misbehaviour, revoked tokens, a frozen bot, dead links."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from mjcore.sim.cdn import Cdn
from mjcore.sim.gateway import GatewayHub
from mjcore.sim.midjourney import ACCOUNT_STATES, MidjourneyBot
from mjcore.sim.state import SimAccount, SimState, UserRecord

log = logging.getLogger(__name__)

AccountRef = SimAccount | str  # an account or its user id


@dataclass(slots=True)
class HttpFault:
    remaining: int
    status: int
    path_contains: str | None
    retry_after: float = 0.0
    global_: bool = False

    def matches(self, path: str) -> bool:
        return self.remaining > 0 and (self.path_contains is None or self.path_contains in path)


class Faults:
    def __init__(self, state: SimState, hub: GatewayHub, bot: MidjourneyBot, cdn: Cdn) -> None:
        self._state = state
        self._hub = hub
        self._bot = bot
        self._cdn = cdn
        self.http: list[HttpFault] = []

    def _user(self, account: AccountRef) -> UserRecord:
        user_id = account.user_id if isinstance(account, SimAccount) else account
        return self._state.users[user_id]

    # --- HTTP ------------------------------------------------------------------------------
    def rate_limit(
        self,
        n: int = 1,
        retry_after: float = 1.0,
        path_contains: str | None = "/interactions",
        *,
        global_: bool = False,
    ) -> None:
        """The next ``n`` matching requests get 429 with ``Retry-After``."""
        self.http.append(HttpFault(n, 429, path_contains, retry_after, global_))

    def server_error(self, n: int = 1, status: int = 500, path_contains: str | None = None) -> None:
        self.http.append(HttpFault(n, status, path_contains))

    def take_http_fault(self, path: str) -> HttpFault | None:
        for fault in self.http:
            if fault.matches(path):
                fault.remaining -= 1
                return fault
        return None

    # --- gateway ---------------------------------------------------------------------------
    def drop_connections(self, account: AccountRef) -> None:
        """Cut the account's sockets without a close frame (sessions stay resumable)."""
        self._hub.drop_user(self._user(account).user_id)

    def send_reconnect(self, account: AccountRef) -> None:
        """op 7; the server closes (4000) a moment later if the client does not."""
        self._hub.reconnect_user(self._user(account).user_id)

    def invalidate_session(self, account: AccountRef, resumable: bool = False) -> None:
        """op 9 with ``d`` = ``resumable``."""
        self._hub.invalidate_user(self._user(account).user_id, resumable=resumable)

    def request_heartbeat(self, account: AccountRef) -> None:
        """op 1 from the server: the client must heartbeat at once."""
        self._hub.request_heartbeat(self._user(account).user_id)

    def stop_heartbeat_acks(self, account: AccountRef) -> None:
        self._user(account).heartbeat_acks = False

    def resume_heartbeat_acks(self, account: AccountRef) -> None:
        self._user(account).heartbeat_acks = True

    def close_gateway(self, account: AccountRef, code: int, reason: str = "") -> None:
        self._hub.close_user(self._user(account).user_id, code, reason)

    def revoke_token(self, account: AccountRef) -> None:
        """4004 on IDENTIFY/RESUME and 401 on REST from now on; live sockets get 4004 now."""
        user = self._user(account)
        user.revoked = True
        self._hub.close_user(user.user_id, 4004, "Authentication failed.")

    # --- Midjourney ------------------------------------------------------------------------
    def pause_bot(self) -> None:
        """Running jobs stop advancing until ``resume_bot``."""
        self._bot.pause()

    def resume_bot(self) -> None:
        self._bot.resume()

    def set_account_state(self, account: AccountRef, state: str | None) -> None:
        """One of ``ACCOUNT_STATES`` (``pending_mod``, ``blocked``, ...) or None to clear."""
        if state is not None and state not in ACCOUNT_STATES:
            raise ValueError(f"unknown account state {state!r}")
        self._user(account).account_state = state

    # --- CDN -------------------------------------------------------------------------------
    def expire_cdn_file(self, target: str) -> int:
        """Expire files by URL (any host prefix) or by job id; returns how many."""
        count = self._cdn.expire(target)
        log.info("cdn files expired [count:%d]", count)
        return count
