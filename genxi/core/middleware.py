from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, QueryDict


class ChineseFirstMiddleware:
    """Pages speak Simplified Chinese unless the person chose English with the language switch.

    Many office PCs run English-language browsers; their Accept-Language header should not turn
    a Chinese street office's system into English. The switch sets a cookie, which LocaleMiddleware
    reads. API clients (/api/, /open311/) still negotiate with Accept-Language.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(("/api/", "/open311/")):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class DropNulMiddleware:
    """Query parameters lose any NUL character (%00) before a view reads them.

    PostgreSQL text cannot hold NUL, so a search for "a%00b" would fail in the database with a
    server error; no real search contains one. Forms already refuse it (Django's CharField).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any(
            "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
        ):
            clean = QueryDict(mutable=True)
            for key, values in request.GET.lists():
                clean.setlist(key.replace("\x00", ""), [v.replace("\x00", "") for v in values])
            clean._mutable = False  # as Django leaves request.GET
            request.GET = clean  # type: ignore[assignment]  # the stubs' immutable subtype
        return self.get_response(request)
