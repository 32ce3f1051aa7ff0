"""C3: signed webhook deliveries to external CRMs, from an outbox table, with retries.

Each POST carries the JSON body and headers:
- `X-Aiguilleur-Event`, `X-Aiguilleur-Delivery` (row id, stable across retries),
- `X-Aiguilleur-Timestamp` (unix seconds),
- `X-Aiguilleur-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
Receivers check the signature with `verify_signature` (or the same two lines of code)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
import structlog

from crm.clock import Clock
from crm.db.models import WebhookDelivery
from crm.domain.mail_rules import retry_delay
from crm.services.context import UowFactory
from crm.settings import WebhookEndpoint

log = structlog.get_logger(__name__)

SIGNATURE_HEADER = "X-Aiguilleur-Signature"
TIMESTAMP_HEADER = "X-Aiguilleur-Timestamp"
EVENT_HEADER = "X-Aiguilleur-Event"
DELIVERY_HEADER = "X-Aiguilleur-Delivery"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify_signature(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    return hmac.compare_digest(sign(secret, timestamp, body), header)


@dataclass(frozen=True)
class WebhookSettings:
    timeout_s: float = 10.0
    retry_base: timedelta = timedelta(seconds=10)
    retry_cap: timedelta = timedelta(hours=1)
    lease: timedelta = timedelta(minutes=2)
    batch_size: int = 50
    # Failed calls after which a delivery gives up into the failed state.
    max_attempts: int = 10


class WebhookSender:
    def __init__(
        self,
        uow_factory: UowFactory,
        clock: Clock,
        endpoints: tuple[WebhookEndpoint, ...],
        settings: WebhookSettings | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._secrets = {e.url: e.secret for e in endpoints}
        self.settings = settings or WebhookSettings()

    async def drain(self) -> tuple[int, int]:
        """One pass; returns (delivered, failed)."""
        now = self._clock.now()
        async with self._uow() as uow:
            claimed = await uow.webhooks.claim_due(
                now, self.settings.lease, self.settings.batch_size
            )
            jobs = [(d.id, d.url, d.event, d.payload) for d in claimed]
            await uow.commit()
        if not jobs:
            return 0, 0
        outcomes: dict[int, str | None] = {}
        timeout = aiohttp.ClientTimeout(total=self.settings.timeout_s)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            for delivery_id, url, event, payload in jobs:
                outcomes[delivery_id] = await self._post(session, delivery_id, url, event, payload)
        now = self._clock.now()

        def retry_at(delivery: WebhookDelivery) -> datetime | None:
            if delivery.url not in self._secrets:
                return None  # endpoint removed from the configuration: keep, stop retrying
            return now + retry_delay(
                delivery.attempts, self.settings.retry_base, self.settings.retry_cap
            )

        async with self._uow() as uow:
            await uow.webhooks.record_attempts(outcomes, now, retry_at, self.settings.max_attempts)
            await uow.commit()
        failed = sum(1 for e in outcomes.values() if e is not None)
        if failed:
            log.warning("webhook.delivery_failed", failed=failed)
        return len(outcomes) - failed, failed

    async def _post(
        self,
        session: aiohttp.ClientSession,
        delivery_id: int,
        url: str,
        event: str,
        payload: str,
    ) -> str | None:
        secret = self._secrets.get(url)
        if secret is None:
            return "endpoint no longer configured"
        body = payload.encode()
        timestamp = str(int(self._clock.now().timestamp()))
        headers = {
            "Content-Type": "application/json",
            EVENT_HEADER: event,
            DELIVERY_HEADER: str(delivery_id),
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(secret, timestamp, body),
        }
        try:
            async with session.post(url, data=body, headers=headers) as response:
                if 200 <= response.status < 300:
                    return None
                return f"HTTP {response.status}"
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return f"{type(exc).__name__}: {exc}"
