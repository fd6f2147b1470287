"""Huge, negative and non-finite numbers are refused by every form and API schema with a
message, never passed on for the database to fail on (a 500)."""

import importlib
import inspect
import json
import pkgutil
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.urls import reverse

import genxi
from genxi.conftest import World
from genxi.core.forms import INTEGER_RANGES
from genxi.demands.tests.conftest import category  # noqa: F401  (a fixture)
from genxi.places.models import Area, Venue

EXTREMES: list[Any] = [
    3000000000,
    -3000000000,
    "3000000000",
    "1e20",
    1e20,
    10**30,
    "1" + "0" * 30,
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",
]


def form_classes() -> list[type[forms.BaseForm]]:
    """Every form class defined in a `genxi.<app>.forms` module."""
    found = []
    for app in pkgutil.iter_modules(genxi.__path__):
        if not app.ispkg:
            continue
        try:
            module = importlib.import_module(f"genxi.{app.name}.forms")
        except ModuleNotFoundError:
            continue
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


def number_fields() -> list[tuple[str, str, forms.Field, str]]:
    fields: list[tuple[str, str, forms.Field, str]] = []
    for cls in form_classes():
        model = getattr(getattr(cls, "_meta", None), "model", None)
        columns = {f.name: f for f in model._meta.concrete_fields} if model else {}
        for name, field in cls.base_fields.items():
            if isinstance(field, forms.IntegerField):  # FloatField and DecimalField too
                column = columns.get(name)
                kind = column.get_internal_type() if column else "IntegerField"
                fields.append((cls.__name__, name, field, kind))
    return fields


def test_the_forms_are_found() -> None:
    names = {(form, name) for form, name, _f, _k in number_fields()}
    assert {("AreaForm", "households"), ("VenueForm", "capacity"), ("FundForm", "amount")} <= names


@pytest.mark.parametrize(
    ("form", "name", "field", "kind"),
    number_fields(),
    ids=[f"{form}.{name}" for form, name, _f, _k in number_fields()],
)
def test_every_number_field_refuses_what_its_column_cannot_hold(
    form: str, name: str, field: forms.Field, kind: str
) -> None:
    low, high = INTEGER_RANGES.get(kind, INTEGER_RANGES["IntegerField"])
    for value in EXTREMES:
        try:
            cleaned = field.clean(value)
        except forms.ValidationError:
            continue  # refused, with a message: what we want
        # Accepted: then the column must hold it.
        if isinstance(field, forms.DecimalField):
            assert isinstance(cleaned, Decimal) and cleaned.is_finite(), (value, cleaned)
            assert field.max_digits is not None
            digits = len(cleaned.as_tuple().digits)
            assert digits <= field.max_digits, (value, cleaned)
        elif isinstance(field, forms.FloatField):
            assert cleaned is None or abs(cleaned) < 1e300, (value, cleaned)
        else:
            assert low <= cleaned <= high, (value, cleaned)


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["3000000000", "-3000000000", "1e20", "1" + "0" * 30, "NaN"])
def test_huge_numbers_through_the_pages_are_refused_not_a_500(
    world: World, client, value: str
) -> None:
    client.force_login(world["bob"])
    venue = client.post(
        reverse("places:venue_create"),
        {"name": "金言议事角", "kind": "other", "area": world.hetai.pk, "capacity": value},
    )
    assert venue.status_code == 200
    assert "确保该值" in venue.content.decode() or "输入" in venue.content.decode()
    assert not Venue.objects.filter(name="金言议事角").exists()
    area = client.post(
        reverse("places:area_create", args=[world.hetai.pk, "compound"]),
        {"name": "新苑", "households": value, "latitude": value, "longitude": "120.5"},
    )
    assert area.status_code == 200
    assert not Area.objects.filter(name="新苑").exists()
    edit = client.post(
        reverse("places:area_edit", args=[world.compound.pk]),
        {"name": world.compound.name, "households": value, "latitude": value},
    )
    assert edit.status_code == 200
    world.compound.refresh_from_db()
    assert world.compound.households != 3000000000
    for url in (f"/areas/{value}/", f"/venues/{value}/edit/", f"/residents/{value}/"):
        assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_a_number_the_column_holds_is_still_taken(world: World, client) -> None:
    client.force_login(world["bob"])
    response = client.post(
        reverse("places:venue_create"),
        {"name": "金言议事角", "kind": "other", "area": world.hetai.pk, "capacity": "2147483647"},
    )
    assert response.status_code == 302
    assert Venue.objects.get(name="金言议事角").capacity == 2147483647


def test_every_number_an_api_takes_is_bounded() -> None:
    """Each integer and number in a request (path, query, body) of the REST API's OpenAPI
    document has a minimum and a maximum a 64-bit column holds."""
    from genxi.api.main import api

    schema = api.get_openapi_schema()
    components = schema.get("components", {}).get("schemas", {})
    unbounded: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                walk(components[node["$ref"].rsplit("/", 1)[1]], where)
                return
            if node.get("type") in ("integer", "number"):
                low = node.get("minimum", node.get("exclusiveMinimum"))
                high = node.get("maximum", node.get("exclusiveMaximum"))
                if low is None or high is None or low < -(2**63) or high > 2**63 - 1:
                    unbounded.append(where)
            for key in ("properties", "items", "anyOf", "allOf", "oneOf"):
                child = node.get(key)
                if isinstance(child, dict) and key == "properties":
                    for name, sub in child.items():
                        walk(sub, f"{where}.{name}")
                elif isinstance(child, list):
                    for sub in child:
                        walk(sub, where)
                elif isinstance(child, dict):
                    walk(child, where)

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                walk(parameter.get("schema", {}), f"{method} {path} {parameter['name']}")
            body = operation.get("requestBody", {}).get("content", {})
            for content in body.values():
                walk(content.get("schema", {}), f"{method} {path} body")
    assert not unbounded, json.dumps(unbounded, ensure_ascii=False)


@pytest.mark.django_db
@pytest.mark.usefixtures("category")
@pytest.mark.parametrize("value", [3000000000, -3000000000, 10**20, 10**30, "NaN", "1e400"])
def test_huge_numbers_through_the_api_are_refused_not_a_500(
    world: World, client, value: Any
) -> None:
    from genxi.accounts.services import create_api_token

    _t, token = create_api_token(actor=None, user=world["bob"], name="test")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = {
        "title": "路灯不亮",
        "category": value,
        "area": value,
        "reporters": [value],
        "latitude": value,
        "longitude": value,
    }
    posted = client.post("/api/demands", json.dumps(body), "application/json", **auth)
    assert posted.status_code in (400, 404, 422), posted.content
    for url in (
        f"/api/demands?limit={value}",
        f"/api/areas?after={value}&parent={value}",
        f"/api/areas/{value}",
        f"/api/demands/{value}",
        f"/api/figures?area={value}",
    ):
        answer = client.get(url, **auth)
        assert answer.status_code in (400, 404, 422), (url, answer.content)
    open311 = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": token,
            "service_code": str(value),
            "lat": str(value),
            "long": str(value),
            "address_id": str(value),
            "description": "路灯不亮",
        },
    )
    assert open311.status_code in (400, 403, 404), open311.content
