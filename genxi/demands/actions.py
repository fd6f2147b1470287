"""The steps of a demand's life, declared once each, for the demand page, the REST API and
triage's "this is the same" alike.

An `Action` says everything about one step: the statuses it applies to (from the lifecycle map,
`TRANSITIONS`), its form, the permission, its label on the page and whether it sits folded
below the usual next step, its REST path, request body and summary, and the service it calls
with how the form's data become that service's keyword arguments. `perform` is the one
dispatcher: every way of taking a step ends there. A new step is one entry in `ACTIONS` (with
its request body just above it) and its service.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import get_object_or_404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from ninja import Field, Schema

from genxi.accounts.rules import require
from genxi.core.audit import Actor
from genxi.core.forms import PhotosField
from genxi.demands import forms, services
from genxi.demands.models import (
    OPEN_STATUSES,
    TRANSITIONS,
    UNRESOLVED_STATUSES,
    Demand,
    ExtensionStatus,
    HandlingPath,
    Satisfaction,
    Status,
)


def scoped_demand(user: Any, pk: int) -> Demand:
    """The demand if the user may open demand pages and it is theirs to see (or one their
    community handed on, to read); else 404."""
    require(user, "demands.open_ledger")
    return get_object_or_404(
        Demand.objects.readable_by(user).select_related(
            "category", "community", "area", "handler_partner"
        ),
        pk=pk,
    )


def into(to: str, *, only: Iterable[str] | None = None) -> frozenset[str]:
    """The statuses TRANSITIONS lets a demand move to `to` from: a step's statuses. `only`
    narrows them for a step that shares its target with another (verify and send back both
    lead to "verified"); each must be one of them."""
    sources = frozenset(s for s, targets in TRANSITIONS.items() if to in targets)
    if only is None:
        return sources
    narrowed = frozenset(only)
    if not narrowed <= sources:
        raise ImproperlyConfigured(f"TRANSITIONS has no move to {to} from {narrowed - sources}")
    return narrowed


# A handler holds the demand: steps that do not move it, taken while it is being handled.
BEING_HANDLED = frozenset({Status.ASSIGNED, Status.IN_PROGRESS})

# A primary key in a request body: a positive 64-bit integer.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


def _by_name(demand: Demand, data: Mapping[str, Any]) -> dict[str, Any]:
    """The service takes the demand and the form's fields under their own names."""
    return {"demand": demand, **data}


def _always(demand: Demand, pending: bool) -> bool:
    return True


@dataclass(frozen=True)
class Action:
    """One step on a demand. `when` adds what the statuses and the permission do not say (the
    demand and whether a request for more time is pending); `each` calls the service once per
    item of a field (the form's field, the service's keyword)."""

    name: str  # the key, and the page's URL segment (demands/<pk>/<name>/)
    label: Promise  # the page's heading of the step and its "Done: …" message
    form: type[forms.ActionForm]
    permission: str  # a rules permission on the demand
    statuses: frozenset[str]
    service: str  # the name of the function in genxi.demands.services
    path: str  # the REST API's step: POST /api/v1/demands/{id}/<path>
    schema: type[Schema] | None  # its request body (None: none)
    summary: str  # its summary in the OpenAPI document
    secondary: bool = False  # rare or final: folded below the usual next step on the page
    args: Callable[[Demand, Mapping[str, Any]], dict[str, Any]] = _by_name
    each: tuple[str, str] | None = None
    when: Callable[[Demand, bool], bool] = _always

    @property
    def multipart(self) -> bool:
        """Photos come along: the API takes form data, not JSON."""
        return any(isinstance(f, PhotosField) for f in self.form.base_fields.values())

    def bind(
        self,
        demand: Demand,
        user: Any,
        data: Any = None,
        files: Any = None,
        *,
        prefixed: bool = True,
        first: Any = None,
    ) -> forms.ActionForm:
        """The step's form; prefixed with its name on the page, where several share one page.
        `first`: the likely handler, which leads the assign form's list."""
        prefix = self.name if prefixed else None
        return self.form(data, files, demand=demand, user=user, first=first, prefix=prefix)


# The REST API's request bodies, one per step that takes one.


class ReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class ReferIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)
    to: Id | Literal["outside"] = Field(
        "outside",
        description=(
            "the id of another community of the demand's street, or of the street: the demand "
            "moves there with its history and awaits acceptance; `outside` (the default): it "
            "was referred outside Genxi and is closed"
        ),
    )


class CorrectIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)
    area: Id | None = Field(None, description="a place within the demand's community")
    category: Id | None = None


class FindingsIn(Schema):
    findings: str = Field(min_length=1, max_length=2000)


class AssignIn(Schema):
    path: HandlingPath = Field(description="`partner` needs `partner`; the others start at once")
    partner: Id | None = Field(
        None,
        description="an active unit of the demand's community or of its street, district or city",
    )
    note: str = Field("", max_length=2000)


class StartIn(Schema):
    expected_on: date | None = None


class UpdateIn(Schema):
    text: str = Field(min_length=1, max_length=2000)
    public: bool = Field(False, description="reporters and the public may read it")


class ResolveIn(Schema):
    result: str = Field(min_length=1, max_length=2000)


class CallbackIn(Schema):
    resident: Id = Field(description="a reporter not yet called back this round")
    result: Satisfaction
    comment: str = Field("", max_length=2000)


class UnreachableIn(Schema):
    resident: Id = Field(description="a reporter still to call back this round")
    note: str = Field("", max_length=2000, description="e.g. no answer")


class CloseIn(Schema):
    note: str = Field(
        "",
        max_length=2000,
        description="what was checked: required for a demand nobody raised (no one to call back)",
    )


class ReportersIn(Schema):
    reporters: list[Id] = Field(min_length=1, max_length=50, description="resident ids")


class MergeIn(Schema):
    into: str = Field(min_length=1, max_length=12, description="the other demand's code")


class ExtensionIn(Schema):
    new_due: date
    reason: str = Field(min_length=1, max_length=2000)


class DecisionIn(Schema):
    decision: Literal["approve", "refuse"]
    note: str = Field("", max_length=2000)


MANAGE, HANDLE = "demands.manage_demand", "demands.handle_demand"

