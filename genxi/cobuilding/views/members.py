"""双报到 pages. Staff, at the desk: the units and members reporting to their communities (the
hub's 双报到 tab) with confirm and refuse buttons, a member's page with their claims and hours,
the posts and tasks they publish. Residents, on their phones: reporting as an in-service party
member from their services page, then their page with the open posts to claim and their hours.
A partner's handler registers its unit with a community (pending until staff confirm).

Every write is a call to services/members.py; a refusal is shown on the page, in Chinese.
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, DecimalField, Prefetch, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from genxi.accounts import scoping
from genxi.accounts.models import STAFF_ROLES
from genxi.accounts.rules import require
from genxi.cobuilding.forms.members import HoursForm, MemberForm, PostForm, UnitForm
from genxi.cobuilding.models import (
    ClaimStatus,
    MemberRegistration,
    Post,
    PostClaim,
    RegistrationStatus,
    ServiceHours,
    UnitRegistration,
)
from genxi.cobuilding.services import members as service
from genxi.cobuilding.views.hub import tabs_for
from genxi.core.audit import log_action
from genxi.core.exports import xlsx_response
from genxi.core.params import parse_id
from genxi.core.paths import path_range_q
from genxi.core.phones import mask_phone, normalize_phone
from genxi.core.services import ServiceError
from genxi.core.views import guard_form, service_kwargs, show_refusal
from genxi.places.models import Area, AreaKind, Partner, Resident

MEMBER_PAGES = (
    "cobuilding.open_members",
    "cobuilding.open_member_signup",
    "cobuilding.open_portal",
)
HOURS = Coalesce(Sum("hours__hours"), Value(0), output_field=DecimalField())


def _open_any(user: Any, perms: tuple[str, ...]) -> None:
    """The page opens to any of `perms`; to nobody else (404)."""
    if not any(user.has_perm(p) for p in perms):
        raise Http404


def _manages(user: Any, obj: Any) -> bool:
    return bool(user.has_perm("cobuilding.manage", obj))


def _require_manage(user: Any, obj: Any) -> None:
    if not _manages(user, obj):
        raise Http404


def _refused(request: HttpRequest, exc: ServiceError) -> None:
    messages.error(request, exc.message)


# ---------------------------------------------------------------------------------------------
# The 双报到 tab: units and members


def _managed_q(user: Any, field: str = "community__path") -> Q:
    """The rows of the communities `user` is staff of (all of them for a superuser): those
    whose members' phone numbers the user may see."""
    if scoping.is_superuser(user):
        return Q()
    return path_range_q(field, scoping.scope_paths(user, STAFF_ROLES))


def _phone_q(user: Any, text: str) -> Q:
    """A search by phone: a whole number or its last four digits, and only among the members
    whose numbers the user may see (a suffix search on masked numbers, narrowed digit by
    digit, would spell them out)."""
    none = Q(pk__in=[])
    digits = "".join(ch for ch in text if ch.isdigit())
    if not digits or len(digits) != len(text.translate(str.maketrans("", "", " -+()"))):
        return none
    if len(digits) == 4:
        by_number = Q(phone__endswith=digits)
    else:
        try:
            by_number = Q(phone=normalize_phone(text))
        except ValidationError:
            return none
    return by_number & _managed_q(user)


def _member_rows(request: HttpRequest) -> Any:
    user = request.user
    qs = (
        MemberRegistration.objects.visible_to(user)
        .select_related("community", "partner")
        .annotate(total_hours=HOURS)
    )
    status = request.GET.get("status", "")
    if status in RegistrationStatus.values:
        qs = qs.filter(status=status)
    community = parse_id(request.GET.get("community"))
    if community is not None:
        qs = qs.filter(community_id=community)
    text = request.GET.get("q", "").strip()
    if text:
        qs = qs.filter(
            Q(name__contains=text)
            | _phone_q(user, text)
            | Q(branch__contains=text)
            | Q(skills__contains=text)
            | Q(unit_name__contains=text)
            | Q(partner__name__contains=text)
        )
    return qs.order_by("status" if status else "-created_at", "-id")


