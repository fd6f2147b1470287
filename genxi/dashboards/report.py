"""The monthly report of a street or a community as a PDF: the headline figures (the month, the
same month last year, so far), charts, a table by community, the month's notable closed demands
with their photos, and the overdue list. WeasyPrint lays it out from an HTML template on A4 with
the Noto CJK fonts (fontconfig finds them); charts are SVG drawn here (`charts_svg`), since
WeasyPrint runs no JavaScript.

Every number comes from the dashboards' one registry of figures, through `figure_values` (the
report never counts on its own). A report is a `Report` row: `request_report` (on demand) and
`archive_month` (the monthly schedule) create it and enqueue `generate_report`, which runs it:
queued → running (progress and step) → done (file, sha256, size, pages) or failed (a message).
An archived report, once done, is never made again nor changed.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, Q, When
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from genxi.core.audit import log_action
from genxi.core.services import ServiceError
from genxi.dashboards import charts_svg, registry, snapshot
from genxi.dashboards.models import Report, ReportStatus
from genxi.dashboards.periods import EARLIEST, Period, month_end
from genxi.demands.figures import bounds
from genxi.demands.models import (
    Demand,
    DemandEvent,
    DemandPhoto,
    EventKind,
    PhotoKind,
    Satisfaction,
    Status,
)
from genxi.places.models import STREET_KINDS, Area, AreaKind

logger = logging.getLogger(__name__)
# WeasyPrint logs each layout step at INFO: noise in a worker's or the scheduler's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

NOTABLE = 5  # notable closed demands shown
PHOTOS_EACH = 2  # photos per notable demand
PHOTO_BOX = (560, 420)  # a photo is scaled down to fit this box (pixels) before it is embedded
OVERDUE_SHOWN = 100  # overdue demands listed (the count says how many there are in all)
TREND_MONTHS = 12
TABLE_COLUMNS = 7  # key figures in the table by community
# The figures of the trend chart and the community bars, in order of preference.
CHART_KEYS = ("demands.collected", "demands.resolved")
# The key figures of the table by community, in order of preference; others fill up.
TABLE_KEYS = (
    "demands.collected",
    "demands.resolved",
    "demands.resolution_rate",
    "demands.satisfaction_rate",
    "demands.overdue",
    "activities.held",
    "pioneers.visits",
)
# A queued or running report older than this was lost (a worker stopped): it no longer blocks
# a new request for the same month.
STALE = timedelta(minutes=30)
IN_FLIGHT_PER_USER = 3  # on-demand reports queued or running at once, per user

STEPS = {
    "figures": (10, gettext_lazy("Reading the month's figures")),
    "trend": (30, gettext_lazy("Comparing with last year and the months before")),
    "communities": (50, gettext_lazy("Reading each community's figures")),
    "notable": (65, gettext_lazy("Choosing the month's notable demands")),
    "overdue": (75, gettext_lazy("Listing the overdue demands")),
    "layout": (85, gettext_lazy("Laying out the pages")),
}

Progress = Callable[[int, Any], object]  # (percent, step's words)


def figure_values(area: Area, period: Period, today: date) -> dict[str, registry.Value]:
    """Every registered figure of `area` over `period`: the report's one read of the numbers,
    the dashboard's snapshot (the stored values, computed and stored where missing)."""
    return snapshot.values(area, period, today=today)


def month_period(first: date) -> Period:
    return Period("month", first, month_end(first))


def month_title(first: date) -> str:
    return _("%(year)d/%(month)d monthly work report") % {"year": first.year, "month": first.month}


# ------------------------------------------------------------------------------ formatting


def show(figure: registry.Figure, value: registry.Value | None) -> str:
    """A value as the report prints it: counts whole, money in yuan, rates as percentages."""
    if value is None:
        return "—"
    if figure.unit == registry.LIST:
        return "、".join(f"{label} {n}" for label, n in value.items[:8]) or "—"
    if figure.unit == registry.RATE:
        percent = value.percent
        return "—" if percent is None else f"{percent}%"
    if value.value is None:
        return "—"
    number = Decimal(value.value)
    if figure.unit == registry.MONEY:
        return f"¥{number:,.2f}"
    if figure.unit in (registry.DAYS, registry.HOURS):
        return f"{number:.1f}"
    return f"{int(number):,}"