# In the order the page offers them.
ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action(
            "accept",
            gettext_lazy("Accept"),
            forms.EmptyForm,
            MANAGE,
            into(Status.ACCEPTED),
            service="accept",
            path="accept",
            schema=None,
            summary="Accept",
        ),
        Action(
            "refer",
            gettext_lazy("Refer elsewhere"),
            forms.ReferForm,
            MANAGE,
            into(Status.REFERRED),
            service="refer",
            path="refer",
            schema=ReferIn,
            summary="Refer to another community, the street, or outside Genxi",
            secondary=True,
        ),
        Action(
            "verify",
            gettext_lazy("Record the on-site check"),
            forms.FindingsForm,
            MANAGE,
            into(Status.VERIFIED, only={Status.ACCEPTED}),
            service="verify",
            path="verify",
            schema=FindingsIn,
            summary="Record the on-site check, with photos",
        ),
        Action(
            "assign",
            gettext_lazy("Decide who handles it"),
            forms.AssignForm,
            MANAGE,
            into(Status.ASSIGNED),
            service="assign",
            path="assign",
            schema=AssignIn,
            summary="Decide who handles it",
        ),
        Action(
            "start",
            gettext_lazy("Take it on"),
            forms.StartForm,
            HANDLE,
            into(Status.IN_PROGRESS, only={Status.ASSIGNED}),
            service="start_handling",
            path="start",
            schema=StartIn,
            summary="The responsible party takes it on",
        ),
        Action(
            "send_back",
            gettext_lazy("Send back"),
            forms.ReasonForm,
            HANDLE,
            into(Status.VERIFIED, only=BEING_HANDLED),
            service="send_back",
            path="send-back",
            schema=ReasonIn,
            summary="The responsible party sends it back",
            secondary=True,
            when=lambda demand, _pending: demand.path == HandlingPath.PARTNER,
        ),
        Action(
            "update",
            gettext_lazy("Post progress"),
            forms.UpdateForm,
            HANDLE,
            BEING_HANDLED,
            service="post_update",
            path="updates",
            schema=UpdateIn,
            summary="Post progress (a note)",
        ),
        Action(
            "resolve",
            gettext_lazy("Mark resolved"),
            forms.ResolveForm,
            HANDLE,
            into(Status.RESOLVED),
            service="resolve",
            path="resolve",
            schema=ResolveIn,
            summary="Mark resolved, with photos",
        ),
        Action(
            "callback",
            gettext_lazy("Record a call-back"),
            forms.CallbackForm,
            "demands.call_back_demand",
            into(Status.CALLED_BACK),
            service="record_callback",
            path="callbacks",
            schema=CallbackIn,
            summary="Record a reporter's call-back",
            # Somebody is left to call in this round.
            when=lambda demand, _pending: services.can_call_back(demand),
        ),
        Action(
            "unreachable",
            gettext_lazy("Could not reach them"),
            forms.CallbackAttemptForm,
            "demands.call_back_demand",
            into(Status.CALLED_BACK),
            service="record_unreachable",
            path="callbacks/unreachable",
            schema=UnreachableIn,
            summary="A call-back that reached nobody",
            when=lambda demand, _pending: services.can_call_back(demand),
        ),
        Action(
            "close",
            gettext_lazy("Close out"),
            forms.CloseForm,
            MANAGE,
            into(Status.CLOSED),
            service="close_out",
            path="close",
            schema=CloseIn,
            summary="Close out (every reporter called back, or a note)",
            # No reporter left to call back.
            when=lambda demand, _pending: services.can_close_out(demand),
        ),
        Action(
            "add_reporters",
            gettext_lazy("Add residents who raised it too"),
            forms.AddReportersForm,
            "demands.add_reporter",
            UNRESOLVED_STATUSES,
            service="add_reporter",
            path="reporters",
            schema=ReportersIn,
            summary="Add residents who raised it too",
            each=("reporters", "resident"),
        ),
        Action(
            "merge",
            gettext_lazy("Merge into another demand"),
            forms.MergeForm,
            MANAGE,
            into(Status.MERGED),
            service="merge",
            path="merge",
            schema=MergeIn,
            summary="Merge into another demand",
            secondary=True,
            args=lambda demand, data: {"duplicate": demand, "into": data["into"]},
        ),
        Action(
            "extend",
            gettext_lazy("Ask for more time"),
            forms.ExtensionForm,
            HANDLE,
            BEING_HANDLED,
            service="request_extension",
            path="extensions",
            schema=ExtensionIn,
            summary="Ask for more time",
            secondary=True,
            when=lambda _demand, pending: not pending,  # one request at a time
        ),
        Action(
            "decide_extension",
            gettext_lazy("Decide on the request for more time"),
            forms.DecisionForm,
            MANAGE,
            BEING_HANDLED,
            service="decide_extension",
            path="extensions/decision",
            schema=DecisionIn,
            summary="Approve or refuse more time",
            args=lambda demand, data: {
                "extension": demand.extensions.get(status=ExtensionStatus.PENDING),
                "approve": data["decision"] == "approve",
                "note": data["note"],
            },
            when=lambda _demand, pending: pending,
        ),
        Action(
            "correct",
            gettext_lazy("Correct the place or category"),
            forms.CorrectForm,
            MANAGE,
            OPEN_STATUSES,
            service="correct",
            path="correct",
            schema=CorrectIn,
            summary="Correct the place or category (deadlines recounted)",
            secondary=True,
        ),
        Action(
            "withdraw",
            gettext_lazy("Withdraw"),
            forms.ReasonForm,
            MANAGE,
            into(Status.WITHDRAWN),
            service="withdraw",
            path="withdraw",
            schema=ReasonIn,
            summary="Withdraw",
            secondary=True,
        ),
    )
}


def available(demand: Demand, user: Any) -> list[str]:
    """The steps `user` may take on `demand` now, in the page's order."""
    pending = demand.extensions.filter(status=ExtensionStatus.PENDING).exists()
    return [
        action.name
        for action in ACTIONS.values()
        if demand.status in action.statuses
        and user.has_perm(action.permission, demand)
        and action.when(demand, pending)
    ]


def perform(action: Action, *, actor: Actor, demand: Demand, data: Mapping[str, Any]) -> None:
    """Take `action` on `demand` with its form's cleaned `data`: the one way every step is
    taken. 404 without the permission; the service's ServiceError when it refuses."""
    require(actor, action.permission, demand)
    service = getattr(services, action.service)
    kwargs = action.args(demand, data)
    if action.each is None:
        service(actor=actor, **kwargs)
        return
    field, keyword = action.each
    for item in kwargs.pop(field):
        service(actor=actor, **kwargs, **{keyword: item})
