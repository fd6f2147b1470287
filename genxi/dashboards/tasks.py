"""The dashboards' background work: refreshing the snapshot (`snapshot.refresh`)."""

from django_tasks import task

from genxi.dashboards import snapshot
from genxi.places.models import Area


@task()
def refresh_dashboards(area_ids: list[int] | None = None) -> int:
    """Recompute the current figures of the dashboards (of `area_ids`, or all); rows written.
    Every area's refresh skips (0) while another is still running."""
    if area_ids is not None:
        return snapshot.refresh(areas=list(Area.objects.filter(pk__in=area_ids)))
    return snapshot.refresh_scheduled() or 0
