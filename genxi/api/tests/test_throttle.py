"""Rate limits: 429 with Retry-After, per address without credentials, per token with one, and
per address for wrong tokens; the browser session is not limited."""

from typing import Any

import pytest
import time_machine
from django.core.cache import cache

from genxi.accounts.services import create_api_token
from genxi.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings: Any) -> Any:
    cache.clear()
    settings.GENXI_API_RATE_ANON = "3/minute"
    settings.GENXI_API_RATE_TOKEN = "2/minute"
    settings.GENXI_API_RATE_FAILED = "2/minute"
    yield settings
    cache.clear()


def test_unauthenticated_traffic_is_limited_per_address(limits, client) -> None:
    with time_machine.travel("2026-11-23 09:00:10 +08:00", tick=False) as clock:
        codes = [client.get("/open311/v2/services.json").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        refused = client.get("/open311/v2/services.xml")
        assert refused.status_code == 429 and refused["Retry-After"] == "51"
        assert b"<errors><error><code>429</code>" in refused.content
        api = client.get("/api/v1/demands")
        assert api.status_code == 429 and api.json()["code"] == "rate_limited"
        assert "51" in api.json()["message"]
        other = client.get("/open311/v2/services.json", REMOTE_ADDR="10.0.0.2")
        assert other.status_code == 200  # another address counts on its own
        clock.shift(60)
        assert client.get("/open311/v2/services.json").status_code == 200


def test_token_traffic_is_limited_per_token(limits, world: World, client) -> None:
    first = create_api_token(actor=None, user=world["bob"], name="a")[1]
    second = create_api_token(actor=None, user=world["bob"], name="b")[1]
    with time_machine.travel("2026-11-23 09:00:00 +08:00", tick=False):
        codes = [
            client.get("/api/v1/categories", HTTP_AUTHORIZATION=f"Bearer {first}").status_code
            for _ in range(3)
        ]
        assert codes == [200, 200, 429]
        other = client.get("/api/v1/categories", HTTP_AUTHORIZATION=f"Bearer {second}")
        assert other.status_code == 200


def test_wrong_tokens_are_limited_per_address(limits, world: World, client) -> None:
    good = create_api_token(actor=None, user=world["bob"], name="a")[1]
    with time_machine.travel("2026-11-23 09:00:00 +08:00", tick=False):
        codes = [
            client.get("/api/v1/categories", HTTP_AUTHORIZATION=f"Bearer gx_guess{i}").status_code
            for i in range(3)
        ]
        assert codes == [401, 401, 429]
        # Open311 keys count too; and from this address even a good key waits now.
        refused = client.post("/open311/v2/requests.json", {"api_key": good})
        assert refused.status_code == 429
        assert (
            client.get("/api/v1/categories", HTTP_AUTHORIZATION=f"Bearer {good}").status_code == 429
        )


def test_the_browser_session_is_not_limited(limits, world: World, client) -> None:
    client.force_login(world["bob"])
    with time_machine.travel("2026-11-23 09:00:00 +08:00", tick=False):
        assert {client.get("/api/v1/categories").status_code for _ in range(6)} == {200}
