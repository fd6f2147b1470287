"""Reads of funds, projects and votes: a fund's balance, a project's ledger and progress, a vote's
count, a ballot found by its receipt, and the Pabulib export. Nothing here writes; the services
(projects.services) read through these too, under their locks."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from genxi.core.money import money
from genxi.places.figures import day_bounds
from genxi.places.models import Area
from genxi.projects.models import (
    Ballot,
    BallotChoice,
    EntryKind,
    Fund,
    FundEntry,
    Phase,
    Project,
    Vote,
)

# ------------------------------------------------------------------ funds


@dataclass
class Balance:
    amount: Decimal
    reserve: Decimal
    committed: Decimal  # promised to chosen projects (commitments less releases)
    paid: Decimal
    bound: Decimal  # what is spoken for: for each project, the larger of committed and paid

    @property
    def free(self) -> Decimal:
        """What a vote may still give away: the amount less the reserve and what is bound."""
        return self.amount - self.reserve - self.bound


def ledger(fund: Fund) -> dict[int, tuple[Decimal, Decimal]]:
    """Per project of the fund: (committed, paid)."""
    sums: dict[int, dict[str, Decimal]] = {}
    for project, kind, total in (
        FundEntry.objects.filter(fund=fund)
        .values_list("project", "kind")
        .annotate(total=Sum("amount"))
        .values_list("project", "kind", "total")
    ):
        sums.setdefault(project, {})[kind] = total
    zero = Decimal(0)
    return {
        pk: (
            k.get(EntryKind.COMMITMENT, zero) - k.get(EntryKind.RELEASE, zero),
            k.get(EntryKind.PAYMENT, zero),
        )
        for pk, k in sums.items()
    }


def bound(entries: dict[int, tuple[Decimal, Decimal]]) -> Decimal:
    """What a fund's `ledger` speaks for: for each project, the larger of committed and paid."""
    return sum((max(c, p) for c, p in entries.values()), Decimal(0))


def balance(fund: Fund) -> Balance:
    entries = ledger(fund)
    return Balance(
        amount=fund.amount,
        reserve=fund.reserve,
        committed=sum((c for c, _p in entries.values()), Decimal(0)),
        paid=sum((p for _c, p in entries.values()), Decimal(0)),
        bound=bound(entries),
    )


# ------------------------------------------------------------------ projects


def ledger_of(project: Project) -> tuple[Decimal, Decimal]:
    """(committed, paid) for one project."""
    return ledger(project.fund).get(project.pk, (Decimal(0), Decimal(0)))


def progress(project: Project) -> int | None:
    """Milestones done, in percent (None without milestones)."""
    counts = project.milestones.aggregate(
        n=Count("pk"), done=Count("pk", filter=Q(done_on__isnull=False))
    )
    return round(100 * counts["done"] / counts["n"]) if counts["n"] else None


# ------------------------------------------------------------------ votes


def costs_of(vote: Vote) -> dict[int, Decimal]:
    """The candidates' costs as the vote opened with them (none before it opens)."""
    return {int(k): Decimal(v) for k, v in vote.frozen.get("costs", {}).items()}


def check_receipt(*, vote: Vote, receipt: str) -> list[str] | None:
    """The titles chosen on the ballot with this receipt, if it was counted in this vote."""
    ballot = Ballot.objects.filter(vote=vote, receipt=receipt.strip().upper()).first()
    if ballot is None:
        return None
    return list(
        BallotChoice.objects.filter(ballot=ballot)
        .order_by("project__title")
        .values_list("project__title", flat=True)
    )


@dataclass
class Line:
    project_id: int
    title: str
    cost: Decimal
    votes: int
    selected: bool
    reason: str


TIE_RULE = gettext_lazy(
    "More votes first; on equal votes, the cheaper project first (it leaves more for the "
    "others); on equal cost too, the one proposed first."
)


