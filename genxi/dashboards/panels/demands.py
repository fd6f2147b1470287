"""The demands panel of the dashboards (registered with registry.register).

Every number is `genxi.demands.figures.compute` (docs/figures.md), called once per scope; the
hot topics are triage's (`genxi.triage.topics`). The records behind a figure are the demands'
ledger filtered as the figures page links to it (`genxi.demands.ledger.filtered` with the same
`area`, `from`, `to`, `event` and `overdue` parameters), so a figure opens the same rows on the
dashboard's list and in the ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from genxi.dashboards.registry import (
    COUNT,
    DAYS,
    LIST,
    RATE,
    Figure,
    Panel,
    Scope,
    Value,
    register,
)
from genxi.demands import figures as demand_figures
from genxi.demands import ledger

COLUMNS = (
    (_("Tracking code"), "code"),
    (_("Title"), "title"),
    (_("Category"), "category.name"),
    (_("Community"), "community.name"),
    (_("Status"), "status"),
    (_("Recorded at"), "created_at"),
)


def holds_today(scope: Scope) -> bool:
    return scope.start <= scope.today <= scope.end


def params(scope: Scope, **extra: str) -> dict[str, str]:
    """The ledger's parameters for the scope: what the figures page links with."""
    if extra.get("overdue"):  # overdue now, whenever recorded
        return {"area": str(scope.area.pk), **extra}
    return {
        "area": str(scope.area.pk),
        "from": scope.start.isoformat(),
        "to": scope.end.isoformat(),
        **extra,
    }


def rows(**extra: str) -> Callable[[Scope], QuerySet[Any]]:
    def behind(scope: Scope) -> QuerySet[Any]:
        if extra.get("overdue") and not holds_today(scope):
            return ledger.filtered(scope.reader, {}).none()
        return ledger.filtered(scope.reader, params(scope, **extra))

    return behind


def link(**extra: str) -> Callable[[Scope], str]:
    def to_ledger(scope: Scope) -> str:
        return f"{reverse('demands:demand_list')}?{urlencode(params(scope, **extra))}"

    return to_ledger


RECORDED = _("the demand's recording (created_at)")
RECORDED_IN = _("demands recorded in the period")

FIGURES = (
    Figure(
        "demands.collected",
        _("Demands collected"),
        COUNT,
        numerator=RECORDED_IN,
        counted_from=RECORDED,
        rows=rows(),
        columns=COLUMNS,
        link=link(),
    ),
    Figure(
        "demands.resolved",
        _("Demands resolved"),
        COUNT,
        numerator=_("demands with a resolved event in the period (a reopened one counts once)"),
        counted_from=_("the resolved event"),
        rows=rows(event="resolved"),
        columns=COLUMNS,
        link=link(event="resolved"),
    ),
    Figure(
        "demands.response_rate",
        _("Response rate"),
        RATE,
        numerator=_("of the denominator, those first accepted or referred by their response day"),
        denominator=_(
            "demands recorded in the period, less merged and withdrawn ones and those not yet "
            "accepted whose response day has not passed"
        ),
        counted_from=RECORDED,
        rows=rows(),
        columns=COLUMNS,
        link=link(),
    ),
    Figure(
        "demands.resolution_rate",
        pgettext_lazy("dashboard", "Resolution rate"),  # 解决率: the figures page's 办结率
        RATE,
        numerator=_("of the denominator, those resolved by the end of the period"),
        denominator=_("demands recorded in the period, less merged, withdrawn and referred ones"),
        counted_from=RECORDED,
        rows=rows(),
        columns=COLUMNS,
        link=link(),
    ),
    Figure(
        "demands.satisfaction_rate",
        _("Satisfaction rate"),
        RATE,
        numerator=_("call-backs answered satisfied or basically satisfied"),
        denominator=_("call-backs made in the period"),
        counted_from=_("the call-back"),
        rows=rows(event="callback"),
        columns=COLUMNS,
        link=link(event="callback"),
    ),
    Figure(
        "demands.days_to_resolve",
        _("Median days to resolve"),
        DAYS,
        numerator=_("median of (first resolution − recording), in calendar days"),
        denominator=_("demands first resolved in the period"),
        counted_from=_("the first resolved event"),
        rows=rows(event="resolved"),
        columns=COLUMNS,
        link=link(event="resolved"),
        # Not public: its rows (resolved events) are not the median's records (first
        # resolutions), so the rule of five would count the wrong ones; and a median of a few
        # demands is one demand's time.
        public=False,
    ),
    Figure(
        "demands.overdue",
        _("Overdue now"),
        COUNT,
        numerator=_(
            "open demands not accepted by their response deadline or not resolved by their "
            "resolution deadline, today (only for a period that holds today)"
        ),
        counted_from=_("today's date against the deadlines"),
        rows=rows(overdue="1"),
        columns=(*COLUMNS, (_("Resolution deadline"), "resolution_due")),
        link=link(overdue="1"),
        higher_is_better=False,
    ),
    Figure(
        "demands.needs",
        _("High-frequency needs"),
        LIST,
        numerator=_(
            "the categories most raised in the period (at most five), each raised more than "
            "the rare limit"
        ),
        counted_from=RECORDED,
    ),
    Figure(
        "demands.rare_needs",
        _("Rare needs"),
        LIST,
        numerator=_("categories raised at least once and at most the rare limit (at most ten)"),
        counted_from=RECORDED,
    ),
    Figure(
        "demands.hot_topics",
        _("Hot topics"),
        LIST,
        numerator=_(
            "triage's topics: demands about the same thing, in the same compound or in the "
            "same words, largest first (at most ten); for a month or a quarter only"
        ),
        counted_from=RECORDED,
    ),
)


HOT_TOPIC_DAYS = 92  # the longest period whose hot topics are worked out


def _ratio(ratio: demand_figures.Ratio) -> Value:
    return Value(ratio.numerator, ratio.denominator)


def compute(scope: Scope) -> dict[str, Value]:
    f = demand_figures.compute(user=scope.reader, area=scope.area, start=scope.start, end=scope.end)
    topics_found: list[list[Any]] = []
    # Hot topics are a quarter's at most: over a year or "so far" a street's tens of thousands
    # of demands took 20 s and 2.5 GB to cluster (bench/dashboards.py), and old topics are
    # not hot.
    if (scope.end - scope.start).days < HOT_TOPIC_DAYS:
        from genxi.triage import topics  # scikit-learn: loaded when first needed

        summary = topics.summarise(
            topics.rows_for(scope.area, start=scope.start, end=scope.end),
            start=scope.start,
            end=scope.end,
        )
        topics_found = [
            [t.examples[0] if t.examples else t.category, t.size] for t in summary.topics
        ]
    days = f.median_days_to_resolve
    return {
        "demands.collected": Value(f.collected),
        "demands.resolved": Value(f.resolved),
        "demands.response_rate": _ratio(f.response),
        "demands.resolution_rate": _ratio(f.resolution),
        "demands.satisfaction_rate": _ratio(f.satisfaction),
        "demands.days_to_resolve": Value(None if days is None else Decimal(str(days))),
        "demands.overdue": Value(f.overdue_now if holds_today(scope) else None),
        "demands.needs": Value(items=[[name, n] for name, n in f.high_frequency]),
        "demands.rare_needs": Value(items=[[name, n] for name, n in f.rare]),
        "demands.hot_topics": Value(items=topics_found),
    }


PANEL = register(Panel("demands", _("Demands"), 10, figures=FIGURES, compute=compute))