def _unit_rows(request: HttpRequest) -> Any:
    qs = UnitRegistration.objects.visible_to(request.user).select_related("community", "partner")
    status = request.GET.get("status", "")
    if status in RegistrationStatus.values:
        qs = qs.filter(status=status)
    community = parse_id(request.GET.get("community"))
    if community is not None:
        qs = qs.filter(community_id=community)
    text = request.GET.get("q", "").strip()
    if text:
        qs = qs.filter(Q(partner__name__contains=text) | Q(contact_name__contains=text))
    return qs.order_by("-created_at", "-id")


def _export(request: HttpRequest, members: Any) -> HttpResponseBase:
    """The members as a spreadsheet: full phone numbers only of those the user manages (staff
    of their community), masked otherwise; each export is in the audit log."""
    user: Any = request.user
    managed = set(members.filter(_managed_q(user)).values_list("pk", flat=True))
    rows = [
        [
            m.name,
            m.phone if m.pk in managed else mask_phone(m.phone),
            m.community.name,
            m.partner.name if m.partner else m.unit_name,
            m.branch,
            m.skills,
            m.available,
            m.get_status_display(),
            m.total_hours,
        ]
        for m in members
    ]
    with transaction.atomic():
        log_action(
            actor=user,
            action="memberregistration.export",
            changes={
                "rows": len(rows),
                "full_phones": len(managed),
                # The search text may be a phone number: the log says only that there was one.
                "filters": {
                    k: ("…" if k == "q" and v else v)
                    for k, v in request.GET.items()
                    if k != "format"
                },
            },
        )
    headers = [
        _("Name"),
        _("Phone"),
        _("Community"),
        _("Work unit"),
        _("Party branch"),
        _("Skills"),
        _("Available times"),
        _("Status"),
        _("Hours"),
    ]
    return xlsx_response(
        filename=_("In-service party members"),
        sheet=_("In-service party members"),
        headers=headers,
        rows=rows,
    )


@login_required
def member_list(request: HttpRequest) -> HttpResponseBase:
    require(request.user, "cobuilding.open_members")
    service.sync_shift_hours(
        actor=None, members=MemberRegistration.objects.visible_to(request.user)
    )
    members = _member_rows(request)
    if request.GET.get("format") == "xlsx":
        return _export(request, members)
    size = settings.GENXI_PAGE_SIZE
    member_page = Paginator(members, size).get_page(request.GET.get("page"))
    unit_page = Paginator(_unit_rows(request), size).get_page(request.GET.get("upage"))
    user: Any = request.user
    communities = Area.objects.run_by(user)
    staff_paths = scoping.scope_paths(user, STAFF_ROLES)
    superuser = scoping.is_superuser(user)
    for row in [*member_page.object_list, *unit_page.object_list]:
        row.can_manage = superuser or any(row.community.path.startswith(p) for p in staff_paths)
    for m in member_page.object_list:
        m.shown_phone = mask_phone(m.phone)
    params = request.GET.copy()
    for key in ("page", "upage", "format"):
        params.pop(key, None)
    return render(
        request,
        "cobuilding/members/member_list.html",
        {
            "tabs": tabs_for(user, "cobuilding:member_list"),
            "members": member_page,
            "units": unit_page,
            "statuses": RegistrationStatus.choices,
            "communities": communities,
            "status": request.GET.get("status", ""),
            "community": request.GET.get("community", ""),
            "q": request.GET.get("q", ""),
            "querystring": params.urlencode(),
            "can_register": communities.exists(),
        },
    )


