"""The yearly evaluation (评议) of partner units and in-service party members: the indicators an
item may be computed from, the schemes' defaults, and how scores, totals, grades and the ranking
are worked out. The writes (setting up a scheme, computing, scoring, sending the results) are
`services/evaluations.py`.

A scheme's item is {"key", "label", "weight", "source", "target"}. `source` is "manual" (a score
0–100 staff enter, e.g. the residents' rating or the community's 评议) or an indicator below,
counted from the records for the scheme's year in the scheme's area and below:

- a count (meetings, activities, needs delivered, hours, posts done) scores
  min(100, count ÷ target × 100), `target` being the count that earns full marks;
- a rate (commitments met on time) scores the rate itself; with nothing due in the year it
  scores 100 (nothing was missed).

The total is Σ score × weight ÷ 100 (the weights sum to 100), rounded to 2 places; the grade is
the first grade (from the best down) whose lowest score the total reaches.

**Ranking and ties.** By total, highest first. Equal totals are ordered by the items' scores,
the heaviest item first (items of equal weight in the scheme's order); subjects equal on every
item share a rank and are listed by name.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from genxi.cobuilding.models import (
    Agreement,
    AgreementParty,
    AgreementStatus,
    ClaimStatus,
    Delivery,
    DueItem,
    Evaluation,
    EvaluationScheme,
    MemberRegistration,
    PostClaim,
    RegistrationStatus,
    ServiceHours,
    Side,
    Subject,
    UnitRegistration,
)
from genxi.core.paths import path_range_q
from genxi.places.models import Partner

MANUAL = "manual"
COUNT, RATE = "count", "rate"


@dataclass(frozen=True)
class Indicator:
    label: Any
    kind: str  # COUNT or RATE
    subjects: tuple[str, ...]
    unit: Any = ""


INDICATORS: dict[str, Indicator] = {
    "meetings": Indicator(_("Joint meetings held"), COUNT, (Subject.UNIT,), _("meetings")),
    "activities": Indicator(
        _("Activities run with the community"), COUNT, (Subject.UNIT,), _("activities")
    ),
    "on_time": Indicator(_("Commitments met on time"), RATE, (Subject.UNIT,), "%"),
    "needs": Indicator(_("Needs claimed and delivered"), COUNT, (Subject.UNIT,), _("needs")),
    "hours": Indicator(
        _("Member volunteer hours"), COUNT, (Subject.UNIT, Subject.MEMBER), _("hours")
    ),
    "posts": Indicator(
        _("Registered posts and tasks done"), COUNT, (Subject.UNIT, Subject.MEMBER), _("posts")
    ),
}


def default_items(subject: str) -> list[dict[str, Any]]:
    """A scheme's starting items (staff change them): the issue's examples."""
    if subject == Subject.UNIT:
        return [
            {"key": "meetings", "label": str(_("Joint meetings held")), "weight": 15,
             "source": "meetings", "target": 4},
            {"key": "activities", "label": str(_("Activities run with the community")),
             "weight": 15, "source": "activities", "target": 6},
            {"key": "on_time", "label": str(_("Commitments met on time")), "weight": 20,
             "source": "on_time", "target": None},
            {"key": "needs", "label": str(_("Needs claimed and delivered")), "weight": 20,
             "source": "needs", "target": 5},
            {"key": "rating", "label": str(_("Residents' rating")), "weight": 30,
             "source": MANUAL, "target": None},
        ]  # fmt: skip
    return [
        {"key": "hours", "label": str(_("Member volunteer hours")), "weight": 40,
         "source": "hours", "target": 24},
        {"key": "posts", "label": str(_("Registered posts and tasks done")), "weight": 20,
         "source": "posts", "target": 4},
        {"key": "review", "label": str(_("The community's review (评议)")), "weight": 40,
         "source": MANUAL, "target": None},
    ]  # fmt: skip


DEFAULT_GRADES: list[list[Any]] = [["优秀", 90], ["良好", 80], ["合格", 60], ["不合格", 0]]


def year_bounds(year: int) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(date(year, 1, 1), time.min, tzinfo=tz),
        datetime.combine(date(year + 1, 1, 1), time.min, tzinfo=tz),
    )


def subjects(scheme: EvaluationScheme) -> list[Any]:
    """Who the scheme evaluates: the units registered (单位报到, confirmed) with a community in
    its area or party to an agreement there that was in force in the year (signed, its dates
    overlapping the year, not ended before it); the confirmed
    in-service members of its communities."""
    within = path_range_q("community__path", [scheme.area.path])
    if scheme.subject == Subject.MEMBER:
        return list(
            MemberRegistration.objects.filter(within, status=RegistrationStatus.CONFIRMED)
            .select_related("community", "partner")
            .order_by("name", "id")
        )
    registered = UnitRegistration.objects.filter(
        within, status=RegistrationStatus.CONFIRMED
    ).values("partner")
    bound = AgreementParty.objects.filter(
        agreement__in=Agreement.objects.filter(within, signed_on__isnull=False)
        .exclude(status=AgreementStatus.DRAFT)
        .filter(starts_on__lte=date(scheme.year, 12, 31), ends_on__gte=date(scheme.year, 1, 1))
        .exclude(ended_on__lt=date(scheme.year, 1, 1))
    ).values("partner")
    return list(
        Partner.objects.filter(Q(pk__in=registered) | Q(pk__in=bound)).order_by("name", "id")
    )


def _unit_counts(scheme: EvaluationScheme, ids: list[int]) -> dict[str, dict[int, Any]]:
    """Each unit indicator's raw value per partner id: one query each."""
    from genxi.activities.models import ActivityStatus, Session

    lo, hi = year_bounds(scheme.year)
    now = timezone.now()
    area = [scheme.area.path]
    out: dict[str, dict[int, Any]] = defaultdict(dict)
    agreements = Agreement.objects.filter(path_range_q("community__path", area))
    meetings = (
        AgreementParty.objects.filter(
            partner__in=ids,
            agreement__in=agreements,
            agreement__meetings__starts_at__gte=lo,
            agreement__meetings__starts_at__lt=min(hi, now),
        )
        .values("partner")
        .annotate(n=Count("agreement__meetings", distinct=True))
    )
    out["meetings"] = {r["partner"]: r["n"] for r in meetings}
    sessions = (
        Session.objects.filter(
            path_range_q("activity__owner__path", area),
            activity__partners__in=ids,
            ends_at__gte=lo,
            ends_at__lt=min(hi, now),
        )
        .exclude(activity__status__in=[ActivityStatus.DRAFT, ActivityStatus.CANCELLED])
        .values("activity__partners")
        .annotate(n=Count("activity", distinct=True))
    )
    out["activities"] = {r["activity__partners"]: r["n"] for r in sessions}
    # Items of the unit's side due in the year so far: its own, or the agreement's when the
    # commitment names no partner.
    tz = timezone.get_current_timezone()
    last = min(date(scheme.year, 12, 31), timezone.localdate())
    items = (
        DueItem.objects.filter(
            # Only signed agreements owe (one ended before signing owed nothing).
            commitment__agreement__in=agreements.filter(signed_on__isnull=False),
            commitment__owner_side=Side.PARTNER,
            due_on__gte=date(scheme.year, 1, 1),
            due_on__lte=last,
        )
        .alias(filed_on=TruncDate("filed_at", tzinfo=tz))
        .values("commitment__owner_partner", "commitment__agreement")
        .annotate(
            n=Count("pk"),
            ok=Count("pk", filter=Q(filed_at__isnull=False, filed_on__lte=F("due_on"))),
        )
        .order_by()
    )
    parties: dict[int, list[int]] = defaultdict(list)
    for agreement_id, partner_id in AgreementParty.objects.filter(
        agreement__in=agreements, partner__in=ids
    ).values_list("agreement_id", "partner_id"):
        parties[agreement_id].append(partner_id)
    due: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for r in items:
        owners = (
            [r["commitment__owner_partner"]]
            if r["commitment__owner_partner"]
            else parties[r["commitment__agreement"]]
        )
        for p in owners:
            due[p][0] += r["n"]
            due[p][1] += r["ok"]
    out["on_time"] = {p: (ok * 100 / n if n else None) for p, (n, ok) in due.items()}
    needs = (
        Delivery.objects.filter(
            path_range_q("claim__need__community__path", area),
            claim__partner__in=ids,
            delivered_on__year=scheme.year,
        )
        .values("claim__partner")
        .annotate(n=Count("pk"))
    )
    out["needs"] = {r["claim__partner"]: r["n"] for r in needs}
    members = MemberRegistration.objects.filter(path_range_q("community__path", area))
    hours = (
        ServiceHours.objects.filter(
            member__in=members, member__partner__in=ids, on__year=scheme.year
        )
        .values("member__partner")
        .annotate(n=Sum("hours"))
    )
    out["hours"] = {r["member__partner"]: r["n"] for r in hours}
    posts = (
        PostClaim.objects.filter(
            member__in=members,
            member__partner__in=ids,
            status=ClaimStatus.DONE,
            claimed_at__gte=lo,
            claimed_at__lt=hi,
        )
        .values("member__partner")
        .annotate(n=Count("pk"))
    )
    out["posts"] = {r["member__partner"]: r["n"] for r in posts}
    return out


