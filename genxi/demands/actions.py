"""What can be done to a demand, for the demand page and the REST API alike: each action's form,
permission, statuses and service call, which of them a user may take now, and the demand itself
when the user may see it."""

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy

from genxi.accounts import scoping
from genxi.accounts.navigation import PAGE_ROLES
from genxi.demands import forms, services
from genxi.demands.models import OPEN_STATUSES, Demand, ExtensionStatus, HandlingPath, Status


def scoped_demand(user: Any, pk: int) -> Demand:
    """The demand if the user's roles open demand pages and it is theirs to see (or one their
    community handed on, to read); else 404."""
    if not scoping.has_role(user, *PAGE_ROLES["demands"]):
        raise Http404
    return get_object_or_404(
        Demand.objects.readable_by(user).select_related(
            "category", "community", "area", "handler_partner"
        ),
        pk=pk,
    )


# What each action on the demand page needs: its form, the permission, the statuses it applies
# to, and the service call.
ACTIONS: dict[str, tuple[Any, str, frozenset[str], Any]] = {
    "accept": (
        forms.EmptyForm,
        "demands.manage_demand",
        frozenset({Status.COLLECTED}),
        lambda a, d, f: services.accept(actor=a, demand=d),
    ),
    "refer": (
        forms.ReferForm,
        "demands.manage_demand",
        frozenset({Status.COLLECTED, Status.ACCEPTED}),
        lambda a, d, f: services.refer(actor=a, demand=d, reason=f["reason"], to=f["to"]),
    ),
    "verify": (
        forms.FindingsForm,
        "demands.manage_demand",
        frozenset({Status.ACCEPTED}),
        lambda a, d, f: services.verify(
            actor=a, demand=d, findings=f["findings"], photos=f["photos"]
        ),
    ),
    "assign": (
        forms.AssignForm,
        "demands.manage_demand",
        frozenset({Status.VERIFIED}),
        lambda a, d, f: services.assign(
            actor=a, demand=d, path=f["path"], partner=f["partner"], note=f["note"]
        ),
    ),
    "start": (
        forms.StartForm,
        "demands.handle_demand",
        frozenset({Status.ASSIGNED}),
        lambda a, d, f: services.start_handling(actor=a, demand=d, expected_on=f["expected_on"]),
    ),
    "send_back": (
        forms.ReasonForm,
        "demands.handle_demand",
        frozenset({Status.ASSIGNED, Status.IN_PROGRESS}),
        lambda a, d, f: services.send_back(actor=a, demand=d, reason=f["reason"]),
    ),
    "update": (
        forms.UpdateForm,
        "demands.handle_demand",
        frozenset({Status.ASSIGNED, Status.IN_PROGRESS}),
        lambda a, d, f: services.post_update(actor=a, demand=d, text=f["text"], public=f["public"]),
    ),
    "resolve": (
        forms.ResolveForm,
        "demands.handle_demand",
        frozenset({Status.IN_PROGRESS}),
        lambda a, d, f: services.resolve(actor=a, demand=d, result=f["result"], photos=f["photos"]),
    ),
    "callback": (
        forms.CallbackForm,
        "demands.call_back_demand",
        frozenset({Status.RESOLVED}),
        lambda a, d, f: services.record_callback(
            actor=a, demand=d, resident=f["resident"], result=f["result"], comment=f["comment"]
        ),
    ),
    "unreachable": (
        forms.CallbackAttemptForm,
        "demands.call_back_demand",
        frozenset({Status.RESOLVED}),
        lambda a, d, f: services.record_unreachable(
            actor=a, demand=d, resident=f["resident"], note=f["note"]
        ),
    ),
    "close": (
        forms.CloseForm,
        "demands.manage_demand",
        frozenset({Status.RESOLVED, Status.CALLED_BACK}),
        lambda a, d, f: services.close_out(actor=a, demand=d, note=f["note"]),
    ),
    "add_reporters": (
        forms.AddReportersForm,
        "demands.add_reporter",
        frozenset(
            {
                Status.COLLECTED,
                Status.ACCEPTED,
                Status.VERIFIED,
                Status.ASSIGNED,
                Status.IN_PROGRESS,
            }
        ),
        lambda a, d, f: [
            services.add_reporter(actor=a, demand=d, resident=r) for r in f["reporters"]
        ],
    ),
    "merge": (
        forms.MergeForm,
        "demands.manage_demand",
        frozenset({Status.COLLECTED, Status.ACCEPTED, Status.VERIFIED}),
        lambda a, d, f: services.merge(actor=a, duplicate=d, into=f["into"]),
    ),
    "extend": (
        forms.ExtensionForm,
        "demands.handle_demand",
        frozenset({Status.ASSIGNED, Status.IN_PROGRESS}),
        lambda a, d, f: services.request_extension(
            actor=a, demand=d, new_due=f["new_due"], reason=f["reason"]
        ),
    ),
    "decide_extension": (
        forms.DecisionForm,
        "demands.manage_demand",
        frozenset({Status.ASSIGNED, Status.IN_PROGRESS}),
        lambda a, d, f: services.decide_extension(
            actor=a,
            extension=d.extensions.get(status=ExtensionStatus.PENDING),
            approve=f["decision"] == "approve",
            note=f["note"],
        ),
    ),
    "correct": (
        forms.CorrectForm,
        "demands.manage_demand",
        OPEN_STATUSES,
        lambda a, d, f: services.correct(
            actor=a, demand=d, reason=f["reason"], area=f["area"], category=f["category"]
        ),
    ),
    "withdraw": (
        forms.ReasonForm,
        "demands.manage_demand",
        frozenset(
            {
                Status.COLLECTED,
                Status.ACCEPTED,
                Status.VERIFIED,
                Status.ASSIGNED,
                Status.IN_PROGRESS,
            }
        ),
        lambda a, d, f: services.withdraw(actor=a, demand=d, reason=f["reason"]),
    ),
}
LABELS = {
    "accept": gettext_lazy("Accept"),
    "refer": gettext_lazy("Refer elsewhere"),
    "correct": gettext_lazy("Correct the place or category"),
    "verify": gettext_lazy("Record the on-site check"),
    "assign": gettext_lazy("Decide who handles it"),
    "start": gettext_lazy("Take it on"),
    "send_back": gettext_lazy("Send back"),
    "update": gettext_lazy("Post progress"),
    "resolve": gettext_lazy("Mark resolved"),
    "callback": gettext_lazy("Record a call-back"),
    "unreachable": gettext_lazy("Could not reach them"),
    "close": gettext_lazy("Close out"),
    "add_reporters": gettext_lazy("Add residents who raised it too"),
    "merge": gettext_lazy("Merge into another demand"),
    "extend": gettext_lazy("Ask for more time"),
    "decide_extension": gettext_lazy("Decide on the request for more time"),
    "withdraw": gettext_lazy("Withdraw"),
}