@login_required
@require_POST
def member_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    member = get_object_or_404(
        MemberRegistration.objects.visible_to(request.user).select_related("community"), pk=pk
    )
    _require_manage(request.user, member)
    act = {
        "confirm": service.confirm_member,
        "refuse": service.refuse_member,
        "end": service.end_member,
    }.get(action)
    if act is None:
        raise Http404
    try:
        act(actor=request.user, member=member)
    except ServiceError as exc:
        _refused(request, exc)
    else:
        messages.success(
            request,
            _("%(name)s: %(status)s.")
            % {"name": member.name, "status": member.get_status_display()},
        )
    return redirect(_back(request, reverse("cobuilding:member_detail", args=[member.pk])))


@login_required
@require_POST
def unit_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    unit = get_object_or_404(
        UnitRegistration.objects.visible_to(request.user).select_related("community", "partner"),
        pk=pk,
    )
    _require_manage(request.user, unit)
    act = {
        "confirm": service.confirm_unit,
        "refuse": service.refuse_unit,
        "end": service.end_unit,
    }.get(action)
    if act is None:
        raise Http404
    try:
        act(actor=request.user, registration=unit)
    except ServiceError as exc:
        _refused(request, exc)
    else:
        messages.success(
            request,
            _("%(name)s: %(status)s.")
            % {"name": unit.partner.name, "status": unit.get_status_display()},
        )
    return redirect(_back(request, reverse("cobuilding:member_list")))


def _back(request: HttpRequest, default: str) -> str:
    from genxi.core.views import safe_next

    return safe_next(request, request.POST.get("next", "")) or default


# ---------------------------------------------------------------------------------------------
# Registering


