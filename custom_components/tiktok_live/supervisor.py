"""The background loop of one creator: check whether they are live, watch the stream while they are, wait between
checks. Each library error is mapped here to what Home Assistant does about it."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from tiktok_webcast import (
    AgeRestrictedError,
    BlockedError,
    Liveness,
    LiveStatus,
    SignerAuthError,
    SignerRateLimitError,
    TikTok,
    UserInfo,
    UserNotFoundError,
    UserOfflineError,
    WebcastError,
)

from . import errors
from .const import (
    CONF_OFFLINE_INTERVAL,
    CONF_SESSION_ID,
    CONF_SIGNER_API_KEY,
    DEFAULT_OFFLINE_INTERVAL,
    ISSUE_RATE_LIMITED,
    ISSUE_SIGNER_REJECTED,
    MAX_BACKOFF,
    RATE_LIMIT_ISSUE_AFTER,
    RETRY_FIRST,
    RETRY_MAX,
)

if TYPE_CHECKING:
    from .coordinator import TikTokLiveCoordinator


class Supervisor:
    def __init__(
        self, coordinator: TikTokLiveCoordinator, client: TikTok, first: asyncio.Future[UserInfo | None]
    ) -> None:
        self.coordinator = coordinator
        self.client = client
        self.first = first
        self.entry = coordinator.entry
        self.failures = 0
        self.rate_limited = 0
        self.signer_rejected = False

    @property
    def interval(self) -> float:
        return float(self.entry.options.get(CONF_OFFLINE_INTERVAL, DEFAULT_OFFLINE_INTERVAL))

    async def run(self) -> None:
        coordinator = self.coordinator
        while True:
            delay = self.interval
            try:
                user, liveness = await self._look()
                live = liveness.status is LiveStatus.LIVE
                # The key is checked at setup, before each watch, and on every check while it stands rejected, so
                # the repair and the reauth prompt go away by themselves once it works again.
                if not self.first.done() or live or self.signer_rejected:
                    await self._check_signer()
                if not self.first.done():
                    self.first.set_result(user)
                self._recovered()
                coordinator.checked(user, liveness)
                if live:
                    await self._watch()
                self.failures = 0
            except Exception as error:
                if not isinstance(error, WebcastError | OSError):
                    coordinator.logger.exception("%s: unexpected error", coordinator.username)
                if not self.first.done():
                    self.first.set_exception(errors.setup_error(error, coordinator.username))
                    return
                delay = self._handle(error)
            await asyncio.sleep(delay)

    async def _look(self) -> tuple[UserInfo | None, Liveness]:
        """The creator's profile (followers, the room) and whether they are live. Not the profile's word alone:
        TikTok's endpoints have answered wrongly both ways (breakages-2025-2026.md), so the library weighs every
        source and says live, offline or unknown, with why. A profile lookup that says "no such user" while the
        other sources find the creator live (the 2026-05-27 breakage) gives no profile, not an error."""
        username = self.coordinator.username
        try:
            user = await self.client.get_user_info(username)
        except UserNotFoundError:
            liveness = await self.client.liveness(username)
            if liveness.status is not LiveStatus.LIVE:
                raise
            return None, liveness
        return user, await self.client.liveness(username)

    async def _check_signer(self) -> None:
        """A rejected API key fails the setup; later it raises an issue and a reauth, and the watch goes on (the
        library falls back to the signer-free path)."""
        hass, entry = self.coordinator.hass, self.entry
        if not entry.data.get(CONF_SIGNER_API_KEY):
            return
        try:
            await self.client.check_signer()
        except SignerAuthError:
            if not self.first.done():
                raise
            self.signer_rejected = True
            errors.signer_rejected(hass, entry)
            entry.async_start_reauth(hass)
        else:
            self.signer_rejected = False
            errors.clear(hass, entry, ISSUE_SIGNER_REJECTED)
            errors.abort_reauth(hass, entry)  # the key works again: nothing left to re-authenticate

    async def _watch(self) -> None:
        coordinator = self.coordinator
        try:
            async with self.client.track_user(coordinator.username) as live:
                coordinator.live = live
                coordinator.set_state("watching", "connected")
                if live.info is not None:
                    coordinator.went_live(live.info)
                async for event in live.events:
                    coordinator.handle_event(event)
        finally:
            coordinator.live = None
        coordinator.set_state("offline", "stream_ended")
        coordinator.went_offline()

    def _recovered(self) -> None:
        if self.rate_limited:
            self.rate_limited = 0
            errors.clear(self.coordinator.hass, self.entry, ISSUE_RATE_LIMITED)

    def _handle(self, error: Exception) -> float:
        """Logs and reports ``error``; returns the seconds to wait before the next check."""
        coordinator, hass, entry = self.coordinator, self.coordinator.hass, self.entry
        if isinstance(error, UserOfflineError):
            coordinator.set_state("offline", "room_closed")
            coordinator.went_offline()  # went offline between the check and the connect
            return self.interval
        self.failures += 1
        # An unreachable service is retried often enough to be back within RETRY_MAX of its return; a refusal
        # (rate limit, blocked, rejected key) backs off much further, since retrying soon only prolongs it.
        refused = isinstance(error, SignerAuthError | SignerRateLimitError | BlockedError | AgeRestrictedError)
        ceiling = MAX_BACKOFF.total_seconds() if refused else RETRY_MAX
        backoff = min(RETRY_FIRST * 2 ** min(self.failures - 1, 10), ceiling)
        coordinator.logger.warning("%s: %s; next check in %.0f s", coordinator.username, error, backoff)
        reason = "refused" if refused else "unreachable"
        if isinstance(error, SignerAuthError):
            reason = "key_rejected"
            self.signer_rejected = True
            errors.signer_rejected(hass, entry)
            entry.async_start_reauth(hass)
        elif isinstance(error, AgeRestrictedError):
            reason = "age_restricted"
            if entry.data.get(CONF_SESSION_ID):
                entry.async_start_reauth(hass)  # the session id no longer counts as logged in
        elif isinstance(error, SignerRateLimitError) or (isinstance(error, BlockedError) and error.status == 429):
            reason = "rate_limited"
            self.rate_limited += 1
            if self.rate_limited >= RATE_LIMIT_ISSUE_AFTER:
                errors.rate_limited(hass, entry, self.rate_limited)
            backoff = max(backoff, getattr(error, "retry_after", 0.0))
        coordinator.failed(error, reason)
        return backoff
