"""Guarded transitions: the one idiom for a model's states.

A model with states declares a `TextChoices`, a transitions map (state → the states it may
move to), and one `Machine` over them. Each transition is a service that calls the machine:

- `machine.swap(obj, to)`: compare-and-set (healthchecks). One UPDATE that names the old
  state; if another request moved the row first, no row changes and the loser is told what
  happened. For steps that touch only the row itself (a demand's lifecycle).
- `machine.lock(obj)` then `machine.move(locked, to)`: the row is locked first (pretix), for a
  step that must read or change other rows in the same decision (a project taking money from
  its fund, a vote's count). Call both inside one `transaction.atomic()`.

Both refuse a move the map does not allow with the machine's own message, in the user's
language, and return the state the row was in.
"""

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from genxi.core.services import ConcurrentEdit, ServiceError

M = TypeVar("M", bound=models.Model)

REFUSED = _("This cannot be done while it is “%(now)s”.")


def _stale(now: str | None) -> ServiceError:
    return ConcurrentEdit()


@dataclass(frozen=True)
class Machine(Generic[M]):
    """A model's state field and the moves its transitions map allows.

    `refused` is formatted with `now` and `to` (the states' labels, `status` is `now` again),
    so each model keeps its own wording. `stale` builds the error for a compare-and-set that
    lost the race, from the state the row is in now (None when it is gone).
    """

    model: type[M]
    transitions: Mapping[str, Collection[str]]
    labels: type[models.TextChoices]
    field: str = "status"
    refused: str | Promise = REFUSED
    refused_code: str = "invalid_transition"
    stale: Callable[[str | None], ServiceError] = _stale
    # Whether the row has an `updated_at` to set with each move.
    touch: bool = True

    def targets(self, state: str) -> frozenset[str]:
        """The states `state` may move to."""
        return frozenset(self.transitions.get(state, ()))

    def can(self, state: str, to: str) -> bool:
        return to in self.targets(state)

    def check(self, state: str, to: str) -> None:
        """Raise the machine's refusal unless the map allows `state` → `to`."""
        if not self.can(state, to):
            labels = {"now": self.label(state), "to": self.label(to)}
            raise ServiceError(
                str(self.refused) % {**labels, "status": labels["now"]}, code=self.refused_code
            )

    def label(self, state: str) -> str:
        try:
            return str(self.labels(state).label)
        except ValueError:
            return state

    def state_of(self, obj: M) -> str:
        return str(getattr(obj, self.field))

    def swap(self, obj: M, to: str, **values: Any) -> str:
        """Compare-and-set `obj` to `to` (with `values`), from the state it was read in.

        Raises the refusal if the map does not allow it, and `stale` if the row moved on
        since `obj` was read. On success `obj` carries the new state and values.
        """
        old = self.state_of(obj)
        self.check(old, to)
        changes = {self.field: to, **values}
        if self.touch:
            changes.setdefault("updated_at", timezone.now())
        manager = self.model._default_manager
        changed = manager.filter(pk=obj.pk, **{self.field: old}).update(**changes)
        if changed != 1:
            now = manager.filter(pk=obj.pk).values_list(self.field, flat=True).first()
            raise self.stale(now)
        for name, value in changes.items():
            setattr(obj, name, value)
        return old

    def lock(self, obj: M | int) -> M:
        """The row, locked until the transaction ends (call inside `transaction.atomic()`)."""
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("Machine.lock() needs a transaction.")
        pk = obj if isinstance(obj, int) else obj.pk
        return self.model._default_manager.select_for_update().get(pk=pk)

    def move(self, locked: M, to: str, **values: Any) -> str:
        """Move a row already taken with `lock()` to `to` (with `values`)."""
        old = self.state_of(locked)
        self.check(old, to)
        changes = {self.field: to, **values}
        if self.touch:
            changes.setdefault("updated_at", timezone.now())
        self.model._default_manager.filter(pk=locked.pk).update(**changes)
        for name, value in changes.items():
            setattr(locked, name, value)
        return old