@login_required
def member_signup(request: HttpRequest) -> HttpResponse:
    """在职党员报到, on the resident's phone: the community is theirs (their resident row)."""
    require(request.user, "cobuilding.open_member_signup")
    user: Any = request.user
    resident = Resident.objects.filter(user=user).select_related("area__parent__parent").first()
    community = resident.area.community() if resident else None
    if resident is None or community is None:
        return render(request, "cobuilding/members/signup.html", {"no_home": True})
    initial = {"name": resident.name, "phone": resident.phone or ""}
    form = MemberForm(request.POST or None, initial=initial, community=community)
    guard_form(form)
    if request.method == "POST" and form.is_valid():
        try:
            member = service.register_member(
                actor=user,
                community=community,
                user=user,
                resident=resident,
                **service_kwargs(form),
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(
                request,
                _("Your report is sent. The community's staff will confirm it."),
            )
            return redirect("cobuilding:member_detail", member.pk)
    return render(request, "cobuilding/members/signup.html", {"form": form, "community": community})


@login_required
def member_add(request: HttpRequest) -> HttpResponse:
    """Staff register a member who phoned or came to the desk (confirmed at once)."""
    require(request.user, "cobuilding.open_members")
    user: Any = request.user
    communities = Area.objects.run_by(user)
    if not communities.exists():
        raise Http404
    form = MemberForm(request.POST or None, communities=communities)
    guard_form(form)
    if request.method == "POST" and form.is_valid():
        data = service_kwargs(form)
        # The person who phoned, if they live in that community and the staff may see them.
        resident = (
            Resident.objects.visible_to(user)
            .filter(path_range_q("area__path", [data["community"].path]), phone=data["phone"])
            .first()
        )
        try:
            member = service.register_member(
                actor=user,
                resident=resident,
                user=resident.user if resident else None,
                **data,
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": member.name})
            return redirect("cobuilding:member_detail", member.pk)
    return render(
        request,
        "cobuilding/members/form.html",
        {
            "form": form,
            "title": _("Register an in-service party member"),
            "tabs": tabs_for(user, "cobuilding:member_list"),
        },
    )


@login_required
def unit_add(request: HttpRequest) -> HttpResponse:
    """单位报到: staff register a unit with their community (confirmed at once), or a unit's
    handler registers it with a community of its street (pending until staff confirm)."""
    user: Any = request.user
    staff_communities = Area.objects.run_by(user)
    own = Partner.objects.filter(pk__in=scoping.partner_ids(user), is_active=True)
    if staff_communities.exists():
        # Units of the street (any of its communities) and those the staff see above it.
        streets = _street_paths(staff_communities)
        partners = Partner.objects.filter(is_active=True).filter(
            _under(streets, "area__path") | Q(pk__in=Partner.objects.visible_to(user).values("pk"))
        )
        communities = staff_communities
    elif own.exists():
        partners = own
        streets = _street_paths([p.area for p in own.select_related("area")])
        communities = Area.objects.of_kind(AreaKind.COMMUNITY).filter(_under(streets, "path"))
    else:
        raise Http404
    form = UnitForm(
        request.POST or None, partners=partners, communities=communities.order_by("path")
    )
    guard_form(form)
    if request.method == "POST" and form.is_valid():
        try:
            unit = service.register_unit(actor=user, **service_kwargs(form))
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            if unit.status == RegistrationStatus.CONFIRMED:
                messages.success(request, _("The unit is registered."))
            else:
                messages.success(
                    request, _("The unit's report is sent. The community's staff will confirm it.")
                )
            return redirect(
                "cobuilding:unit_add" if not staff_communities else "cobuilding:member_list"
            )
    mine = (
        UnitRegistration.objects.filter(partner__in=own).select_related("community", "partner")
        if own.exists()
        else []
    )
    return render(
        request,
        "cobuilding/members/unit_form.html",
        {
            "form": form,
            "mine": mine,
            "tabs": tabs_for(user, "cobuilding:member_list") if staff_communities else [],
        },
    )


def _street_paths(areas: Any) -> list[str]:
    return sorted({str(s.path) for s in (a.street() for a in areas) if s is not None})


def _under(paths: list[str], field: str) -> Q:
    from genxi.core.paths import path_range_q

    return path_range_q(field, paths) if paths else Q(pk__in=[])


# ---------------------------------------------------------------------------------------------
# A member's page


@login_required
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    _open_any(user, MEMBER_PAGES)
    member = get_object_or_404(
        MemberRegistration.objects.visible_to(user).select_related("community", "partner"), pk=pk
    )
    if member.status == RegistrationStatus.CONFIRMED:
        service.sync_shift_hours(actor=None, members=[member])
    can_manage = _manages(user, member)
    is_self = member.user_id == user.pk
    hours = list(
        ServiceHours.objects.filter(member=member).select_related("post", "shift__activity")
    )
    claims = list(
        PostClaim.objects.filter(member=member)
        .select_related("post")
        .order_by("-claimed_at", "-id")
    )
    claimed = {c.post_id for c in claims if c.status != ClaimStatus.WITHDRAWN}
    posts: list[Post] = []
    if is_self and member.status == RegistrationStatus.CONFIRMED:
        posts = [p for p in _open_posts(member.community_id) if p.pk not in claimed]
    total = sum((h.hours for h in hours), start=Decimal(0))
    hours_form = HoursForm(prefix="hours")
    guard_form(hours_form)
    return render(
        request,
        "cobuilding/members/member_detail.html",
        {
            "member": member,
            "shown_phone": member.phone if (is_self or can_manage) else mask_phone(member.phone),
            "can_manage": can_manage,
            "is_self": is_self,
            "hours": hours,
            "total": total,
            "total_shown": f"{total.normalize():f}",
            "claims": claims,
            "posts": posts,
            "hours_form": hours_form,
            "done_form": HoursForm(prefix="done"),
            "tabs": tabs_for(user, "cobuilding:member_list") if can_manage else [],
        },
    )


def _open_posts(community_id: int) -> list[Post]:
    from django.utils import timezone

    live = Count("claims", filter=~Q(claims__status=ClaimStatus.WITHDRAWN))
    posts = (
        Post.objects.filter(community_id=community_id, is_open=True)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=timezone.localdate()))
        .annotate(taken=live)
        .order_by("starts_on", "-id")
    )
    for p in posts:
        p.left = max(0, p.places - p.taken)  # type: ignore[attr-defined]
    return list(posts)


