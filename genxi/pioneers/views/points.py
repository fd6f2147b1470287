"""Points (积分): items, awarding, accounts and their ledger, rewards and their stock,
redemptions; a resident's own points.

Staff and leadership open the hub's 积分 tab (`pioneers.open_points`): the accounts, an
account's ledger, the items, the rewards and the redemptions (leadership reads them); staff
(`pioneers.manage` over the object) award, correct, set items and rewards up, restock, hand
rewards over by their pick-up code and cancel. A resident opens 我的积分 (`my_points`) on
their phone: their balance and ledger, the rewards they can afford, their pick-up codes.
"""

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from genxi.accounts.rules import require
from genxi.core.params import parse_id
from genxi.core.services import ServiceError
from genxi.core.views import ScopedListView, guard_form, service_kwargs, show_refusal
from genxi.pioneers import points as reads
from genxi.pioneers.forms import points as forms
from genxi.pioneers.models import (
    PointAccount,
    PointItem,
    Redemption,
    RedemptionStatus,
    Reward,
)
from genxi.pioneers.services import points as services
from genxi.pioneers.views.hub import tabs_for
from genxi.places.models import Resident

# The points pages' own tabs, under the hub's 积分 tab.
SECTIONS: list[tuple[str, Any]] = [
    ("pioneers:points_home", gettext_lazy("Accounts")),
    ("pioneers:points_award", gettext_lazy("Award points")),
    ("pioneers:points_items", gettext_lazy("Points items")),
    ("pioneers:points_rewards", gettext_lazy("Rewards")),
    ("pioneers:points_redemptions", gettext_lazy("Redemptions")),
]


def _nav(user: Any, current: str) -> dict[str, Any]:
    sections = [
        {"url": reverse(name), "label": label, "key": name.split(":")[1], "active": name == current}
        for name, label in SECTIONS
        if name != "pioneers:points_award" or user.has_perm("pioneers.manage")
    ]
    return {"tabs": tabs_for(user, "pioneers:points_home"), "sections": sections}


def _page(
    request: HttpRequest, template: str, current: str, context: dict[str, Any]
) -> HttpResponse:
    """A points page with its tabs; a POST that lands here was refused (400)."""
    return render(
        request,
        f"pioneers/points/{template}",
        {**_nav(request.user, current), **context},
        status=400 if request.method == "POST" else 200,
    )


# ---------------------------------------------------------------- accounts


class AccountList(ScopedListView):
    model = PointAccount
    page_perm = "pioneers.open_points"
    list_title = gettext_lazy("Points")
    header_template = "pioneers/points/nav.html"
    row_template = "pioneers/points/account_row.html"
    search_placeholder: Any = gettext_lazy("Search by resident's name")
    select_related = ("resident__area__parent",)
    export_columns = [
        (gettext_lazy("Resident"), lambda a: a.resident.name),
        (gettext_lazy("Address"), lambda a: a.resident.address),
        (gettext_lazy("Balance"), lambda a: a.balance),
        (gettext_lazy("Earned in all"), lambda a: a.earned),
    ]
    export_name: Any = gettext_lazy("Points accounts")

    def search(self, queryset: Any, text: str) -> Any:
        return queryset.filter(resident__in=Resident.objects.search(text))

    def get_queryset(self) -> Any:
        order = {"balance": "-balance", "earned": "-earned"}.get(
            self.request.GET.get("order", ""), "resident__name"
        )
        return super().get_queryset().order_by(order, "id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(_nav(self.request.user, "pioneers:points_home"))
        context["order"] = self.request.GET.get("order", "")
        context["filters_template"] = "pioneers/points/account_filters.html"
        return context


def _account(request: HttpRequest, pk: int) -> PointAccount:
    require(request.user, "pioneers.open_points")
    account: PointAccount = get_object_or_404(
        reads.accounts_for(request.user).select_related("resident__area__parent"), pk=pk
    )
    return account


@login_required
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    form = None
    if request.user.has_perm("pioneers.manage", account):
        form = forms.AdjustForm(request.POST or None)
        guard_form(form)
        if request.method == "POST" and form.is_valid():
            try:
                services.adjust(actor=request.user, account=account, **service_kwargs(form))
            except ServiceError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("The balance is corrected."))
                return redirect("pioneers:points_account", pk=account.pk)
    elif request.method == "POST":
        raise Http404
    entries = Paginator(
        account.entries.select_related("item", "redemption__reward", "by"), 50
    ).get_page(request.GET.get("page"))
    return _page(
        request,
        "account_detail.html",
        "pioneers:points_home",
        {
            "account": account,
            "page_obj": entries,
            "adjust_form": form,
            "redemptions": account.redemptions.select_related("reward")[:20],
        },
    )


