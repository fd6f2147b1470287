from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


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
