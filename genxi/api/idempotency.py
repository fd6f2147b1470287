"""`Idempotency-Key` for a create whose service takes a retry token (core's `SubmittedForm`).

POST /demands keeps its keys in `api.IdempotencyKey` (a row pointing at the demand, with the
request's digest). A service that already takes a `token` (registrations) needs no second
store: the caller's key becomes the token `uuid5(caller, kind, key)`, the service records it in
the transaction that creates the object and answers a retry — or a retry racing its original,
through the token's unique constraint — with the object it already made. A key sent again
with another request is told apart by comparing the request, as validated, with the object
the key made (`fingerprint`), rather than with a stored digest.
"""

import uuid
from typing import Annotated, Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Header

from genxi.core.services import ServiceError

KeyHeader = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)]

DESCRIPTION = (
    "Send an `Idempotency-Key` header (any text up to 255 characters, unique per request): a "
    "retry with the same key and the same request returns what the first request made, with "
    "the header `Idempotent-Replayed: true`, and records nothing; the same key with any other "
    "request is refused (409 `idempotency_key_reused`). Keys are per caller."
)

# Fixed: a key must map to the same token in every process and release.
NAMESPACE = uuid.UUID("6f0b6a64-5f43-4c38-9d55-2d1f4f0a1c7e")


def token_for(user: Any, kind: str, key: str) -> uuid.UUID:
    """The retry token of `key` sent by `user` for a create of `kind`."""
    return uuid.uuid5(NAMESPACE, f"{kind}\x00{user.pk}\x00{key}")


def replay(response: HttpResponse, *, same_request: bool) -> None:
    """Mark the answer as a replay, or refuse a key reused for another request."""
    if not same_request:
        raise ServiceError(
            _("This Idempotency-Key was already used for another request; use a new key."),
            code="idempotency_key_reused",
        )
    response["Idempotent-Replayed"] = "true"