def tally(vote: Vote, budget: Decimal | None = None) -> list[Line]:
    """Each candidate's votes, in the order the winners are taken, and why each was or was not.

    Winners are taken by votes, adding each project that still fits what is left of the budget
    (TIE_RULE orders equal votes). Reads the costs and the budget frozen when the vote opened;
    `budget` may lower the latter (what is free when the vote closes).
    """
    costs = {int(k): Decimal(v) for k, v in vote.frozen["costs"].items()}
    titles = dict(Project.objects.filter(pk__in=costs).values_list("pk", "title"))
    votes = dict.fromkeys(costs, 0)
    for pk, weight in BallotChoice.objects.filter(ballot__vote=vote).values_list(
        "project_id", "ballot__weight"
    ):
        votes[pk] += weight
    order = sorted(costs, key=lambda pk: (-votes[pk], costs[pk], pk))
    left = Decimal(vote.frozen["budget"])
    if budget is not None:
        left = min(left, budget)
    lines = []
    for pk in order:
        if votes[pk] == 0:
            chosen, reason = False, _("No votes.")
        elif costs[pk] <= left:
            left -= costs[pk]
            chosen, reason = True, _("Fits: %(left)s yuan left after it.") % {"left": money(left)}
        else:
            chosen, reason = (
                False,
                _("Does not fit: it costs %(cost)s yuan, %(left)s yuan were left.")
                % {"cost": money(costs[pk]), "left": money(left)},
            )
        lines.append(Line(pk, titles.get(pk, ""), costs[pk], votes[pk], chosen, str(reason)))
    return lines


def pabulib(vote: Vote) -> str:
    """The closed vote in Pabulib's text format (pabulib.org), for participatory-budgeting
    tools: META, PROJECTS, VOTES sections, semicolon-separated. Voters are numbered, never named.
    """
    costs = costs_of(vote)
    lines = tally(vote) if vote.frozen else []
    selected = {int(x["project"]) for x in vote.result.get("lines", []) if x["selected"]}
    for o in vote.result.get("overrides", []):
        (selected.add if o["selected"] else selected.discard)(int(o["project"]))
    ballots = Ballot.objects.filter(vote=vote).order_by("receipt").prefetch_related("choices")
    out = [
        "META",
        "key;value",
        f"description;{_clean(vote.title)}",
        "country;China",
        f"unit;{_clean(vote.community.name if vote.community_id else '')}",
        f"instance;{vote.fund.year}",
        f"num_projects;{len(costs)}",
        f"num_votes;{vote.ballots.count()}",
        f"budget;{vote.frozen.get('budget', '')}",
        f"vote_type;{'approval'}",
        "rule;greedy",
        f"max_length;{vote.max_choices or len(costs)}",
        "PROJECTS",
        "project_id;cost;votes;name;selected",
    ]
    for line in sorted(lines, key=lambda x: x.project_id):
        out.append(
            f"{line.project_id};{line.cost:f};{line.votes};{_clean(line.title)};"
            f"{1 if line.project_id in selected else 0}"
        )
    out += ["VOTES", "voter_id;vote;weight"]
    for i, ballot in enumerate(ballots, start=1):
        chosen = ",".join(
            str(c.project_id) for c in sorted(ballot.choices.all(), key=lambda c: c.project_id)
        )
        out.append(f"{i};{chosen};{ballot.weight}")
    return "\n".join(out) + "\n"


# Control characters (\r, \n, tabs, …) and Unicode's line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def _clean(text: str) -> str:
    """One field of a Pabulib line: no separator, no control character, no line break."""
    return _CONTROL.sub(" ", text.replace(";", "，")).strip()


# ------------------------------------------------------------------ the dashboards' figures
# The one definition of each figure of the projects' panel (docs/figures.md): the dashboards,
# the monthly report and the simulation's check call these. Each counts the funds, spending
# and projects of the given communities; a period is whole local days, both ends included.

# The phases of a project that was chosen (by a vote, or against its count): it is being built.
CHOSEN = (Phase.SELECTED, Phase.EXECUTION, Phase.ACCEPTED, Phase.CLOSED)


