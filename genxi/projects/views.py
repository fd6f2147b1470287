"""Votes on the web: the list of one's votes, a vote's page with the ballot, the receipt check
and the result with its reasons. Funds, projects and running votes are staff services (admin and
tests) for now."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from genxi.core.params import parse_id
from genxi.core.services import ServiceError
from genxi.projects import services
from genxi.projects.models import Channel, Project, Vote, VoteStatus


def _vote(request: HttpRequest, pk: int) -> Vote:
    return get_object_or_404(
        Vote.objects.visible_to(request.user).select_related("fund", "community"), pk=pk
    )


@login_required
def vote_list(request: HttpRequest) -> HttpResponse:
    votes = (
        Vote.objects.visible_to(request.user)
        .select_related("community", "fund")
        .annotate(candidates=Count("projects", distinct=True))
    )
    return render(request, "projects/vote_list.html", {"votes": votes})


def _page(
    request: HttpRequest, vote: Vote, *, receipt: str = "", status: int = 200
) -> HttpResponse:
    elector = (
        vote.electors.filter(user=request.user).first() if request.user.is_authenticated else None
    )
    voted = elector is not None and hasattr(elector, "participation")
    costs = services.costs_of(vote)
    projects = list(vote.projects.order_by("pk"))
    for project in projects:
        project.frozen_cost = costs.get(project.pk, project.cost)  # type: ignore[attr-defined]
    return render(
        request,
        "projects/vote_detail.html",
        {
            "vote": vote,
            "projects": projects,
            "elector": elector,
            "can_vote": elector is not None and not voted and vote.status == VoteStatus.OPEN,
            "voted": voted,
            "receipt": receipt,
            "turnout": vote.participations.count(),
            "electors": vote.electors.count(),
            "tie_rule": services.TIE_RULE,
        },
        status=status,
    )


@login_required
def vote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    receipt = request.session.pop(f"vote-receipt-{pk}", "")
    return _page(request, _vote(request, pk), receipt=receipt)


@login_required
@require_POST
def cast(request: HttpRequest, pk: int) -> HttpResponse:
    """An elector's ballot on the web: checked and recorded by the service, or refused whole."""
    vote = _vote(request, pk)
    elector = vote.electors.filter(user_id=request.user.pk or 0).first()
    if elector is None or not request.user.has_perm("projects.vote", vote):
        raise Http404
    ids = [parse_id(v) for v in request.POST.getlist("projects")]
    chosen = list(Project.objects.filter(pk__in=[i for i in ids if i]))
    if len(chosen) != len(ids):
        chosen.append(Project(pk=0))  # an unknown id: the service refuses it with the others
    try:
        done = services.cast_ballot(
            actor=request.user, vote=vote, elector=elector, projects=chosen, channel=Channel.WEB
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _page(request, vote, status=400)
    messages.success(request, _("Your ballot was counted. Keep its receipt to check it later."))
    # Shown once, on the page the browser is sent to (a reload then sends nothing again).
    request.session[f"vote-receipt-{vote.pk}"] = done.receipt
    return redirect("projects:vote_detail", pk=vote.pk)


@login_required
@require_POST
def check(request: HttpRequest, pk: int) -> HttpResponse:
    vote = _vote(request, pk)
    receipt = request.POST.get("receipt", "")[:20]
    found = services.check_receipt(vote=vote, receipt=receipt)
    return render(
        request, "projects/receipt.html", {"found": found, "receipt": receipt.strip().upper()}
    )


def home_card(user: Any) -> tuple[str, int, str] | None:
    """The home page's card: the votes the user may see, if any."""
    count = Vote.objects.visible_to(user).count()
    return (_("Votes"), count, "projects:vote_list") if count else None
