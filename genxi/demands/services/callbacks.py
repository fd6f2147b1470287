"""After resolution: calling each reporter back (回访), and closing the demand out (销号).

"Not satisfied" reopens the demand for another round; when every reporter of the round has
answered, or been given up on after GENXI_CALLBACK_MAX_TRIES unreachable attempts, the demand
moves on to "called back, to close out".
"""

from collections import Counter
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.core.audit import Actor, acting_user, log_action
from genxi.core.services import ServiceError
from genxi.demands.models import (
    Callback,
    Demand,
    DemandReporter,
    EventKind,
    Satisfaction,
    Status,
)
from genxi.demands.services.steps import _event, _move
from genxi.places.models import Resident


def record_callback(
    *, actor: Actor, demand: Demand, resident: Resident, result: str, comment: str = ""
) -> Callback:
    """A reporter's verdict. "Not satisfied" reopens the demand for another round; the last
    reporter of the round to answer moves it on to "called back, to close out"."""
    if result not in Satisfaction.values:
        raise ServiceError(_("Choose the resident's answer."), field="result")
    if demand.status != Status.RESOLVED:
        raise ServiceError(
            _("Call-backs are made once a demand is resolved."), code="invalid_transition"
        )
    if not demand.reporters.filter(resident=resident).exists():
        raise ServiceError(_("Only the residents who raised it are called back."), field="resident")
    note = comment.strip()
    data = {"resident": resident.pk, "result": result, "round": demand.callback_round}
    try:
        with transaction.atomic():
            # Two reporters' answers at once: the second sees the first, and one of them moves on.
            Demand.objects.select_for_update().filter(pk=demand.pk).first()
            callback = Callback.objects.create(
                demand=demand,
                community_id=demand.community_id,
                resident=resident,
                round=demand.callback_round,
                result=result,
                comment=note,
                by=acting_user(actor),
            )
            log_action(
                actor=actor,
                action="demand.callback",
                obj=demand,
                changes={"resident": resident.pk, "result": result},
            )
            if result == Satisfaction.NOT_SATISFIED:
                _event(demand, actor=actor, kind=EventKind.CALLBACK, note=note, data=data)
                _move(
                    demand,
                    actor=actor,
                    to=Status.IN_PROGRESS,
                    kind=EventKind.REOPENED,
                    note=note,
                    public=True,
                    resolved_at=None,
                    callback_round=F("callback_round") + 1,
                )
            elif _still_to_call(demand).exists():
                _event(demand, actor=actor, kind=EventKind.CALLBACK, note=note, data=data)
            else:
                # The round's last answer: the call-back event itself moves the status on.
                _move(demand, actor=actor, to=Status.CALLED_BACK, kind=EventKind.CALLBACK,
                      note=note, data=data)  # fmt: skip
    except IntegrityError as exc:
        raise ServiceError(
            _("This resident has already been called back."), field="resident"
        ) from exc
    return callback


def _unreachable_ids(demand: Demand) -> set[int]:
    """Reporters who could not be reached GENXI_CALLBACK_MAX_TRIES times in the current round."""
    tries = Counter(
        data.get("resident")
        for data in demand.events.filter(kind=EventKind.UNREACHABLE).values_list("data", flat=True)
        if data.get("round") == demand.callback_round
    )
    return {pk for pk, n in tries.items() if n >= settings.GENXI_CALLBACK_MAX_TRIES}


def _still_to_call(demand: Demand) -> QuerySet[DemandReporter]:
    """The reporters still to call in the demand's current round: not answered yet, and not
    given up on as unreachable after GENXI_CALLBACK_MAX_TRIES attempts."""
    answered = Callback.objects.filter(demand=demand, round=demand.callback_round)
    return demand.reporters.exclude(resident__in=answered.values("resident")).exclude(
        resident__in=_unreachable_ids(demand)
    )


def record_unreachable(*, actor: Actor, demand: Demand, resident: Resident, note: str = "") -> int:
    """A call-back attempt that did not reach the reporter (no answer, number out of service).

    After GENXI_CALLBACK_MAX_TRIES such attempts in a round the reporter is no longer waited
    for; when nobody is left to call, the demand moves on to "called back, to close out", and
    the close-out records who could not be reached. Returns the reporter's attempts so far.
    """
    if demand.status != Status.RESOLVED:
        raise ServiceError(
            _("Call-backs are made once a demand is resolved."), code="invalid_transition"
        )
    if not _still_to_call(demand).filter(resident=resident).exists():
        raise ServiceError(
            _("This resident is not waiting for a call-back in this round."), field="resident"
        )
    with transaction.atomic():
        # One attempt at a time per demand: the count and the move below read a settled history.
        Demand.objects.select_for_update().filter(pk=demand.pk).first()
        attempt = 1 + sum(
            1
            for data in demand.events.filter(kind=EventKind.UNREACHABLE).values_list(
                "data", flat=True
            )
            if data.get("round") == demand.callback_round and data.get("resident") == resident.pk
        )
        data = {"resident": resident.pk, "round": demand.callback_round, "attempt": attempt}
        log_action(actor=actor, action="demand.callback_unreachable", obj=demand, changes=data)
        last = attempt >= settings.GENXI_CALLBACK_MAX_TRIES
        if last and not _still_to_call(demand).exclude(resident=resident).exists():
            _move(demand, actor=actor, to=Status.CALLED_BACK, kind=EventKind.UNREACHABLE,
                  note=note.strip(), data=data)  # fmt: skip
        else:
            _event(demand, actor=actor, kind=EventKind.UNREACHABLE, note=note.strip(), data=data)
    return attempt


def close_out(*, actor: Actor, demand: Demand, note: str = "") -> None:
    """Strike it off the ledger (销号).

    - Once every reporter of the current round has been called back ("called back, to close
      out"), or given up on after GENXI_CALLBACK_MAX_TRIES unreachable attempts: the close-out
      event records who could not be reached, as its reason.
    - A demand nobody raised (recorded from an inspection, or a meeting's follow-up) has nobody
      to call back: staff close it out straight from "resolved, to call back" once they have
      checked the work, and must write what they checked (the note is required).
    """
    note = note.strip()
    data: dict[str, Any] = {}
    if demand.status == Status.RESOLVED:
        waiting = _still_to_call(demand).count()
        if waiting:
            raise ServiceError(
                _("%(n)s reporter(s) still to call back before this demand can be closed out.")
                % {"n": waiting},
                code="callbacks_missing",
            )
        if not demand.reporters.exists():
            if not note:
                raise ServiceError(
                    _(
                        "Nobody raised this demand, so nobody can be called back: write what "
                        "you checked of the work before closing it out."
                    ),
                    field="note",
                )
            data["no_reporter"] = True
    unreachable = sorted(_unreachable_ids(demand))
    if unreachable:
        data["unreachable"] = unreachable
    _move(
        demand,
        actor=actor,
        to=Status.CLOSED,
        kind=EventKind.CLOSED,
        note=note,
        public=True,
        data=data,
        closed_at=timezone.now(),
    )


def can_call_back(demand: Demand) -> bool:
    """Whether anyone is left to call back: the call-back forms are offered only then."""
    return demand.status == Status.RESOLVED and _still_to_call(demand).exists()


def can_close_out(demand: Demand) -> bool:
    """Whether close-out may be offered: called back, or resolved with nobody left to call."""
    if demand.status == Status.CALLED_BACK:
        return True
    return demand.status == Status.RESOLVED and not _still_to_call(demand).exists()