def change(figure: registry.Figure, now: registry.Value | None, then: registry.Value | None) -> str:
    """The month against the same month last year: a difference (percentage points for
    rates); "—" where either side has no number."""
    if now is None or then is None or figure.unit == registry.LIST:
        return "—"
    if figure.unit == registry.RATE:
        a, b = now.percent, then.percent
        if a is None or b is None:
            return "—"
        return _("%(points)s pt") % {"points": f"{a - b:+.1f}"}
    if now.value is None or then.value is None:
        return "—"
    diff = Decimal(now.value) - Decimal(then.value)
    if figure.unit in (registry.COUNT,):
        return f"{int(diff):+,}"
    return f"{diff:+,.2f}" if figure.unit == registry.MONEY else f"{diff:+.1f}"


def _number(value: registry.Value | None) -> float | None:
    if value is None or value.value is None:
        return None
    return float(value.value)


# ------------------------------------------------------------------------------ the contents


@dataclass
class Line:
    figure: registry.Figure
    month: str
    last_year: str
    change: str
    so_far: str


@dataclass
class Section:
    panel: registry.Panel
    lines: list[Line] = field(default_factory=list)
    lists: list[tuple[registry.Figure, str]] = field(default_factory=list)


@dataclass
class Notable:
    demand: Demand
    satisfied: int
    supporters: int
    photos: list[str]  # data: URIs of scaled-down JPEGs


def _chart_figures(values: dict[str, registry.Value]) -> list[registry.Figure]:
    """The figures the charts draw: the demands collected and resolved, or the first counts
    registered where no demands panel is."""
    keys = [k for k in CHART_KEYS if k in values]
    if not keys:
        keys = [f.key for f in registry.figures() if f.unit == registry.COUNT][:2]
    return [registry.figure(k) for k in keys]


def _table_figures() -> list[registry.Figure]:
    registered = {f.key: f for f in registry.figures() if f.unit != registry.LIST}
    chosen = [registered[k] for k in TABLE_KEYS if k in registered]
    chosen += [f for k, f in registered.items() if f not in chosen]
    return chosen[:TABLE_COLUMNS]


def counted_places(area: Area) -> list[int]:
    """The communities of `area` and the street itself (it holds the demands referred to it),
    as the demands' figures count them."""
    return list(
        Area.objects.subtree(area)
        .filter(kind__in=[AreaKind.COMMUNITY, *STREET_KINDS])
        .values_list("pk", flat=True)
    )


def notable_demands(area: Area, period: Period) -> list[Notable]:
    """The month's notable closed demands: closed out in the month, those with the most
    satisfied call-backs first, then the most residents who raised them, then the latest."""
    lo, hi = bounds(period.start, period.end)
    places = counted_places(area)
    closed = DemandEvent.objects.filter(
        community__in=places, kind=EventKind.CLOSED, at__gte=lo, at__lt=hi
    ).values("demand")
    good = [Satisfaction.SATISFIED, Satisfaction.BASICALLY]
    demands = list(
        Demand.objects.filter(pk__in=closed, status=Status.CLOSED)
        .select_related("community", "category")
        .annotate(
            satisfied=Count("callbacks", filter=Q(callbacks__result__in=good), distinct=True),
            supporters=Count("reporters", distinct=True),
        )
        .order_by("-satisfied", "-supporters", "-closed_at", "-id")[:NOTABLE]
    )
    order: dict[str, int] = {PhotoKind.EVIDENCE: 0, PhotoKind.VERIFICATION: 1, PhotoKind.INTAKE: 2}
    photos: dict[int, list[DemandPhoto]] = {}
    for photo in DemandPhoto.objects.filter(demand__in=demands):
        photos.setdefault(photo.demand_id, []).append(photo)
    result = []
    for demand in demands:
        chosen = sorted(photos.get(demand.pk, []), key=lambda p: (order.get(p.kind, 3), p.pk))
        uris = [uri for uri in map(thumbnail, chosen[:PHOTOS_EACH]) if uri]
        result.append(
            Notable(demand, demand.satisfied, demand.supporters, uris)  # type: ignore[attr-defined]
        )
    return result


