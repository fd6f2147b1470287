"""The REST API, /api/v1/: one NinjaAPI object, a router per app, the OpenAPI document at
/api/v1/openapi.json and its browsable page at /api/v1/docs."""

from ninja import NinjaAPI

from genxi.api import demands, errors, places
from genxi.api.auth import AUTH

api = NinjaAPI(
    title="Genxi API",
    version="1",
    description=(
        "Areas, partner units, venues, residents, categories, demands and their figures of "
        "Genxi, scoped to the caller exactly as the pages are. "
        "Authenticate with `Authorization: Bearer <token>` (a personal token from 我的账户) or "
        "the browser session. Errors are `{code, message}` in the request's language."
    ),
    auth=AUTH,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)
api.add_router("/areas", places.areas)
api.add_router("/partners", places.partners)
api.add_router("/venues", places.venues)
api.add_router("/residents", places.residents)
api.add_router("/", demands.router)