@login_required
@require_POST
def member_hours(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(
        MemberRegistration.objects.visible_to(request.user).select_related("community"), pk=pk
    )
    _require_manage(request.user, member)
    form = HoursForm(request.POST, prefix="hours")
    guard_form(form)
    if form.is_valid():
        try:
            service.add_hours(actor=request.user, member=member, **service_kwargs(form))
        except ServiceError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("The hours are recorded."))
    else:
        _refused(request, ServiceError(_form_errors(form)))
    return redirect("cobuilding:member_detail", member.pk)


def _form_errors(form: Any) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


# ---------------------------------------------------------------------------------------------
# Posts and tasks


@login_required
def post_list(request: HttpRequest) -> HttpResponse:
    """Staff: their communities' posts and tasks. A confirmed member: the open ones to claim."""
    user: Any = request.user
    _open_any(user, ("cobuilding.open_members", "cobuilding.open_member_signup"))
    live = Count("claims", filter=~Q(claims__status=ClaimStatus.WITHDRAWN))
    posts = (
        Post.objects.visible_to(user)
        .select_related("community")
        .annotate(taken=live)
        .order_by("-is_open", "-created_at", "-id")
    )
    staff = user.has_perm("cobuilding.open_members")
    if not staff:
        posts = posts.filter(is_open=True)
    text = request.GET.get("q", "").strip()
    if text:
        posts = posts.filter(Q(title__contains=text) | Q(description__contains=text))
    page = Paginator(posts, settings.GENXI_PAGE_SIZE).get_page(request.GET.get("page"))
    mine = {
        c.post_id: c
        for c in PostClaim.objects.filter(member__user=user).exclude(status=ClaimStatus.WITHDRAWN)
    }
    for p in page.object_list:
        p.left = max(0, p.places - p.taken)
        p.my_claim = mine.get(p.pk)
    return render(
        request,
        "cobuilding/members/post_list.html",
        {
            "posts": page,
            "q": text,
            "staff": staff,
            "can_publish": Area.objects.run_by(user).exists(),
            "tabs": tabs_for(user, "cobuilding:member_list") if staff else [],
        },
    )


@login_required
def post_add(request: HttpRequest) -> HttpResponse:
    require(request.user, "cobuilding.open_members")
    user: Any = request.user
    communities = Area.objects.run_by(user)
    if not communities.exists():
        raise Http404
    form = PostForm(request.POST or None, communities=communities)
    guard_form(form)
    if request.method == "POST" and form.is_valid():
        try:
            post = service.create_post(actor=user, **service_kwargs(form))
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The post is published."))
            return redirect("cobuilding:post_detail", post.pk)
    return render(
        request,
        "cobuilding/members/form.html",
        {
            "form": form,
            "title": _("Publish a post or task"),
            "tabs": tabs_for(user, "cobuilding:member_list"),
        },
    )


@login_required
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    _open_any(user, ("cobuilding.open_members", "cobuilding.open_member_signup"))
    post = get_object_or_404(Post.objects.visible_to(user).select_related("community"), pk=pk)
    can_manage = _manages(user, post)
    claims = list(
        PostClaim.objects.filter(post=post)
        .select_related("member")
        .prefetch_related(
            Prefetch("member__hours", queryset=ServiceHours.objects.filter(post=post))
        )
        .order_by("place", "id")
    )
    if not can_manage:
        claims = [c for c in claims if c.member.user_id == user.pk]
    live = [c for c in claims if c.status != ClaimStatus.WITHDRAWN]
    member = (
        MemberRegistration.objects.confirmed().filter(user=user, community=post.community).first()
    )
    taken = PostClaim.objects.filter(post=post).exclude(status=ClaimStatus.WITHDRAWN).count()
    done_form = HoursForm(prefix="done")
    return render(
        request,
        "cobuilding/members/post_detail.html",
        {
            "post": post,
            "claims": claims,
            "live": live,
            "left": max(0, post.places - taken),
            "can_manage": can_manage,
            "member": member,
            "mine": next((c for c in live if member and c.member_id == member.pk), None),
            "done_form": done_form,
            "tabs": tabs_for(user, "cobuilding:member_list") if can_manage else [],
        },
    )


