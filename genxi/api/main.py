"""The REST API, /api/v1/: one NinjaAPI object, a router per app, the OpenAPI document at
/api/v1/openapi.json and its browsable page at /api/v1/docs."""

from ninja import NinjaAPI

from genxi.api import demands, errors, places
from genxi.api.auth import AUTH

api = NinjaAPI(
    title="Genxi API",
    version="1",
    description=(
        "Areas, categories and demands of Genxi, scoped to the caller exactly as the pages are. "
        "Authenticate with `Authorization: Bearer <token>` (a personal token from 我的账户) or "
        "the browser session. Errors are `{code, message}` in the request's language."
    ),
    auth=AUTH,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)
api.add_router("/areas", places.router)
api.add_router("/", demands.router)