def thumbnail(photo: DemandPhoto) -> str:
    """The photo scaled down into PHOTO_BOX as a JPEG data: URI ("" if it cannot be read): the
    PDF stays small whatever the phone took."""
    from PIL import Image

    try:
        with photo.image.open("rb") as handle, Image.open(handle) as image:
            image.draft("RGB", PHOTO_BOX)  # JPEG: decode at a reduced size, cheaply
            image.thumbnail(PHOTO_BOX)
            out = io.BytesIO()
            image.convert("RGB").save(out, format="JPEG", quality=72)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        logger.warning("report: photo %s unreadable: %s", photo.pk, exc)
        return ""
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def overdue_demands(area: Area, today: date) -> tuple[int, list[dict[str, Any]]]:
    """The demands overdue today (`DemandQuerySet.overdue`, the one definition), longest late
    first: (how many in all, the first OVERDUE_SHOWN)."""
    overdue = Demand.objects.filter(community__in=counted_places(area)).overdue(today)
    # The deadline it missed: to accept (still awaiting acceptance) or else to resolve.
    missed = Case(
        When(status=Status.COLLECTED, then=F("response_due")), default=F("resolution_due")
    )
    rows = []
    for demand in (
        overdue.select_related("community", "category")
        .annotate(missed=missed)
        .order_by("missed", "id")[:OVERDUE_SHOWN]
    ):
        due = demand.missed  # type: ignore[attr-defined]
        rows.append({"demand": demand, "due": due, "late": (today - due).days})
    return overdue.count(), rows


def gather(area: Area, first: date, *, today: date, progress: Progress) -> dict[str, Any]:
    """The report's contents for `area` and the month that starts on `first`."""
    period = month_period(first)
    last_year = period.last_year()
    so_far = Period("all", EARLIEST, period.end)  # up to the month's end: an archive is stable

    progress(*STEPS["figures"])
    month_values = figure_values(area, period, today)
    before = figure_values(area, last_year, today)
    total = figure_values(area, so_far, today)
    sections = []
    for panel in registry.panels():
        section = Section(panel)
        for figure in panel.figures:
            now = month_values.get(figure.key)
            if figure.unit == registry.LIST:
                section.lists.append((figure, show(figure, now)))
                continue
            then = before.get(figure.key)
            section.lines.append(
                Line(
                    figure,
                    show(figure, now),
                    show(figure, then),
                    change(figure, now, then),
                    show(figure, total.get(figure.key)),
                )
            )
        sections.append(section)

    progress(*STEPS["trend"])
    charted = _chart_figures(month_values)
    months = [first]
    while len(months) < TREND_MONTHS:
        months.insert(0, (months[0] - timedelta(days=1)).replace(day=1))
    trend_values = [
        month_values if m == first else figure_values(area, month_period(m), today) for m in months
    ]
    trend = None
    if charted:
        trend = charts_svg.bars(
            [f"{m.month}月" for m in months],
            [(f.label, [_number(v.get(f.key)) for v in trend_values]) for f in charted],
            title=_("By month"),
        )

    progress(*STEPS["communities"])
    columns = _table_figures()
    communities = list(Area.objects.subtree(area).filter(kind=AreaKind.COMMUNITY).order_by("path"))
    rows = []
    community_values = []
    for community in communities:
        got = month_values if community.pk == area.pk else figure_values(community, period, today)
        community_values.append(got)
        rows.append((community, [show(f, got.get(f.key)) for f in columns]))
    totals = [show(f, month_values.get(f.key)) for f in columns]
    community_chart = None
    if charted and len(communities) > 1:
        community_chart = charts_svg.hbars(
            [c.name for c in communities],
            [(f.label, [_number(v.get(f.key)) for v in community_values]) for f in charted],
            title=_("By community"),
        )

    progress(*STEPS["notable"])
    notable = notable_demands(area, period)
    progress(*STEPS["overdue"])
    overdue_count, overdue = overdue_demands(area, today)
    return {
        "area": area,
        "period": period,
        "title": month_title(first),
        "today": today,
        "last_year": last_year,
        "sections": sections,
        "trend_chart": trend,
        "community_chart": community_chart,
        "columns": columns,
        "rows": rows,
        "totals": totals,
        "notable": notable,
        "overdue": overdue,
        "overdue_count": overdue_count,
        "overdue_shown": OVERDUE_SHOWN,
        "generated_at": timezone.localtime(),
    }


