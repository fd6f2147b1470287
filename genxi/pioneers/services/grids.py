"""Grids and the pioneer settings: how many households a grid holds against the limit, and the
writes of the settings page. Moving a building between grids is `places.services.move_building`
(a building is a place; this app only reads what the move means for the grids)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from genxi.core.audit import Actor, log_action
from genxi.core.services import ConcurrentEdit, ServiceError
from genxi.pioneers.config import settings_for
from genxi.pioneers.households import household_counts
from genxi.pioneers.models import Settings
from genxi.places.models import Area, AreaKind

SETTINGS_FIELDS = ("grid_households_limit", "revisit_days", "priority_tags", "callback_days")


@dataclass
class GridSize:
    grid: Area
    households: int
    limit: int

    @property
    def over(self) -> bool:
        return self.households > self.limit


def grid_sizes(grids: Iterable[Area]) -> list[GridSize]:
    """Each grid's households against the limit of its community's (or street's) settings:
    one query for the counts, one per community for its settings."""
    grids = list(grids)
    counts = household_counts(g.pk for g in grids)
    limits: dict[int | None, int] = {}
    sizes = []
    for grid in grids:
        if grid.parent_id not in limits:
            limits[grid.parent_id] = settings_for(grid).grid_households_limit
        sizes.append(GridSize(grid, counts.get(grid.pk, 0), limits[grid.parent_id]))
    return sizes


def over_limit(grids: Iterable[Area]) -> list[GridSize]:
    """The grids that hold more households than their limit (a warning, never a refusal)."""
    return [size for size in grid_sizes(grids) if size.over]


def save_settings(
    *, actor: Actor, area: Area, expected_updated_at: datetime | None = None, **values: object
) -> Settings:
    """Write `area`'s own settings (made from the defaults the first time). A compare-and-set
    on the locked row's `updated_at`: None when the editor saw no settings of the area's own
    (the defaults or those above it), so a row saved meanwhile by someone else is refused as
    stale, not overwritten."""
    if area.kind not in (AreaKind.STREET, AreaKind.TOWN, AreaKind.COMMUNITY):
        raise ServiceError(_("Choose a street or a community."), field="area")
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise ServiceError(_("Unknown setting."))
    with transaction.atomic():
        row = Settings.objects.select_for_update().filter(area=area).first()
        if row is None:
            if expected_updated_at is not None:
                raise ConcurrentEdit()
            row = Settings(area=area)
        elif row.updated_at != expected_updated_at:
            raise ConcurrentEdit()
        before = {name: getattr(row, name) for name in SETTINGS_FIELDS}
        for name, value in values.items():
            setattr(row, name, value)
        try:
            row.full_clean(exclude=["area"])
        except ValidationError as exc:  # a bound the form did not hold
            raise ServiceError(_("A setting is out of range: check the numbers.")) from exc
        changes = {
            name: [before[name], getattr(row, name)]
            for name in SETTINGS_FIELDS
            if before[name] != getattr(row, name)
        }
        if changes or row.pk is None:
            try:
                with transaction.atomic():
                    row.save()
            except IntegrityError as exc:  # another first save won the area's one row
                raise ConcurrentEdit() from exc
            log_action(actor=actor, action="pioneer_settings.update", obj=row, changes=changes)
    return row
