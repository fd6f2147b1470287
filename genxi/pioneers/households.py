"""Households: a building's room where residents live (there is no household table; the
residents' `area` and `room` are the household). A grid covers the households of its
buildings."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from genxi.places.models import Area, Resident


@dataclass
class Household:
    building: Area
    room: str
    residents: list[Resident] = field(default_factory=list)

    @property
    def key(self) -> tuple[int, str]:
        return (self.building.pk, self.room)

    @property
    def label(self) -> str:
        """三花苑 1幢 302."""
        parent = self.building.parent
        parts = [parent.name if parent is not None else "", self.building.name, self.room]
        return " ".join(p for p in parts if p)


def households_in(grid_ids: Iterable[int]) -> list[Household]:
    """The households of the buildings in the grids, by building and room, each with its
    residents and their tags (prefetched)."""
    found: dict[tuple[int, str], Household] = {}
    residents = (
        Resident.objects.filter(area__grid__in=list(grid_ids))
        .select_related("area__parent")
        .prefetch_related("tags")
        .order_by("area__path", "room", "id")
    )
    for resident in residents:
        key = (resident.area_id, resident.room)
        if key not in found:
            found[key] = Household(resident.area, resident.room)
        found[key].residents.append(resident)
    return list(found.values())


def household_counts(grid_ids: Iterable[int]) -> dict[int, int]:
    """Grid id → how many households its buildings hold (one query)."""
    counts: dict[int, int] = defaultdict(int)
    rows = (
        Resident.objects.filter(area__grid__in=list(grid_ids))
        .values_list("area__grid", "area", "room")
        .distinct()
    )
    for grid_id, _area, _room in rows:
        if grid_id is not None:
            counts[grid_id] += 1
    return dict(counts)
