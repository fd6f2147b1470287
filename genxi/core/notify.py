"""Telling people things: an in-app inbox for every user, and a pluggable outbound channel.

`notify()` is called inside a service's transaction; nothing is sent until that transaction
commits (a rolled-back write tells nobody anything). Inbox rows are written on commit; outbound
messages (SMS, e-mail) go through a background task with ids, not objects. The outbound backend
is the setting GENXI_NOTIFY_BACKEND; the default writes to the log, which is what a deployment
without an SMS contract has.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from genxi.core.models import Notification
from genxi.core.phones import mask_phone

logger = logging.getLogger("genxi.notify")

SEND_OUTBOUND = "genxi.core.tasks.send_outbound"


@dataclass(frozen=True)
class Outbound:
    phone: str
    text: str


class Backend(Protocol):
    def send(self, messages: list[Outbound]) -> None: ...


class LogBackend:
    """Writes each message to the log instead of sending it (numbers masked: logs travel)."""

    def send(self, messages: list[Outbound]) -> None:
        for message in messages:
            logger.info("outbound to %s: %s", mask_phone(message.phone), message.text)


class WebhookBackend:
    """Posts the messages as JSON to an SMS gateway of the deployment's choosing.

    `GENXI_SMS_WEBHOOK_URL` receives `{"messages": [{"phone": "13812345678", "text": "…"}, …]}` with
    `Authorization: Bearer <GENXI_SMS_WEBHOOK_TOKEN>` when a token is set; anything but a 2xx
    answer raises, so the background task is marked failed and the failure is logged (numbers
    masked). A small bridge to the operator's SMS API (Aliyun, Tencent Cloud, a carrier's
    gateway) receives it: their signing schemes differ, the bridge keeps Genxi free of them.
    """

    timeout = 10

    def send(self, messages: list[Outbound]) -> None:
        url = settings.GENXI_SMS_WEBHOOK_URL
        if not url:
            raise RuntimeError("GENXI_SMS_WEBHOOK_URL is not set")
        body = json.dumps(
            {"messages": [{"phone": m.phone, "text": m.text} for m in messages]},
            ensure_ascii=False,
        ).encode()
        request = urllib.request.Request(url, data=body, method="POST")
        request.add_header("Content-Type", "application/json; charset=utf-8")
        if settings.GENXI_SMS_WEBHOOK_TOKEN:
            request.add_header("Authorization", f"Bearer {settings.GENXI_SMS_WEBHOOK_TOKEN}")
        try:
            opener = urllib.request.build_opener(_NoRedirect)
            with opener.open(request, timeout=self.timeout) as response:
                status = response.status
        except OSError as exc:  # refused, timed out, or an HTTP error status
            if isinstance(exc, urllib.error.HTTPError):
                exc.close()
            logger.error(
                "outbound to %s failed: %s",
                ", ".join(mask_phone(m.phone) for m in messages),
                exc,
            )
            raise
        logger.info("outbound: %s message(s) handed to the gateway (%s)", len(messages), status)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is a failure: urllib would re-send the POST as a bodiless GET, with the
    token, possibly to another host."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def backend() -> Backend:
    backend_class: Any = import_string(settings.GENXI_NOTIFY_BACKEND)
    instance: Backend = backend_class()
    return instance


def notify(
    *,
    users: Iterable[Any] = (),
    phones: Iterable[str] = (),
    title: str,
    body: str = "",
    url: str = "",
) -> None:
    """Queue an inbox message for `users` and a text to `phones`, both after commit."""
    user_ids = sorted({u.pk for u in users if getattr(u, "pk", None)})
    numbers = sorted({p for p in phones if p})
    if user_ids:
        transaction.on_commit(lambda: _write_inbox(user_ids, title, body, url))
    if numbers:
        text = f"{title}{'：' + body if body else ''}"

        def enqueue() -> None:
            # By name: the task module imports this one (the task runs `backend()`).
            import_string(SEND_OUTBOUND).enqueue(numbers, text)

        transaction.on_commit(enqueue)


def _write_inbox(user_ids: list[int], title: str, body: str, url: str) -> None:
    Notification.objects.bulk_create(
        [Notification(user_id=uid, title=title[:200], body=body, url=url) for uid in user_ids]
    )