# ---------------------------------------------------------------- awarding


@login_required
def award(request: HttpRequest) -> HttpResponse:
    """One item to one or several residents: search, tick, choose the item, award."""
    require(request.user, "pioneers.open_points")
    require(request.user, "pioneers.manage")
    q = request.GET.get("q", "").strip()
    visible = Resident.objects.visible_to(request.user).select_related("area__parent")
    shown = list(visible.search(q).order_by("name", "id")[:100]) if q else []
    form = forms.AwardForm(request.POST or None, user=request.user)
    guard_form(form)
    if request.method == "POST":
        ticked = request.POST.getlist("residents")
        ids = [pk for pk in map(parse_id, ticked) if pk is not None]
        picked = list(visible.filter(pk__in=ids[:1000]))
        shown = picked + [r for r in shown if r not in picked]
        if form.is_valid():
            residents = form.cleaned_data["residents"]
            for resident in residents:
                require(request.user, "pioneers.manage", resident)
            kwargs = service_kwargs(form)
            try:
                entries = services.award_many(
                    actor=request.user,
                    residents=list(residents),
                    item=kwargs["item"],
                    reason=kwargs["reason"],
                    token=kwargs["token"],
                )
            except ServiceError as exc:
                show_refusal(form, exc)
            else:
                messages.success(
                    request,
                    _("%(points)s points awarded to %(n)s residents for “%(item)s”.")
                    % {"points": kwargs["item"].points, "n": len(entries), "item": kwargs["item"]},
                )
                return redirect("pioneers:points_award")
    ticked_ids = {parse_id(t) for t in request.POST.getlist("residents")} - {None}
    return _page(
        request,
        "award.html",
        "pioneers:points_award",
        {"form": form, "shown": shown, "q": q, "ticked": ticked_ids},
    )


# ---------------------------------------------------------------- items


@login_required
def item_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "pioneers.open_points")
    items = reads.items_for(request.user).select_related("area").order_by("area__path", "name")
    rows = [(i, request.user.has_perm("pioneers.manage", i)) for i in items]
    return _page(
        request,
        "item_list.html",
        "pioneers:points_items",
        {"rows": rows, "can_create": bool(reads.staff_areas(request.user))},
    )


def _item_form(request: HttpRequest, item: PointItem | None) -> HttpResponse:
    form = forms.ItemForm(request.POST or None, instance=item, user=request.user)
    guard_form(form, item)
    if request.method == "POST" and form.is_valid():
        kwargs = service_kwargs(form, item)
        try:
            if item is None:
                area = kwargs["area"]
                if not request.user.has_perm("pioneers.manage", area):
                    raise Http404
                services.create_item(actor=request.user, **kwargs)
            else:
                # The model form has set its values on `item` already: compare from the row.
                fresh = PointItem.objects.get(pk=item.pk)
                services.update_item(actor=request.user, item=fresh, **kwargs)
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("pioneers:points_items")
    title = _("New points item") if item is None else item.name
    return _page(
        request,
        "form.html",
        "pioneers:points_items",
        {"form": form, "title": title, "cancel_url": reverse("pioneers:points_items")},
    )


@login_required
def item_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "pioneers.open_points")
    require(request.user, "pioneers.manage")
    return _item_form(request, None)


@login_required
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "pioneers.open_points")
    item = get_object_or_404(PointItem.objects.visible_to(request.user), pk=pk)
    require(request.user, "pioneers.manage", item)
    return _item_form(request, item)


# ---------------------------------------------------------------- rewards


