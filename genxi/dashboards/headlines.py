"""The "figures like the articles" card: sentences written from the so-far figures, as the
seeds' articles put them ("截至目前，海棠先锋收集并推动解决诉求125个"). A sentence whose figure
is missing (its panel not registered) or zero is left out."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from genxi.core.labels import pioneer_label
from genxi.dashboards.registry import Value

# The venues' brand in the articles; a deployment names its own (GENXI_VENUE_BRAND).
DEFAULT_VENUE_BRAND = "小巷红韵"


def venue_brand() -> str:
    return getattr(settings, "GENXI_VENUE_BRAND", "") or DEFAULT_VENUE_BRAND


def _count(values: dict[str, Value], key: str) -> int:
    v = values.get(key)
    if v is None or v.value is None:
        return 0
    return int(v.value)


def sentences(values: dict[str, Value]) -> list[str]:
    """The headline sentences from the values of the so-far period (`periods.so_far`)."""
    out = []
    resolved = _count(values, "demands.resolved")
    if resolved:
        out.append(
            _("So far, %(pioneers)s have collected and helped resolve %(count)s demands")
            % {"pioneers": pioneer_label(), "count": resolved}
        )
    venues = _count(values, "venues.venues")
    if venues:
        out.append(
            _("Built %(count)s “%(brand)s” venues") % {"brand": venue_brand(), "count": venues}
        )
    renovations = _count(values, "projects.micro_renovations")
    compounds = _count(values, "projects.micro_compounds")
    if renovations and compounds:
        out.append(
            _("Built %(count)s micro-renovation projects in %(compounds)s residential compounds")
            % {"count": renovations, "compounds": compounds}
        )
    held = _count(values, "activities.held")
    if held:
        reached = _count(values, "activities.residents_reached")
        if reached:
            out.append(
                _("Held %(count)s activities serving %(people)s residents")
                % {"count": held, "people": reached}
            )
        else:
            out.append(_("Held %(count)s activities") % {"count": held})
    meetings = _count(values, "meetings.held")
    if meetings:
        out.append(_("Held %(count)s deliberation meetings") % {"count": meetings})
    return out