def funds_of(communities: Sequence[int], year: int) -> QuerySet[Fund]:
    """The communities' service funds of the year."""
    return Fund.objects.filter(community__in=communities, year=year)


def entries_in(
    communities: Sequence[int], start: date, end: date, kinds: Sequence[str]
) -> QuerySet[FundEntry]:
    """The lines of the communities' spending ledgers of these kinds written in the period."""
    lo, hi = day_bounds(start, end)
    return FundEntry.objects.filter(
        fund__community__in=communities, kind__in=kinds, at__gte=lo, at__lt=hi
    )


def committed_entries(communities: Sequence[int], start: date, end: date) -> QuerySet[FundEntry]:
    return entries_in(communities, start, end, [EntryKind.COMMITMENT, EntryKind.RELEASE])


def paid_entries(communities: Sequence[int], start: date, end: date) -> QuerySet[FundEntry]:
    return entries_in(communities, start, end, [EntryKind.PAYMENT])


def proposed(communities: Sequence[int], start: date, end: date) -> QuerySet[Project]:
    """The communities' projects proposed (drafted) in the period."""
    lo, hi = day_bounds(start, end)
    return Project.objects.filter(community__in=communities, created_at__gte=lo, created_at__lt=hi)


def micro_renovations(communities: Sequence[int], start: date, end: date) -> QuerySet[Project]:
    """Micro-renovations (微改造) proposed in the period and chosen: being built or built."""
    return proposed(communities, start, end).filter(micro_renovation=True, phase__in=CHOSEN)


def micro_compounds(communities: Sequence[int], start: date, end: date) -> QuerySet[Area]:
    """The compounds with at least one of those micro-renovations."""
    chosen = micro_renovations(communities, start, end).values("compound")
    return Area.objects.filter(pk__in=chosen)


@dataclass
class ProjectFigures:
    fund_amount: Decimal  # the funds of the period's end year, summed
    committed: Decimal  # commitments less releases written in the period
    paid: Decimal  # payments written in the period
    projects: int  # projects proposed in the period
    by_phase: list[tuple[str, int]]  # (phase, count) of those, in the phases' order
    micro_renovations: int
    micro_by_compound: list[tuple[str, int]]  # (compound's name, count), most first
    micro_compounds: int  # compounds with at least one


def compute(*, communities: Sequence[int], start: date, end: date) -> ProjectFigures:
    """Four grouped queries, whatever the number of funds, entries and projects."""
    zero = Decimal("0.00")
    amount = funds_of(communities, end.year).aggregate(t=Sum("amount"))["t"] or zero
    sums = dict(
        entries_in(
            communities, start, end, [EntryKind.COMMITMENT, EntryKind.RELEASE, EntryKind.PAYMENT]
        )
        .order_by()
        .values_list("kind")
        .annotate(t=Sum("amount"))
    )
    phases = dict(
        proposed(communities, start, end).order_by().values_list("phase").annotate(n=Count("pk"))
    )
    by_compound = (
        micro_renovations(communities, start, end)
        .order_by()
        .values_list("compound", "compound__name")
        .annotate(n=Count("pk"))
    )
    micro = sorted(((name or "", n) for _pk, name, n in by_compound), key=lambda x: (-x[1], x[0]))
    cent = Decimal("0.01")
    committed = sums.get(EntryKind.COMMITMENT, zero) - sums.get(EntryKind.RELEASE, zero)
    return ProjectFigures(
        fund_amount=Decimal(amount).quantize(cent),
        committed=Decimal(committed).quantize(cent),
        paid=Decimal(sums.get(EntryKind.PAYMENT, zero)).quantize(cent),
        projects=sum(phases.values()),
        by_phase=[(p, phases[p]) for p in Phase.values if phases.get(p)],
        micro_renovations=sum(n for _name, n in micro),
        micro_by_compound=micro,
        micro_compounds=len(micro),
    )