@login_required
def reward_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "pioneers.open_points")
    rewards = reads.rewards_for(request.user).select_related("area").order_by("area__path", "cost")
    rows = [(r, request.user.has_perm("pioneers.manage", r)) for r in rewards]
    return _page(
        request,
        "reward_list.html",
        "pioneers:points_rewards",
        {"rows": rows, "can_create": bool(reads.staff_areas(request.user))},
    )


def _reward_form(request: HttpRequest, reward: Reward | None) -> HttpResponse:
    form = forms.RewardForm(request.POST or None, instance=reward, user=request.user)
    guard_form(form, reward)
    if request.method == "POST" and form.is_valid():
        kwargs = service_kwargs(form, reward)
        try:
            if reward is None:
                if not request.user.has_perm("pioneers.manage", kwargs["area"]):
                    raise Http404
                services.create_reward(actor=request.user, **kwargs)
            else:
                # The model form has set its values on `reward` already: compare from the row.
                fresh = Reward.objects.get(pk=reward.pk)
                services.update_reward(actor=request.user, reward=fresh, **kwargs)
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("pioneers:points_rewards")
    restock = None
    if reward is not None:
        restock = forms.RestockForm()
    return _page(
        request,
        "form.html",
        "pioneers:points_rewards",
        {
            "form": form,
            "title": _("New reward") if reward is None else reward.name,
            "cancel_url": reverse("pioneers:points_rewards"),
            "reward": reward,
            "restock_form": restock,
        },
    )


@login_required
def reward_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "pioneers.open_points")
    require(request.user, "pioneers.manage")
    return _reward_form(request, None)


def _managed_reward(request: HttpRequest, pk: int) -> Reward:
    require(request.user, "pioneers.open_points")
    reward: Reward = get_object_or_404(Reward.objects.visible_to(request.user), pk=pk)
    require(request.user, "pioneers.manage", reward)
    return reward


@login_required
def reward_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _reward_form(request, _managed_reward(request, pk))


@login_required
@require_POST
def reward_restock(request: HttpRequest, pk: int) -> HttpResponse:
    reward = _managed_reward(request, pk)
    form = forms.RestockForm(request.POST)
    if form.is_valid():
        try:
            services.restock(
                actor=request.user,
                reward=reward,
                change=form.cleaned_data["change"],
                note=form.cleaned_data["note"],
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("In stock now: %(n)s.") % {"n": reward.stock})
            return redirect("pioneers:points_rewards")
    edit = forms.RewardForm(instance=reward, user=request.user)
    guard_form(edit, reward)
    return _page(
        request,
        "form.html",
        "pioneers:points_rewards",
        {
            "form": edit,
            "title": reward.name,
            "cancel_url": reverse("pioneers:points_rewards"),
            "reward": reward,
            "restock_form": form,
        },
    )


# ---------------------------------------------------------------- redemptions


@login_required
def redemption_list(request: HttpRequest) -> HttpResponse:
    """The counter: hand a reward over by its pick-up code; the redemptions, newest first."""
    require(request.user, "pioneers.open_points")
    form = forms.HandOverForm(request.POST or None)
    found: Redemption | None = None
    if request.method == "POST":
        require(request.user, "pioneers.manage")
        if form.is_valid():
            code = services.normalise_code(form.cleaned_data["code"])
            found = (
                reads.redemptions_for(request.user)
                .select_related("reward__area", "account__resident__area")
                .filter(code=code)
                .first()
            )
            if found is None or not reads.may_serve(request.user, found):
                form.add_error(
                    "code",
                    _("No redemption here has this code. Check the code with the resident."),
                )
            else:
                try:
                    services.hand_over(actor=request.user, redemption=found)
                except ServiceError as exc:
                    show_refusal(form, exc)
                else:
                    messages.success(
                        request,
                        _("Hand “%(reward)s” to %(name)s. It is recorded as handed over.")
                        % {"reward": found.reward.name, "name": found.account.resident.name},
                    )
                    return redirect("pioneers:points_redemptions")
    status = request.GET.get("status", "")
    redemptions = reads.redemptions_for(request.user).select_related(
        "reward", "account__resident", "handed_by"
    )
    if status in RedemptionStatus.values:
        redemptions = redemptions.filter(status=status)
    text = request.GET.get("q", "").strip()
    if text:
        redemptions = redemptions.filter(
            Q(code=services.normalise_code(text))
            | Q(account__resident__in=Resident.objects.search(text))
        )
    page = Paginator(redemptions, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return _page(
        request,
        "redemption_list.html",
        "pioneers:points_redemptions",
        {
            "form": form,
            "page_obj": page,
            "status": status,
            "statuses": RedemptionStatus.choices,
            "q": text,
            "querystring": params.urlencode(),
            "can_serve": request.user.has_perm("pioneers.manage"),
        },
    )


@login_required
@require_POST
def redemption_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "pioneers.open_points")
    redemption = get_object_or_404(
        reads.redemptions_for(request.user).select_related(
            "reward__area", "account__resident__area"
        ),
        pk=pk,
    )
    if not reads.may_serve(request.user, redemption):
        raise Http404
    form = forms.CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.cancel(actor=request.user, redemption=redemption, reason=reason)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Cancelled: %(points)s points returned to %(name)s, and one back in stock.")
            % {"points": redemption.points, "name": redemption.account.resident.name},
        )
    return redirect("pioneers:points_redemptions")


