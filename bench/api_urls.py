"""URLs of the API benchmark's server: Genxi as it is, plus one bare view (bench/api.py)."""

import json
from datetime import timedelta

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from genxi.demands.models import Demand
from genxi.demands.services import new_code


@csrf_exempt
def bare_insert(request: HttpRequest) -> HttpResponse:
    """The baseline: read the same JSON, insert one row into demands_demand, answer 201."""
    body = json.loads(request.body)
    today = timezone.localdate()
    demand = Demand.objects.create(
        code=new_code(),
        title=body["title"],
        category_id=body["category"],
        community_id=body["community"],
        street_id=body["street"],
        area_id=body["area"],
        channel=body["channel"],
        response_due=today + timedelta(days=1),
        resolution_due=today + timedelta(days=7),
    )
    return JsonResponse({"id": demand.pk, "code": demand.code}, status=201)


urlpatterns = [
    path("bench/bare-insert", bare_insert),
    path("", include("genxi.urls")),
]