def _member_counts(scheme: EvaluationScheme, ids: list[int]) -> dict[str, dict[int, Any]]:
    lo, hi = year_bounds(scheme.year)
    out: dict[str, dict[int, Any]] = defaultdict(dict)
    hours = (
        ServiceHours.objects.filter(member__in=ids, on__year=scheme.year)
        .values("member")
        .annotate(n=Sum("hours"))
    )
    out["hours"] = {r["member"]: r["n"] for r in hours}
    posts = (
        PostClaim.objects.filter(
            member__in=ids, status=ClaimStatus.DONE, claimed_at__gte=lo, claimed_at__lt=hi
        )
        .values("member")
        .annotate(n=Count("pk"))
    )
    out["posts"] = {r["member"]: r["n"] for r in posts}
    return out


def raw_values(scheme: EvaluationScheme, people: list[Any]) -> dict[str, dict[int, Any]]:
    ids = [p.pk for p in people]
    if not ids:
        return {}
    if scheme.subject == Subject.MEMBER:
        return _member_counts(scheme, ids)
    return _unit_counts(scheme, ids)


TWO = Decimal("0.01")


def score_of(item: dict[str, Any], raw: Any) -> Decimal:
    """A computed item's score 0–100 from its raw value (module docstring)."""
    indicator = INDICATORS[item["source"]]
    if indicator.kind == RATE:
        value = Decimal(100) if raw is None else Decimal(str(raw))
    else:
        target = Decimal(str(item.get("target") or 1))
        value = Decimal(str(raw or 0)) * 100 / target
    return min(Decimal(100), max(Decimal(0), value)).quantize(TWO, ROUND_HALF_UP)