@login_required
@require_POST
def post_claim(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    post = get_object_or_404(Post.objects.visible_to(user), pk=pk)
    member = (
        MemberRegistration.objects.confirmed()
        .filter(user=user, community_id=post.community_id)
        .first()
    )
    if member is None:
        raise Http404
    try:
        claim = service.claim_post(actor=user, post=post, member=member)
    except ServiceError as exc:
        _refused(request, exc)
    else:
        messages.success(
            request, _("You claimed “%(post)s”. Thank you!") % {"post": claim.post.title}
        )
    return redirect(_back(request, reverse("cobuilding:member_detail", args=[member.pk])))


def _claim_for(request: HttpRequest, pk: int) -> PostClaim:
    claim = get_object_or_404(
        PostClaim.objects.select_related("post__community", "member"),
        pk=pk,
        member__in=MemberRegistration.objects.visible_to(request.user),
    )
    return claim


@login_required
@require_POST
def post_claim_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim_for(request, pk)
    user: Any = request.user
    if claim.member.user_id != user.pk and not _manages(user, claim.post):
        raise Http404
    try:
        service.withdraw_claim(actor=user, claim=claim)
    except ServiceError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("The claim is withdrawn."))
    return redirect(_back(request, reverse("cobuilding:member_detail", args=[claim.member_id])))


@login_required
@require_POST
def post_claim_done(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim_for(request, pk)
    _require_manage(request.user, claim.post)
    form = HoursForm(request.POST, prefix="done")
    if form.is_valid():
        try:
            service.complete_claim(
                actor=request.user,
                claim=claim,
                hours=form.cleaned_data["hours"],
                on=form.cleaned_data["on"],
                note=form.cleaned_data["note"],
            )
        except ServiceError as exc:
            _refused(request, exc)
        else:
            messages.success(
                request,
                _("Done: the hours are recorded for %(name)s.") % {"name": claim.member.name},
            )
    else:
        _refused(request, ServiceError(_form_errors(form)))
    return redirect(_back(request, reverse("cobuilding:post_detail", args=[claim.post_id])))


@login_required
@require_POST
def post_open(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_object_or_404(Post.objects.visible_to(request.user), pk=pk)
    _require_manage(request.user, post)
    service.set_post_open(actor=request.user, post=post, is_open=request.POST.get("open") == "1")
    return redirect("cobuilding:post_detail", post.pk)


urlpatterns: list[URLPattern] = [
    path("cobuilding/members/", member_list, name="member_list"),
    path("cobuilding/members/new/", member_add, name="member_add"),
    path("cobuilding/members/<int:pk>/", member_detail, name="member_detail"),
    path("cobuilding/members/<int:pk>/hours/", member_hours, name="member_hours"),
    path("cobuilding/members/<int:pk>/<slug:action>/", member_act, name="member_act"),
    path("cobuilding/units/new/", unit_add, name="unit_add"),
    path("cobuilding/units/<int:pk>/<slug:action>/", unit_act, name="unit_act"),
    path("cobuilding/posts/", post_list, name="post_list"),
    path("cobuilding/posts/new/", post_add, name="post_add"),
    path("cobuilding/posts/<int:pk>/", post_detail, name="post_detail"),
    path("cobuilding/posts/<int:pk>/claim/", post_claim, name="post_claim"),
    path("cobuilding/posts/<int:pk>/open/", post_open, name="post_open"),
    path(
        "cobuilding/post-claims/<int:pk>/withdraw/", post_claim_withdraw, name="post_claim_withdraw"
    ),
    path("cobuilding/post-claims/<int:pk>/done/", post_claim_done, name="post_claim_done"),
    path("services/report/", member_signup, name="member_signup"),
]
