"""Funds, projects and votes on the web.

Representatives: their votes, a vote's page with the ballot, the receipt check and the result
with its reasons. Staff: funds with their spending ledger, candidate projects and their steps
and payments, votes (electors, open, paper ballots, close, overrides, Pabulib export)."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from genxi.accounts.rules import require
from genxi.core.params import parse_id
from genxi.core.services import ServiceError
from genxi.core.views import show_refusal
from genxi.places.models import Area, AreaKind
from genxi.projects import figures, forms, services
from genxi.projects.models import (
    STAFF_STEPS,
    Channel,
    Fund,
    Phase,
    Project,
    ProjectPhoto,
    Vote,
    VoteStatus,
)


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
    if request.GET.get("status") in VoteStatus.values:  # the home page's "open votes"
        votes = votes.filter(status=request.GET["status"])
    return render(request, "projects/vote_list.html", {"votes": votes})


def _page(
    request: HttpRequest,
    vote: Vote,
    *,
    receipt: str = "",
    status: int = 200,
    forms_bound: dict[str, Any] | None = None,
) -> HttpResponse:
    elector = (
        vote.electors.filter(user=request.user).first() if request.user.is_authenticated else None
    )
    voted = elector is not None and hasattr(elector, "participation")
    costs = figures.costs_of(vote)
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
            "tie_rule": figures.TIE_RULE,
            **_staff_controls(request, vote, forms_bound or {}),
        },
        status=status,
    )


def _staff_controls(request: HttpRequest, vote: Vote, bound: dict[str, Any]) -> dict[str, Any]:
    if not request.user.has_perm("projects.manage", vote):
        if request.user.has_perm("projects.assist", vote):
            form = bound.get("assist") or forms.PaperBallotForm(vote=vote, assisted_only=True)
            return {"can_manage": False, "assist_form": form}
        return {"can_manage": False}
    return {
        "can_manage": True,
        "paper_form": bound.get("paper") or forms.PaperBallotForm(vote=vote),
        "override_form": bound.get("override") or forms.OverrideForm(vote=vote),
        "participations": vote.participations.select_related("elector").order_by("at"),
    }


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
    found = figures.check_receipt(vote=vote, receipt=receipt)
    return render(
        request, "projects/receipt.html", {"found": found, "receipt": receipt.strip().upper()}
    )


# ------------------------------------------------------------------ staff: funds and projects


def _fund(request: HttpRequest, pk: int) -> Fund:
    return get_object_or_404(
        Fund.objects.visible_to(request.user).select_related("community"), pk=pk
    )


def _manage(request: HttpRequest, obj: Any) -> None:
    require(request.user, "projects.manage", obj)


def _form_page(request: HttpRequest, form: Any, title: str, cancel: str) -> HttpResponse:
    return render(
        request,
        "includes/object_form.html",
        {"form": form, "title": title, "cancel_url": cancel},
        status=400 if form.is_bound else 200,
    )


@login_required
def fund_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "projects.open_funds")
    funds = list(Fund.objects.visible_to(request.user).select_related("community"))
    rows = [(f, figures.balance(f)) for f in funds]
    return render(
        request,
        "projects/fund_list.html",
        {"rows": rows, "can_create": request.user.has_perm("projects.manage")},
    )


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    """The projects the user may see: their communities', or those their unit implements."""
    projects = (
        Project.objects.visible_to(request.user)
        .select_related("community", "fund", "implementer")
        .order_by("-fund__year", "community__path", "pk")
    )
    return render(request, "projects/project_list.html", {"projects": projects[:500]})


