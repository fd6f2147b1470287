"""Every error is JSON `{"code": "...", "message": "..."}`, the message in the request's
language (Chinese unless Accept-Language asks for English), plus `field` or `errors` when a
particular input is at fault."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from genxi.core.services import ServiceError

# What every operation may answer besides its own result, for the OpenAPI document.
ERROR_ANSWERS = {
    400: "Refused: the message says why (`field` names the input at fault)",
    401: "No valid token or session",
    403: "A session-authenticated write without its CSRF token (`csrf_failed`)",
    404: "Not found, or outside the caller's areas and roles",
    409: "The record has moved on (someone else acted first), or a key was reused",
    422: "Input not valid: `errors` lists each field",
    429: "Too many requests: wait `Retry-After` seconds",
}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "field": {"type": ["string", "null"]},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

# What django-ninja's session authentication raises (in English) when a write lacks the CSRF token.
NINJA_CSRF_FAILED = "CSRF check Failed"

# Refusals because of the record's state (someone moved it on, a key already used): 409.
CONFLICTS = frozenset(
    {
        "stale",
        "invalid_transition",
        "pending",
        "closed",
        "concurrent_edit",
        "idempotency_key_reused",
        "seat_taken",  # activities: a race without the seat lock (tests only)
    }
)


class FormInvalid(Exception):
    """Input the service's own form refused (a partner the caller cannot see, an empty reason):
    answered as 422 with the form's messages per field."""

    def __init__(self, form: Any) -> None:
        super().__init__(str(form.errors))
        self.form = form


def error(
    api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str, **extra: Any
) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


def install(api: NinjaAPI) -> None:
    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error(
            api,
            request,
            401,
            "unauthenticated",
            _("Log in, or send a valid API token: Authorization: Bearer <token>."),
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        # The same answer whether it does not exist or is outside the caller's areas.
        return error(api, request, 404, "not_found", _("Not found, or not yours to see."))

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields = [
            {"field": ".".join(str(p) for p in e.get("loc", ())[1:]), "message": e.get("msg", "")}
            for e in exc.errors
        ]
        return error(
            api, request, 422, "invalid", _("Some of the input is not valid."), errors=fields
        )

    @api.exception_handler(FormInvalid)
    def form_invalid(request: HttpRequest, exc: FormInvalid) -> HttpResponse:
        fields = [
            {"field": "" if name == "__all__" else name, "message": message}
            for name, messages in exc.form.errors.items()
            for message in messages
        ]
        return error(
            api, request, 422, "invalid", _("Some of the input is not valid."), errors=fields
        )

    @api.exception_handler(ServiceError)
    def refused(request: HttpRequest, exc: ServiceError) -> HttpResponse:
        status = 409 if exc.code in CONFLICTS else 400
        return error(api, request, status, exc.code, exc.message, field=exc.field)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 403 and str(exc) == NINJA_CSRF_FAILED:
            return error(
                api,
                request,
                403,
                "csrf_failed",
                _(
                    "The page's security token is missing or out of date: reload the page and "
                    "try again, or send an API token (Authorization: Bearer <token>)."
                ),
            )
        return error(api, request, exc.status_code, "error", str(exc))
