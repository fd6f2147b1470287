"""Property-based fuzzing of the REST API from its own OpenAPI document (schemathesis): for every
operation, generated requests — valid and invalid — never meet a server error, and every answer
has a documented status, content type and shape.

GENXI_FUZZ_EXAMPLES sets the cases per operation (default 300). The caller is bob (community
staff of 和泰) with a token, over the fixed cast's world with demands in several states.
"""

import os
import warnings
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from genxi.accounts.services import create_api_token
from genxi.conftest import World
from genxi.demands import services
from genxi.demands.tests.conftest import collect

EXAMPLES = int(os.environ.get("GENXI_FUZZ_EXAMPLES", "300"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def same_connection() -> Any:
    """As Django's test client does: a request must not close the test's connection (on
    PostgreSQL, inside the test's transaction, `close_old_connections` would)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def caller(same_connection: None, world: World, category: Any) -> dict[str, str]:
    """bob's token, and demands collected, accepted, verified, in progress and resolved."""
    demands = [collect(world, category, title=f"诉求{i}") for i in range(5)]
    bob = world["bob"]
    for demand in demands[1:]:
        services.accept(actor=bob, demand=demand)
    for demand in demands[2:]:
        services.verify(actor=bob, demand=demand, findings="属实")
    for demand in demands[3:]:
        services.assign(actor=bob, demand=demand, path="community")
    services.resolve(actor=bob, demand=demands[4], result="已处理")
    return {"Authorization": f"Bearer {create_api_token(actor=None, user=bob, name='fuzz')[1]}"}


# Requests go straight to the WSGI application: no server. (Its static files are not built in a
# test run; whitenoise's warning about that is beside the point here.)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    application = WSGIHandler()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
@pytest.mark.django_db
def test_no_server_errors_and_answers_as_documented(case: Any, caller: dict[str, str]) -> None:
    case.call_and_validate(headers=caller, checks=CHECKS)
