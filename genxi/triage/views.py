from datetime import timedelta
from typing import Any

from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from genxi.accounts.rules import require
from genxi.core.params import parse_id
from genxi.core.services import ServiceError
from genxi.demands import actions
from genxi.demands.figures import areas_for
from genxi.demands.models import Category
from genxi.places.models import Area
from genxi.triage import services
from genxi.triage.forms import SettingsForm
from genxi.triage.models import (
    CommunitySettings,
    Feedback,
    Outcome,
    SuggestionKind,
    TriageModel,
)
from genxi.triage.tasks import train_model


def _picked_area(request: HttpRequest) -> Any:
    pk = parse_id(request.POST.get("area"))
    return Area.objects.collected_by(request.user).filter(pk=pk).first() if pk else None


@login_required
@require_POST
def suggest(request: HttpRequest) -> HttpResponse:
    """The intake form's suggestions (htmx, as the demand is typed): category, handler, repeats."""
    if not request.user.has_perm("demands.add_demand"):
        raise Http404
    title = request.POST.get("title", "")[:100]
    description = request.POST.get("description", "")[:2000]
    area = _picked_area(request)
    version, guesses = services.suggest_categories(title, description)
    chosen_id = parse_id(request.POST.get("category"))
    chosen = Category.objects.active().filter(pk=chosen_id).first() if chosen_id else None
    category = chosen or (guesses[0].category if guesses else None)
    handler = duplicates = None
    auto = None
    if area is not None:
        if category is not None:
            handler = services.likely_handler(user=request.user, category=category, area=area)
        duplicates = services.similar_open(
            user=request.user, title=title, description=description, area=area
        )
        settings = services.community_settings(area.community())
        # Only a trained model's confidences are calibrated probabilities; keywords' are not.
        if guesses and version and not chosen and settings.applies(guesses[0].confidence):
            auto = guesses[0].category
    return render(
        request,
        "triage/suggestions.html",
        {
            "guesses": guesses,
            "version": version,
            "handler": handler,
            "handler_category": category,
            "duplicates": duplicates,
            "area": area,
            "auto": auto,
        },
    )


@login_required
@require_POST
def join(request: HttpRequest, pk: int) -> HttpResponse:
    """ "This is the same": the residents picked on the intake form become reporters of an open
    demand, and nothing new is recorded."""
    action = actions.ACTIONS["add_reporters"]
    try:
        demand = actions.scoped_demand(request.user, pk)
        require(request.user, action.permission, demand)
    except Http404:
        # Said where the button is (the page swaps a 404 from it in), as for a missing demand.
        gone = _("This demand cannot be found any more; record a new one instead.")
        return render(request, "triage/join_error.html", {"error": gone}, status=404)
    error: str | None = None
    form = action.bind(demand, request.user, request.POST, prefixed=False)
    if demand.status not in action.statuses:
        error = _("This demand is no longer open; record a new one instead.")
    elif not form.is_valid():
        error = _("First choose the resident under “Raised by”, then press “This is the same”.")
    else:
        try:
            with transaction.atomic():
                actions.perform(action, actor=request.user, demand=demand, data=form.cleaned_data)
        except ServiceError as exc:
            error = exc.message
    if error:
        return render(request, "triage/join_error.html", {"error": error, "demand": demand})
    names = "、".join(r.name for r in form.cleaned_data["reporters"])
    messages.success(
        request,
        _("%(names)s added as reporters of %(code)s; nothing new was recorded.")
        % {"names": names, "code": demand.code},
    )
    response = HttpResponse(status=204)
    response["HX-Redirect"] = demand.get_absolute_url()
    return response


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Triage settings: the classifier in use and its figures, and each community's auto-apply."""
    require(request.user, "accounts.open_settings")
    communities = Area.objects.run_by(request.user)
    form = SettingsForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_settings(
                actor=request.user,
                community=form.cleaned_data["community"],
                auto_apply=form.cleaned_data["auto_apply"],
                threshold=round(form.cleaned_data["threshold"], 2),
            )
        except ServiceError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("triage:index")
    models = list(TriageModel.objects.defer("blob")[:10])
    since = timezone.now() - timedelta(days=30)
    feedback = Feedback.objects.visible_to(request.user).filter(at__gte=since)
    counts = {
        (kind, outcome): n
        for kind, outcome, n in feedback.values_list("kind", "outcome")
        .annotate(n=Count("pk"))
        .values_list("kind", "outcome", "n")
    }
    total = sum(counts.values())
    outcomes = []
    for kind, kind_label in SuggestionKind.choices:
        row = [counts.get((kind, value), 0) for value, _label in Outcome.choices]
        if sum(row):
            outcomes.append((kind_label, [(n, round(100 * n / sum(row))) for n in row], sum(row)))
    settings_rows = CommunitySettings.objects.filter(community__in=communities).select_related(
        "community"
    )
    can_train = request.user.has_perm("triage.train")
    classes = []
    if models and can_train:  # per-category counts span the deployment: for the street only
        per_class = models[0].metrics.get("classes", {})
        names = Category.objects.in_bulk([parse_id(label) or 0 for label in per_class])
        classes = [
            (names[int(label)].name if parse_id(label) in names else label, row)
            for label, row in per_class.items()
        ]
    return render(
        request,
        "triage/index.html",
        {
            "model": models[0] if models else None,
            "models": models,
            "outcomes": outcomes,
            "outcome_labels": Outcome.labels,
            "total": total,
            "form": form,
            "settings_rows": settings_rows,
            "can_edit": communities.exists(),
            "can_train": can_train,
            "classes": classes,
            "every": django_settings.GENXI_TRIAGE_RETRAIN_EVERY,
            "keywords": Category.objects.active().exclude(keywords="").count(),
        },
    )


@login_required
@require_POST
def train_now(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("triage.train"):
        raise Http404
    labelled = services.labelled_demands()
    count = labelled.count()
    try:
        # Checked here too, so that the button says at once what the task would refuse.
        services.ensure_trainable(
            examples=count, categories=labelled.values("category").distinct().count()
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        transaction.on_commit(lambda: train_model.enqueue(request.user.pk))
        messages.success(
            request,
            _("Training has started on %(n)s accepted demands; the new version appears here.")
            % {"n": count},
        )
    return redirect("triage:index")


PERIODS = (30, 90, 365)


@login_required
def topics(request: HttpRequest) -> HttpResponse:
    """Hot topics, frequent and rare needs of a street or community (the area page, by htmx)."""
    chosen = request.GET.get("area", "")
    area = next((a for a in areas_for(request.user) if str(a.pk) == chosen), None)
    if area is None:
        raise Http404
    asked = request.GET.get("days", "")
    days = int(asked) if asked in {str(p) for p in PERIODS} else 30
    end = timezone.localdate()
    start = end - timedelta(days=days - 1)
    # scikit-learn is imported with the topics, on first use, not in every process.
    from genxi.triage.topics import rows_for, summarise

    summary = summarise(rows_for(area, start=start, end=end), start=start, end=end)
    biggest = max([t.size for t in summary.topics], default=1)
    return render(
        request,
        "triage/topics.html",
        {
            "area": area,
            "summary": summary,
            "days": days,
            "periods": PERIODS,
            "bars": [(t, round(100 * t.size / biggest)) for t in summary.topics],
        },
    )