def render(
    area: Area, first: date, *, today: date | None = None, progress: Progress | None = None
) -> tuple[bytes, int]:
    """The PDF of `area`'s report for the month starting `first`, and its number of pages."""
    # A heavy import: only where a PDF is made.
    from weasyprint import HTML  # type: ignore[import-untyped]

    step = progress or (lambda percent, label: None)
    with translation.override(settings.LANGUAGE_CODE):
        context = gather(area, first, today=today or timezone.localdate(), progress=step)
        step(*STEPS["layout"])
        html = render_to_string("dashboards/report/report.html", context)
        document = HTML(string=html, base_url=str(settings.BASE_DIR)).render()
        return document.write_pdf(), len(document.pages)


def build(area: Area, month: date) -> bytes:
    """The PDF of `area`'s monthly report for `month` (any day of it)."""
    pdf, _pages = render(area, month.replace(day=1))
    return pdf


# ------------------------------------------------------------------------------ the rows


def _in_flight(area: Area, first: date) -> Report | None:
    """A report of this area and month being made now (not lost)."""
    return (
        Report.objects.filter(
            area=area,
            month=first,
            status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING],
            created_at__gte=timezone.now() - STALE,
        )
        .order_by("-created_at")
        .first()
    )


def _enqueue(report_id: int) -> None:
    transaction.on_commit(lambda: generate_report.enqueue(report_id))


def _lock_requester(actor: Any) -> None:
    list(get_user_model().objects.select_for_update().filter(pk=actor.pk).values_list("pk"))


def request_report(*, actor: Any, area: Area, month: date) -> Report:
    """Make `area`'s report of `month` on demand (an extra copy beside the archived one).

    A retried or doubled submission makes nothing twice: while one for the same area and month
    is queued or running, that one is returned."""
    first = month.replace(day=1)
    if first > timezone.localdate():
        raise ServiceError(_("A report can be made only for this month or a past one."))
    with transaction.atomic():
        # One request at a time per area: the area row's lock orders concurrent submissions.
        list(Area.objects.select_for_update().filter(pk=area.pk).values_list("pk"))
        existing = _in_flight(area, first)
        if existing is not None:
            return existing
        # ...and per person, for the cap below: the same person asking for two areas at once
        # would otherwise both count the same reports. Always area, then person: no deadlock.
        _lock_requester(actor)
        mine = Report.objects.filter(
            requested_by=actor,
            status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING],
            created_at__gte=timezone.now() - STALE,
        )
        if mine.count() >= IN_FLIGHT_PER_USER:
            raise ServiceError(
                _(
                    "You have %(n)d reports being made already. Wait until one of them is "
                    "ready, then ask again."
                )
                % {"n": IN_FLIGHT_PER_USER}
            )
        report = Report.objects.create(area=area, month=first, requested_by=actor)
        log_action(actor=actor, action="dashboards.report_requested", obj=report)
        _enqueue(report.pk)
    return report


def _archived(area: Area, first: date) -> Report | None:
    return Report.objects.select_for_update().filter(area=area, month=first, archived=True).first()