@login_required
def fund_create(request: HttpRequest) -> HttpResponse:
    _manage(request, None)
    form = forms.FundForm(
        request.POST or None, user=request.user, initial={"year": timezone.localdate().year}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            fund = services.create_fund(
                actor=request.user,
                community=data["community"],
                year=data["year"],
                amount=data["amount"],
                reserve=data["reserve"] or Decimal(0),
                max_per_project=data["max_per_project"],
                categories=data["categories"],
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("projects:fund_detail", pk=fund.pk)
    return _form_page(request, form, _("New service fund"), reverse("projects:fund_list"))


@login_required
def fund_detail(request: HttpRequest, pk: int) -> HttpResponse:
    fund = _fund(request, pk)
    projects = list(fund.projects.select_related("category", "implementer").order_by("pk"))
    return render(
        request,
        "projects/fund_detail.html",
        {
            "fund": fund,
            "balance": figures.balance(fund),
            "projects": projects,
            "votes": Vote.objects.filter(fund=fund),
            "entries": fund.entries.select_related("project").order_by("-at", "-id")[:50],
            "can_manage": request.user.has_perm("projects.manage", fund),
        },
    )


@login_required
def fund_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The fund's usage rules, until a vote on it opens."""
    fund = _fund(request, pk)
    _manage(request, fund)
    initial = {
        "amount": fund.amount,
        "reserve": fund.reserve,
        "max_per_project": fund.max_per_project,
        "categories": list(fund.categories.all()),
        "updated_at": fund.updated_at,
    }
    form = forms.FundRulesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_fund_rules(
                actor=request.user,
                fund=fund,
                amount=data["amount"],
                reserve=data["reserve"] or Decimal(0),
                max_per_project=data["max_per_project"],
                categories=data["categories"],
                expected_updated_at=data["updated_at"],
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("projects:fund_detail", pk=pk)
    title = _("The rules of %(fund)s") % {"fund": fund}
    return _form_page(request, form, title, reverse("projects:fund_detail", args=[pk]))


@login_required
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A candidate project's title, cost and description, until it is voted on."""
    project = _project(request, pk)
    _manage(request, project)
    initial = {
        "title": project.title,
        "cost": project.cost,
        "description": project.description,
        "updated_at": project.updated_at,
    }
    form = forms.ProjectEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_project(
                actor=request.user,
                project=project,
                title=data["title"],
                cost=data["cost"],
                description=data["description"],
                expected_updated_at=data["updated_at"],
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("projects:project_detail", pk=pk)
    cancel = reverse("projects:project_detail", args=[pk])
    return _form_page(request, form, _("Edit the candidate project"), cancel)


@login_required
def project_create(request: HttpRequest, pk: int) -> HttpResponse:
    fund = _fund(request, pk)
    _manage(request, fund)
    form = forms.ProjectForm(request.POST or None, user=request.user, fund=fund)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project = services.propose_project(actor=request.user, fund=fund, **data)
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("projects:project_detail", pk=project.pk)
    return _form_page(
        request, form, _("New candidate project"), reverse("projects:fund_detail", args=[pk])
    )


def _project(request: HttpRequest, pk: int) -> Project:
    return get_object_or_404(
        Project.objects.visible_to(request.user).select_related(
            "fund", "community", "implementer", "compound"
        ),
        pk=pk,
    )


@login_required
def project_detail(
    request: HttpRequest, pk: int, bound: dict[str, Any] | None = None
) -> HttpResponse:
    project = _project(request, pk)
    bound = bound or {}
    can_manage = request.user.has_perm("projects.manage", project)
    committed, paid = figures.ledger_of(project)
    steps = [(to, Phase(to).label) for to in sorted(STAFF_STEPS.targets(project.phase))]
    running = project.phase in (Phase.SELECTED, Phase.EXECUTION)
    # Money and the fund are for the community's staff and leadership, not an implementer.
    sees_fund = Fund.objects.visible_to(request.user).filter(pk=project.fund_id).exists()
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "sees_fund": sees_fund,
            "committed": committed,
            "paid": paid,
            "percent": round(100 * paid / committed) if committed else 0,
            "progress": figures.progress(project),
            "milestones": project.milestones.all(),
            "acceptance": getattr(project, "acceptance", None),
            "entries": project.entries.order_by("at", "id"),
            "demands": project.demands.all(),
            "can_manage": can_manage,
            "steps": steps if can_manage else [],
            "step_form": bound.get("step") or forms.StepForm(user=request.user),
            "payment_form": bound.get("payment") or forms.PaymentForm(),
            "milestone_form": bound.get("milestone") or forms.MilestoneForm(),
            "acceptance_form": bound.get("accept")
            or forms.AcceptanceForm(initial={"accepted_on": timezone.localdate()}),
            "can_pay": can_manage
            and project.phase in (Phase.SELECTED, Phase.EXECUTION, Phase.ACCEPTED),
            "can_plan": can_manage and running,
            "can_accept": can_manage and project.phase == Phase.EXECUTION,
            "can_edit": can_manage
            and project.phase in (Phase.DRAFTING, Phase.DELIBERATION, Phase.NOT_SELECTED),
            "photos": project.photos.all(),
            "can_add_photo": request.user.has_perm("projects.add_photo", project)
            and project.phase in (Phase.SELECTED, Phase.EXECUTION, Phase.ACCEPTED),
            "photo_form": bound.get("photo") or forms.PhotoForm(),
        },
        status=400 if bound else 200,
    )


@login_required
@require_POST
def project_step(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    _manage(request, project)
    form = forms.StepForm(request.POST, user=request.user)
    to = request.POST.get("to", "")
    valid = form.is_valid()
    if to not in Phase.values:
        form.add_error(None, _("Choose the next step with one of its buttons."))
    elif valid:
        try:
            services.move_project(
                actor=request.user,
                project=project,
                to=to,
                implementer=form.cleaned_data["implementer"],
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Done."))
            return redirect("projects:project_detail", pk=pk)
    return project_detail(request, pk, {"step": form})


def _submit(
    request: HttpRequest, pk: int, name: str, form: Any, act: Any, done: str
) -> HttpResponse:
    """Hand a valid form's data to a service (`act`); a refusal goes back onto the form, shown
    on the project's page with everything typed kept."""
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, done)
            return redirect("projects:project_detail", pk=pk)
    return project_detail(request, pk, {name: form})


@login_required
@require_POST
def project_payment(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    _manage(request, project)
    return _submit(
        request,
        pk,
        "payment",
        forms.PaymentForm(request.POST),
        lambda data: services.record_payment(actor=request.user, project=project, **data),
        _("Payment recorded."),
    )


@login_required
@require_POST
def project_milestone(request: HttpRequest, pk: int) -> HttpResponse:
    """Plan a milestone, or mark one done (`done` names it)."""
    project = _project(request, pk)
    _manage(request, project)
    done = parse_id(request.POST.get("done"))
    if done:
        milestone = get_object_or_404(project.milestones, pk=done)
        services.finish_milestone(actor=request.user, milestone=milestone)
        messages.success(request, _("Done."))
        return redirect("projects:project_detail", pk=pk)
    return _submit(
        request,
        pk,
        "milestone",
        forms.MilestoneForm(request.POST),
        lambda data: services.add_milestone(actor=request.user, project=project, **data),
        _("Saved."),
    )


@login_required
@require_POST
def project_accept(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    _manage(request, project)
    return _submit(
        request,
        pk,
        "accept",
        forms.AcceptanceForm(request.POST),
        lambda data: services.accept_project(actor=request.user, project=project, **data),
        _("The project is accepted."),
    )


@login_required
@require_POST
def project_photos(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    if not request.user.has_perm("projects.add_photo", project):
        raise Http404
    return _submit(
        request,
        pk,
        "photo",
        forms.PhotoForm(request.POST, request.FILES),
        lambda data: services.add_photos(actor=request.user, project=project, **data),
        _("Saved."),
    )


@login_required
def project_photo(request: HttpRequest, pk: int, photo: int) -> FileResponse:
    """A project's photo, for those who may see the project (never a public file)."""
    item = get_object_or_404(ProjectPhoto, project=_project(request, pk), pk=photo)
    try:
        handle = item.image.open("rb")
    except FileNotFoundError as exc:  # the row outlived its file (a restored backup, say)
        raise Http404 from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def public_results(request: HttpRequest, pk: int) -> HttpResponse:
    """A community's service projects for everyone, logged in or not: what was promised (the
    fund), chosen (the votes' results), built (phases, progress, acceptance) and spent. No
    person is named."""
    community = get_object_or_404(Area.objects.of_kind(AreaKind.COMMUNITY), pk=pk)
    funds = list(Fund.objects.filter(community=community).order_by("-year"))
    shown = [Phase.SELECTED, Phase.EXECUTION, Phase.ACCEPTED, Phase.CLOSED]
    rows = []
    for fund in funds:
        projects = list(
            fund.projects.filter(phase__in=shown).select_related("implementer", "acceptance")
        )
        for project in projects:
            project.spent = figures.ledger_of(project)[1]  # type: ignore[attr-defined]
            project.done = figures.progress(project)  # type: ignore[attr-defined]
        votes = Vote.objects.filter(fund=fund, status=VoteStatus.CLOSED)
        rows.append((fund, figures.balance(fund), projects, votes))
    return render(request, "projects/public_results.html", {"community": community, "rows": rows})


# ------------------------------------------------------------------ staff: votes


@login_required
def vote_create(request: HttpRequest, pk: int) -> HttpResponse:
    fund = _fund(request, pk)
    _manage(request, fund)
    form = forms.VoteForm(request.POST or None, user=request.user, fund=fund)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                vote = services.create_vote(
                    actor=request.user,
                    fund=fund,
                    title=data["title"],
                    method=data["method"],
                    projects=list(data["projects"]),
                    max_choices=data["max_choices"],
                    quorum=data["quorum"] or 0,
                    secret=data["secret"],
                )
                services.add_electors(actor=request.user, vote=vote, electors=data["electors"])
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("projects:vote_detail", pk=vote.pk)
    return _form_page(request, form, _("New vote"), reverse("projects:fund_detail", args=[pk]))


@login_required
@require_POST
def vote_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Staff's steps on a vote: open, close, a paper (or assisted) ballot, an override."""
    vote = _vote(request, pk)
    if action == "assist":
        if not request.user.has_perm("projects.assist", vote):
            raise Http404
    else:
        _manage(request, vote)
    form: Any = None
    try:
        if action == "assist":
            form = forms.PaperBallotForm(request.POST, vote=vote, assisted_only=True)
            if not form.is_valid():
                raise ServiceError(_("Check the ballot's fields."))
            services.cast_ballot(
                actor=request.user,
                vote=vote,
                elector=form.cleaned_data["elector"],
                projects=list(form.cleaned_data["projects"]),
                channel=Channel.ASSISTED,
            )
        elif action == "open":
            services.open_vote(actor=request.user, vote=vote)
        elif action == "close":
            services.close_vote(actor=request.user, vote=vote)
        elif action == "paper":
            form = forms.PaperBallotForm(request.POST, vote=vote)
            if not form.is_valid():
                raise ServiceError(_("Check the ballot's fields."))
            services.cast_ballot(
                actor=request.user,
                vote=vote,
                elector=form.cleaned_data["elector"],
                projects=list(form.cleaned_data["projects"]),
                channel=form.cleaned_data["channel"],
                paper_ref=form.cleaned_data["paper_ref"],
            )
        elif action == "override":
            form = forms.OverrideForm(request.POST, vote=vote)
            if not form.is_valid():
                raise ServiceError(_("Choose the project and give the reason."))
            services.override_result(actor=request.user, vote=vote, **form.cleaned_data)
        else:
            raise Http404
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _page(request, Vote.objects.get(pk=vote.pk), status=400, forms_bound={action: form})
    messages.success(request, _("Done."))
    return redirect("projects:vote_detail", pk=pk)


@login_required
def vote_pabulib(request: HttpRequest, pk: int) -> HttpResponse:
    vote = _vote(request, pk)
    _manage(request, vote)
    if vote.status != VoteStatus.CLOSED:
        raise Http404
    response = HttpResponse(figures.pabulib(vote), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="vote-{vote.pk}.pb"'
    return response
