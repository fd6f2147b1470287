"""The dashboards' writes: a street's settings (the comparison's weights, the public dashboard)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from genxi.core.audit import Actor
from genxi.core.services import ConcurrentEdit, ServiceError, create_object, update_object
from genxi.dashboards.models import DashboardSettings
from genxi.dashboards.public import forget_public_page, publishable
from genxi.dashboards.ranking import MAX_ITEMS, known_figure, weighable
from genxi.places.models import STREET_KINDS, Area


def check_weights(weights: Sequence[tuple[str, int]]) -> list[list[str | int]]:
    """Known figures that can be scored (rates, counts, money, days, hours), each once, at most
    MAX_ITEMS, whole weights from 1 to 100 adding up to 100."""
    if not weights:
        raise ServiceError(_("Choose at least one indicator to score."), field="weights")
    if len(weights) > MAX_ITEMS:
        raise ServiceError(_("Score at most %(n)s indicators.") % {"n": MAX_ITEMS}, field="weights")
    seen: set[str] = set()
    out: list[list[str | int]] = []
    for key, weight in weights:
        figure = known_figure(key)
        if figure is None or not weighable(figure):
            raise ServiceError(_("Choose indicators from the list."), field="weights")
        if key in seen:
            raise ServiceError(
                _("“%(label)s” is chosen twice.") % {"label": figure.label}, field="weights"
            )
        seen.add(key)
        if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 100:
            raise ServiceError(
                _("Enter each weight as a whole number from 1 to 100."), field="weights"
            )
        out.append([key, weight])
    total = sum(int(w) for _k, w in out)
    if total != 100:
        raise ServiceError(
            _("The weights must add up to 100; now they add up to %(sum)s.") % {"sum": total},
            field="weights",
        )
    return out


def check_public_figures(keys: Sequence[str]) -> list[str]:
    out = []
    for key in keys:
        figure = known_figure(key)
        if figure is None or not publishable(figure):
            raise ServiceError(
                _("Only aggregate figures may be shown in public: choose them from the list."),
                field="public_figures",
            )
        if key not in out:
            out.append(key)
    return out


def save_settings(
    *,
    actor: Actor,
    area: Area,
    weights: Sequence[tuple[str, int]],
    public: bool,
    public_figures: Sequence[str],
    expected_updated_at: datetime | None = None,
) -> DashboardSettings:
    """Create or change a street's dashboard settings. Changing them is a compare-and-set on
    `updated_at` (None: the editor saw no settings yet, so settings saved meanwhile by someone
    else are refused as stale, never overwritten)."""
    if area.kind not in STREET_KINDS:
        raise ServiceError(_("Only a street or town has these settings."))
    fields = {
        "weights": check_weights(weights),
        "public": bool(public),
        "public_figures": check_public_figures(public_figures),
        "updated_by": actor if getattr(actor, "pk", None) else None,
    }
    forget_public_page(area.pk)  # the page kept in the cache would show the old choice
    transaction.on_commit(lambda: forget_public_page(area.pk))
    with transaction.atomic():
        found = DashboardSettings.objects.select_for_update().filter(area=area).first()
        if found is None:
            if expected_updated_at is not None:
                raise ConcurrentEdit()
            try:
                with transaction.atomic():
                    made: DashboardSettings = create_object(
                        actor=actor, model=DashboardSettings, fields={"area": area, **fields}
                    )
            except ServiceError as exc:
                raise ConcurrentEdit() from exc  # someone saved first, in the same instant
            return made
        if expected_updated_at is None:
            raise ConcurrentEdit()
        update_object(
            actor=actor, instance=found, fields=fields, expected_updated_at=expected_updated_at
        )
        return found