SECONDARY = frozenset({"refer", "send_back", "merge", "withdraw", "extend", "correct"})


def make_form(
    name: str,
    demand: Demand,
    user: Any,
    data: Any = None,
    files: Any = None,
    *,
    prefixed: bool = True,
    first: Any = None,
) -> Any:
    """The action's form; prefixed with its name on the page, where several share one form tag.
    `first`: the likely handler from triage, which leads the assign form's list."""
    form_class = ACTIONS[name][0]
    prefix = name if prefixed else None
    if form_class is forms.AddReportersForm:
        return form_class(data, files, user=user, prefix=prefix)
    if form_class is forms.AssignForm:
        return form_class(data, files, user=user, demand=demand, first=first, prefix=prefix)
    if form_class is forms.ReferForm:
        return form_class(data, files, demand=demand, prefix=prefix)
    if form_class in (forms.MergeForm, forms.CorrectForm):
        return form_class(data, files, user=user, demand=demand, prefix=prefix)
    if form_class in (forms.CallbackForm, forms.CallbackAttemptForm, forms.CloseForm):
        return form_class(data, files, demand=demand, prefix=prefix)
    return form_class(data, files, prefix=prefix)


def available(demand: Demand, user: Any) -> list[str]:
    names = []
    pending = demand.extensions.filter(status=ExtensionStatus.PENDING).exists()
    for name, (_form, permission, statuses, _call) in ACTIONS.items():
        if demand.status not in statuses or not user.has_perm(permission, demand):
            continue
        if name == "send_back" and demand.path != HandlingPath.PARTNER:
            continue
        if name in ("callback", "unreachable") and not services.can_call_back(demand):
            continue  # nobody is left to call in this round
        if name == "close" and not services.can_close_out(demand):
            continue  # reporters still to call back
        if (name == "decide_extension") != pending and name in ("extend", "decide_extension"):
            continue  # ask while none is pending; decide while one is
        names.append(name)
    return names
