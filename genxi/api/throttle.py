"""Rate limits for the REST API and Open311: 429 with Retry-After.

One middleware for both, so the limits hold before any view runs and also count the requests
authentication turns away:

- requests with a token (`Authorization: Bearer …`, or Open311's `api_key`) count against that
  token (GENXI_API_RATE_TOKEN);
- requests without one (Open311's public reads, or no credentials at all) count against the
  client's address (GENXI_API_RATE_ANON);
- answers of 401/403 (a wrong token) also count against the address (GENXI_API_RATE_FAILED),
  and once that is spent the address is refused before its tokens are even looked up;
- browser-session calls are not limited: the person is logged in and clicking.

Counters are fixed windows in Django's cache (`cache.add` + `cache.incr`, atomic in Redis and
in the local-memory cache). Set GENXI_CACHE_URL=redis://… so that every worker of the server
counts together; without it each worker process counts on its own.
"""

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from genxi.api.open311 import errors_response

PREFIXES = ("/api/", "/open311/")
UNITS = {"s": 1, "second": 1, "m": 60, "minute": 60, "h": 3600, "hour": 3600}


@dataclass(frozen=True)
class Rate:
    requests: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """ "600/minute" → 600 requests a minute; "0/…" switches the limit off."""
        count, _slash, unit = text.strip().partition("/")
        return cls(int(count), UNITS[unit.strip().lower()])


def _hit(bucket: str, rate: Rate, now: float) -> int | None:
    """Count one request in `bucket`; the seconds to wait if the window is already full."""
    if rate.requests <= 0:
        return None
    window = int(now // rate.seconds)
    key = f"genxi:rate:{bucket}:{window}"
    cache.add(key, 0, rate.seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, rate.seconds + 1)
        count = 1
    if count <= rate.requests:
        return None
    return max(1, int((window + 1) * rate.seconds - now) + 1)


def _full(bucket: str, rate: Rate, now: float) -> int | None:
    """The seconds to wait if `bucket` is already over its limit, without counting."""
    if rate.requests <= 0:
        return None
    window = int(now // rate.seconds)
    count = cache.get(f"genxi:rate:{bucket}:{window}", 0)
    if count < rate.requests:
        return None
    return max(1, int((window + 1) * rate.seconds - now) + 1)


def _token(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    if request.path.startswith("/open311/"):
        return request.POST.get("api_key", "") if request.method == "POST" else ""
    return ""


def _refused(request: HttpRequest, wait: int) -> HttpResponse:
    message = _("Too many requests. Wait %(seconds)s seconds, then try again.") % {"seconds": wait}
    if request.path.startswith("/open311/"):
        response = errors_response(request, 429, [(429, message)])
    else:
        response = JsonResponse({"code": "rate_limited", "message": message}, status=429)
    response["Retry-After"] = str(wait)
    return response


class RateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PREFIXES):
            return self.get_response(request)
        now = time.time()
        address = request.META.get("REMOTE_ADDR", "")
        failed = Rate.parse(settings.GENXI_API_RATE_FAILED)
        token = _token(request)
        if token:
            wait = _full(f"failed:{address}", failed, now)
            if wait is None:
                digest = hashlib.sha256(token.encode()).hexdigest()[:32]
                wait = _hit(f"token:{digest}", Rate.parse(settings.GENXI_API_RATE_TOKEN), now)
        elif request.user.is_authenticated:
            wait = None  # the browser session
        else:
            wait = _hit(f"anon:{address}", Rate.parse(settings.GENXI_API_RATE_ANON), now)
        if wait is not None:
            return _refused(request, wait)
        response = self.get_response(request)
        if token and response.status_code in (401, 403):
            _hit(f"failed:{address}", failed, now)
        return response
