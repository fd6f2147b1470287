"""The pioneer settings that apply to an area: its own, or the nearest street's or community's
up its path, or the defaults (an unsaved `Settings`)."""

from genxi.core.paths import path_ids
from genxi.pioneers.models import Settings
from genxi.places.models import Area


def settings_for(area: Area) -> Settings:
    """The nearest settings up `area`'s path (the area's own first), else the defaults."""
    found = (
        Settings.objects.filter(area_id__in=path_ids(area.path))
        .select_related("area")
        .order_by("-area__path")
        .first()
    )
    return found if found is not None else Settings()