# ---------------------------------------------------------------- a resident's own


@login_required
def my_points(request: HttpRequest) -> HttpResponse:
    require(request.user, "pioneers.open_my_points")
    resident = reads.resident_of(request.user)
    context: dict[str, Any] = {"resident": resident}
    if resident is not None:
        account = reads.account_of(resident)
        balance = account.balance if account is not None else 0
        context.update(
            balance=balance,
            account=account,
            rewards=list(reads.rewards_offered_to(resident)),
            entries=list(account.entries.select_related("item", "redemption")[:30])
            if account is not None
            else [],
            codes=list(
                Redemption.objects.filter(account__resident=resident)
                .select_related("reward")
                .order_by("-created_at")[:20]
            ),
            token=str(uuid.uuid4()),
        )
    return render(request, "pioneers/points/my_points.html", context)


@login_required
@require_POST
def my_redeem(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "pioneers.open_my_points")
    resident = reads.resident_of(request.user)
    if resident is None:
        raise Http404
    reward = get_object_or_404(reads.rewards_offered_to(resident), pk=pk)
    form = forms.RedeemForm(request.POST)
    token = form.cleaned_data["form_token"] if form.is_valid() else None
    account = reads.account_of(resident)
    try:
        if account is None:
            raise ServiceError(
                _(
                    "Not enough points: “%(reward)s” costs %(cost)s and you have %(balance)s. "
                    "Earn more by volunteering, or choose a cheaper reward."
                )
                % {"reward": reward.name, "cost": reward.cost, "balance": 0}
            )
        redemption = services.redeem(
            actor=request.user, account=account, reward=reward, token=token
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Redeemed. Show the code %(code)s at the community office to collect “%(reward)s”.")
            % {"code": redemption.code, "reward": reward.name},
        )
    return redirect("pioneers:my_points")


urlpatterns: list[URLPattern] = [
    path("pioneers/points/", AccountList.as_view(), name="points_home"),
    path("pioneers/points/accounts/<int:pk>/", account_detail, name="points_account"),
    path("pioneers/points/award/", award, name="points_award"),
    path("pioneers/points/items/", item_list, name="points_items"),
    path("pioneers/points/items/new/", item_create, name="points_item_create"),
    path("pioneers/points/items/<int:pk>/", item_edit, name="points_item_edit"),
    path("pioneers/points/rewards/", reward_list, name="points_rewards"),
    path("pioneers/points/rewards/new/", reward_create, name="points_reward_create"),
    path("pioneers/points/rewards/<int:pk>/", reward_edit, name="points_reward_edit"),
    path("pioneers/points/rewards/<int:pk>/restock/", reward_restock, name="points_restock"),
    path("pioneers/points/redemptions/", redemption_list, name="points_redemptions"),
    path(
        "pioneers/points/redemptions/<int:pk>/cancel/",
        redemption_cancel,
        name="points_redemption_cancel",
    ),
    path("my-points/", my_points, name="my_points"),
    path("my-points/redeem/<int:pk>/", my_redeem, name="my_points_redeem"),
]
