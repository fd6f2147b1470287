"""The REST API, /api/v1/: one NinjaAPI object, a router per app, the OpenAPI document at
/api/v1/openapi.json and its browsable page at /api/v1/docs."""

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from genxi.api import activities, checkin, dashboards, demands, errors, places
from genxi.api.auth import AUTH


class GenxiAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        """The document, with the error answers every operation can give (errors.py)."""
        schema = super().get_openapi_schema(**kwargs)
        schema["components"].setdefault("schemas", {})["Error"] = errors.ERROR_SCHEMA
        for operations in schema["paths"].values():
            for operation in operations.values():
                answers = operation.setdefault("responses", {})
                for status, description in errors.ERROR_ANSWERS.items():
                    answers.setdefault(
                        status,
                        {
                            "description": description,
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Error"}
                                }
                            },
                        },
                    )
        return schema


api = GenxiAPI(
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
api.add_router("/", activities.router)
api.add_router("/", checkin.router)
api.add_router("/", dashboards.router)
