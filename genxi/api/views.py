"""The staff page for Open311 requests whose address named no place: each waits, as it was
posted, until staff choose where it is; that records the demand."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from genxi.accounts.rules import require
from genxi.api import services
from genxi.api.models import UnplacedRequest
from genxi.core.params import parse_id
from genxi.core.services import ServiceError


def _staff(request: HttpRequest) -> None:
    require(request.user, "api.open_unplaced")


@login_required
def unplaced_list(request: HttpRequest) -> HttpResponse:
    _staff(request)
    waiting = list(
        UnplacedRequest.objects.visible_to(request.user)
        .waiting()
        .select_related("category", "area", "submitted_by")[:100]
    )
    for item in waiting:
        item.options = list(services.place_options(request.user, item))  # type: ignore[attr-defined]
    return render(request, "api/unplaced_list.html", {"waiting": waiting})


@login_required
@require_POST
def unplaced_place(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    item = get_object_or_404(UnplacedRequest.objects.visible_to(request.user), pk=pk)
    area_id = parse_id(request.POST.get("area"))
    area = services.place_options(request.user, item).filter(pk=area_id).first()
    if area is None:
        messages.error(request, _("Choose where it is from the list, then press Place."))
        return redirect("open311_inbox:list")
    try:
        demand = services.place(actor=request.user, unplaced=item, area=area)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("open311_inbox:list")
    messages.success(
        request, _("Placed: demand %(code)s is awaiting acceptance.") % {"code": demand.code}
    )
    return redirect(demand.get_absolute_url())
