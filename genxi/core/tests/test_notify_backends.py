"""The outbound channel: texts handed to an SMS gateway over HTTP, or written to the log."""

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from genxi.core.notify import Outbound, WebhookBackend, notify


@pytest.fixture
def gateway() -> Iterator[dict[str, Any]]:
    """A local HTTP server standing in for the SMS bridge; `status` sets its answer."""
    seen: dict[str, Any] = {"requests": [], "status": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            seen["requests"].append(
                {
                    "auth": self.headers.get("Authorization"),
                    "type": self.headers.get("Content-Type"),
                    "body": json.loads(self.rfile.read(length)),
                }
            )
            self.send_response(seen["status"])
            if 300 <= seen["status"] < 400:
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    seen["url"] = f"http://127.0.0.1:{server.server_port}/sms"
    yield seen
    server.shutdown()
    server.server_close()


def test_the_webhook_posts_every_message_with_the_token(gateway, settings) -> None:
    settings.GENXI_SMS_WEBHOOK_URL = gateway["url"]
    settings.GENXI_SMS_WEBHOOK_TOKEN = "s3cret"
    WebhookBackend().send(
        [Outbound("13812345678", "您反映的诉求已受理"), Outbound("18612345678", "同上")]
    )
    [request] = gateway["requests"]
    assert request["auth"] == "Bearer s3cret"
    assert request["type"].startswith("application/json")
    assert request["body"] == {
        "messages": [
            {"phone": "13812345678", "text": "您反映的诉求已受理"},
            {"phone": "18612345678", "text": "同上"},
        ]
    }


def test_a_refusing_gateway_fails_the_task_and_logs_masked_numbers(
    gateway, settings, caplog
) -> None:
    settings.GENXI_SMS_WEBHOOK_URL = gateway["url"]
    gateway["status"] = 503
    with caplog.at_level(logging.ERROR, logger="genxi.notify"), pytest.raises(OSError, match="503"):
        WebhookBackend().send([Outbound("13812345678", "x")])
    assert "138****5678" in caplog.text and "13812345678" not in caplog.text
    gateway["status"] = 302  # a redirect is not followed (it would drop the body, keep the token)
    with pytest.raises(OSError, match="302"):
        WebhookBackend().send([Outbound("13812345678", "x")])
    settings.GENXI_SMS_WEBHOOK_URL = ""
    with pytest.raises(RuntimeError):
        WebhookBackend().send([Outbound("13812345678", "x")])


@pytest.mark.django_db
def test_notify_reaches_the_gateway_after_commit(
    gateway, settings, django_capture_on_commit_callbacks
) -> None:
    settings.GENXI_NOTIFY_BACKEND = "genxi.core.notify.WebhookBackend"
    settings.GENXI_SMS_WEBHOOK_URL = gateway["url"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(phones=["13812345678"], title="您反映的诉求已办结", body="查询码 AB12CD34")
    assert gateway["requests"] == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    [request] = gateway["requests"]
    assert request["body"]["messages"][0]["text"] == "您反映的诉求已办结：查询码 AB12CD34"
