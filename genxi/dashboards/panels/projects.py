"""The projects panel of the dashboards (registered with registry.register): the service funds
(amount, committed, paid), projects by phase and micro-renovations (微改造) by compound, by
`genxi.projects.figures` (docs/figures.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from genxi.dashboards.registry import COUNT, LIST, MONEY, Figure, Panel, Scope, Value, register
from genxi.projects import figures
from genxi.projects.models import Phase

ENTRY_COLUMNS = (
    (_("Project"), "project.title"),
    (_("Community"), "fund.community.name"),
    (_("Kind"), "kind"),
    (_("Amount (yuan)"), "amount"),
    (_("Written at"), "at"),
)
PROJECT_COLUMNS = (
    (_("Title"), "title"),
    (_("Community"), "community.name"),
    (_("Phase"), "phase"),
    (_("Estimated cost (yuan)"), "cost"),
    (_("Proposed at"), "created_at"),
)
PROPOSED = _("the project's proposal (created_at)")

FIGURES = (
    Figure(
        "projects.fund_amount",
        _("Service funds"),
        MONEY,
        numerator=_("the amounts of the communities' service funds of the period's year"),
        counted_from=_("the fund's year (the year the period ends in)"),
        rows=lambda scope: figures.funds_of(scope.communities, scope.end.year),
        columns=(
            (_("Community"), "community.name"),
            (_("Year"), "year"),
            (_("Amount (yuan)"), "amount"),
        ),
    ),
    Figure(
        "projects.committed",
        _("Committed"),
        MONEY,
        numerator=_("money committed to chosen projects in the period, less releases"),
        counted_from=_("the spending ledger's line (commitment or release)"),
        rows=lambda scope: figures.committed_entries(scope.communities, scope.start, scope.end),
        columns=ENTRY_COLUMNS,
    ),
    Figure(
        "projects.paid",
        _("Paid"),
        MONEY,
        numerator=_("payments from the funds in the period"),
        counted_from=_("the spending ledger's payment line"),
        rows=lambda scope: figures.paid_entries(scope.communities, scope.start, scope.end),
        columns=ENTRY_COLUMNS,
    ),
    Figure(
        "projects.by_phase",
        _("Projects by phase"),
        LIST,
        numerator=_("projects proposed in the period, by their phase now (value: all of them)"),
        counted_from=PROPOSED,
        rows=lambda scope: figures.proposed(scope.communities, scope.start, scope.end),
        columns=PROJECT_COLUMNS,
    ),
    Figure(
        "projects.micro_renovations",
        _("Micro-renovations"),
        COUNT,
        numerator=_(
            "micro-renovation projects proposed in the period and chosen (selected, "
            "in execution, accepted or closed), by compound"
        ),
        counted_from=PROPOSED,
        rows=lambda scope: figures.micro_renovations(scope.communities, scope.start, scope.end),
        columns=(*PROJECT_COLUMNS[:2], (_("Compound"), "compound.name"), *PROJECT_COLUMNS[2:]),
    ),
    Figure(
        "projects.micro_compounds",
        _("Compounds with micro-renovations"),
        COUNT,
        numerator=_("compounds with at least one of those micro-renovations"),
        counted_from=PROPOSED,
        rows=lambda scope: figures.micro_compounds(scope.communities, scope.start, scope.end),
        columns=((_("Compound"), "name"), (_("Community"), "parent.name")),
    ),
)


def compute(scope: Scope) -> dict[str, Value]:
    f = figures.compute(communities=scope.communities, start=scope.start, end=scope.end)
    return {
        "projects.fund_amount": Value(f.fund_amount),
        "projects.committed": Value(f.committed),
        "projects.paid": Value(f.paid),
        "projects.by_phase": Value(
            f.projects, items=[[str(Phase(p).label), n] for p, n in f.by_phase]
        ),
        "projects.micro_renovations": Value(
            f.micro_renovations, items=[[name, n] for name, n in f.micro_by_compound]
        ),
        "projects.micro_compounds": Value(f.micro_compounds),
    }


PANEL = register(Panel("projects", _("Projects"), 40, figures=FIGURES, compute=compute))