def archive_month(*, area: Area, month: date) -> Report | None:
    """The archived report of `area` for `month`, made once by the schedule. None when it is
    done or on its way already (idempotent); a failed one is queued again."""
    first = month.replace(day=1)
    if first >= timezone.localdate().replace(day=1):
        raise ServiceError(_("Only a month that is over is archived."))
    if first < EARLIEST:
        raise ServiceError(_("There are no records before %(month)s.") % {"month": EARLIEST})
    with transaction.atomic():
        # The area row's lock orders two schedulers: the second finds the first one's row
        # instead of running into the one-archived-report constraint.
        list(Area.objects.select_for_update().filter(pk=area.pk).values_list("pk"))
        existing = _archived(area, first)
        if existing is None:
            try:
                with transaction.atomic():
                    existing = Report.objects.create(area=area, month=first, archived=True)
            except IntegrityError:  # made meanwhile by another scheduler: on its way
                return None
            log_action(actor=None, action="dashboards.report_scheduled", obj=existing)
        elif existing.status == ReportStatus.FAILED or (
            existing.status != ReportStatus.DONE and existing.created_at < timezone.now() - STALE
        ):
            Report.objects.filter(pk=existing.pk, status=existing.status).update(
                status=ReportStatus.QUEUED,
                progress=0,
                step="",
                error="",
                created_at=timezone.now(),
                attempt=F("attempt") + 1,  # a stalled worker of the last attempt changes nothing
            )
        else:
            return None
        _enqueue(existing.pk)
    return existing


def _update(report_id: int, attempt: int, **fields: Any) -> int:
    """Change a running report, if this run (`attempt`) is still the one making it."""
    return Report.objects.filter(pk=report_id, status=ReportStatus.RUNNING, attempt=attempt).update(
        **fields
    )


def run(report_id: int, *, today: date | None = None) -> None:
    """Make the PDF of one queued report: running, with its progress and step, then done with
    its file, or failed with a message. A report not queued (done, failed, taken by another
    worker) is left as it is: a done archived report is never made again."""
    with translation.override(settings.LANGUAGE_CODE):
        report = Report.objects.select_related("area").filter(pk=report_id).first()
        if report is None:
            return
        attempt = report.attempt
        started = Report.objects.filter(
            pk=report_id, status=ReportStatus.QUEUED, attempt=attempt
        ).update(status=ReportStatus.RUNNING, progress=1, step=_("Starting"))
        if not started:
            return
        try:
            pdf, pages = render(
                report.area,
                report.month,
                today=today,
                progress=lambda percent, step: _update(
                    report_id, attempt, progress=percent, step=str(step)
                ),
            )
            _update(report_id, attempt, progress=95, step=_("Saving the file"))
            name = default_storage.save(
                f"reports/{report.month:%Y}/{report.area_id}-{report.month:%Y-%m}-{report.pk}.pdf",
                ContentFile(pdf),
            )
        except Exception as exc:  # anything: the row must not stay "running"
            logger.exception("report %s failed", report_id)
            reason = str(exc)[:200] or exc.__class__.__name__
            _fail(report_id, attempt, reason)
            return
        try:
            with transaction.atomic():
                done = _update(
                    report_id,
                    attempt,
                    status=ReportStatus.DONE,
                    progress=100,
                    step="",
                    file=name,
                    sha256=hashlib.sha256(pdf).hexdigest(),
                    size=len(pdf),
                    pages=pages,
                    error="",
                    finished_at=timezone.now(),
                )
                if done:
                    log_action(actor=None, action="dashboards.report_done", obj=report)
        except Exception as exc:  # the file is saved but the row could not say so
            logger.exception("report %s could not be marked done", report_id)
            default_storage.delete(name)
            _fail(report_id, attempt, str(exc)[:200] or exc.__class__.__name__)
            return
        if not done:  # changed under us (a lost report re-queued): keep no orphan file
            default_storage.delete(name)


def _fail(report_id: int, attempt: int, reason: str) -> None:
    """Mark a running report failed, with the reason in the message."""
    with transaction.atomic():
        _update(
            report_id,
            attempt,
            status=ReportStatus.FAILED,
            step="",
            finished_at=timezone.now(),
            error=_(
                "The report could not be made (%(reason)s). Try again, or tell the "
                "administrator if it fails again."
            )
            % {"reason": reason},
        )


@task()
def generate_report(report_id: int) -> None:
    """The background step: make one report's PDF (`run`)."""
    run(report_id)