def total_of(items: list[dict[str, Any]], scores: dict[str, Any]) -> Decimal:
    total = sum(
        (Decimal(str(scores.get(i["key"]) or 0)) * Decimal(str(i["weight"])) for i in items),
        Decimal(0),
    )
    return (total / 100).quantize(TWO, ROUND_HALF_UP)


def grade_of(grades: list[list[Any]], total: Decimal) -> str:
    for name, lowest in grades:
        if total >= Decimal(str(lowest)):
            return str(name)
    return str(grades[-1][0]) if grades else ""


def name_of(evaluation: Evaluation) -> str:
    subject = evaluation.partner or evaluation.member
    return subject.name if subject is not None else ""


@dataclass
class Ranked:
    rank: int
    evaluation: Evaluation


def ranking(scheme: EvaluationScheme, evaluations: list[Evaluation]) -> list[Ranked]:
    """The results in rank order, ties broken as the module docstring says."""
    order = sorted(
        range(len(scheme.items)), key=lambda n: (-Decimal(str(scheme.items[n]["weight"])), n)
    )
    keys = [scheme.items[n]["key"] for n in order]

    def key(e: Evaluation) -> tuple[Any, ...]:
        return (-e.total, *(-Decimal(str(e.scores.get(k) or 0)) for k in keys))

    ranked: list[Ranked] = []
    previous: tuple[Any, ...] | None = None
    for position, e in enumerate(sorted(evaluations, key=lambda e: (key(e), name_of(e))), 1):
        k = key(e)
        rank = ranked[-1].rank if k == previous else position
        ranked.append(Ranked(rank=rank, evaluation=e))
        previous = k
    return ranked
