"""The simulation's service funds, votes and projects, with micro-renovations (微改造) across the
street's compounds, through `genxi.projects.services` as the pages call them.

The year of each community:

- setup (the first simulated day): the community's service fund for the year (`create_fund`),
  and the plan: a day in the first weeks when the candidates are proposed — ordinary service
  projects and the micro-renovations of the community's compounds, every micro-renovation of a
  compound proposed on the same day — and the representatives' vote on them.
- the vote (`create_vote`, `add_electors`, `open_vote`) opens the day the candidates are
  proposed; the representatives' paper ballots are entered over the next days (`cast_ballot`);
  it closes (`close_vote`) a week or two later. The actor decides the winners beforehand: the
  ballots choose only among them (every micro-renovation and some ordinary projects, within the
  fund's free money), so the count selects exactly those and commits their costs; the rest get
  no vote and are not selected.
- each chosen project starts (`move_project` to execution, with its implementer) some days
  after the vote, gets its milestones, a first payment (`record_payment`, 30–50 % of its cost, to
  the cent), finishes its milestones, is paid the rest and accepted (`accept_project`) when its
  work ends, if that falls within the simulation; some accepted ones are closed.

Ledger keys, dated as the projects' figures (`projects.figures`, the dashboards' definitions)
date them:

- projects.fund_amount — the fund's amount, dated 1 January of its year. The figure is "the
  funds of the period's year", not an event of a day: the check must read this key as a stock
  (summed from the beginning to the period's end), which is exact for a simulated year;
- projects.committed — each chosen project's cost on the day the vote closed (the commitment's
  `FundEntry.at`); no commitment is released;
- projects.paid — each payment's amount on the day it was paid (to the cent);
- projects.by_phase — 1 per project on the day it was proposed (the figure's value is the
  projects proposed in the period, whatever their phase);
- projects.micro_renovations — 1 per micro-renovation proposed in the period and chosen: written
  when the vote closes (every micro-renovation is among the winners), dated the day it was
  proposed;
- projects.micro_compounds — 1 per compound, the same way (all of a community's candidates are
  proposed on one day, so the distinct count adds up over any days).

With `world.extra["targets"]` holding "projects.micro_renovations" and
"projects.micro_compounds" (the seeds: 48 in 19 compounds), exactly those are made, compounds
being added to the street's communities (`places.services.create_area`) when it has fewer.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone

from genxi.places import services as places
from genxi.places.models import Area, AreaKind, Partner, PartnerKind
from genxi.projects import services
from genxi.projects.models import Channel, Fund, Method, Project
from genxi.simulation.world import World

NAME = "projects"
CENT = Decimal("0.01")

ORDINARY = [
    "楼道照明改造",
    "非机动车棚",
    "口袋公园",
    "健身角适老化改造",
    "长廊遮阳棚",
    "楼道扶手加装",
    "便民晾衣架",
    "垃圾分类亭",
]
MICRO = ["雨污管网修缮", "楼道粉刷", "单元门禁更新", "绿化补种", "路面修补", "休闲座椅增设"]
ELECTORS = [
    "陈建国", "王秀英", "张志强", "李桂芳", "刘德明", "杨玉珍", "黄卫东", "赵美华",
    "周国平", "吴小红", "徐金根", "孙丽娟", "朱永福", "马桂兰", "胡建新",
]  # fmt: skip


@dataclass
class Candidate:
    title: str
    cost: Decimal
    compound: Area | None = None  # a micro-renovation's compound
    chosen: bool = False
    project: Project | None = None


@dataclass
class CommunityPlan:
    community: Area
    fund: Fund
    propose_on: date
    close_on: date
    candidates: list[Candidate] = field(default_factory=list)
    vote: Any = None
    electors: list[Any] = field(default_factory=list)
    ballots: dict[date, list[int]] = field(default_factory=dict)  # day -> elector positions


@dataclass
class Step:
    kind: str  # "start", "milestone", "finish", "close"
    plan: CommunityPlan
    candidate: Candidate
    payload: Any = None


@dataclass
class State:
    plans: list[CommunityPlan] = field(default_factory=list)
    steps: dict[date, list[Step]] = field(default_factory=dict)
    implementers: list[Partner] = field(default_factory=list)
    last_day: date = date.max


def last_day(world: World) -> date:
    """The simulation's last day: the engine's `world.end` (or `extra["last_day"]`), else the
    year's last."""
    value = getattr(world, "end", None) or world.extra.get("last_day")
    return value if isinstance(value, date) else date(world.year, 12, 31)


def made(world: World, kind: str, n: int = 1) -> None:
    """Count records made, for the engine's summary (when the world keeps one)."""
    counts = getattr(world, "counts", None)
    if counts is not None:
        counts[kind] += n


def _staff(world: World, community: Area) -> Any:
    return world.community_staff.get(community.pk) or world.street_staff


def _yuan(world: World, low: int, high: int) -> Decimal:
    """An amount in yuan with cents."""
    return (Decimal(world.rng.randint(low * 100, high * 100)) / 100).quantize(CENT)


def _compounds(world: World) -> dict[int, list[Area]]:
    """The street's compounds by community; with the seeds' targets, as many as they need."""
    targets = world.extra.get("targets", {})
    need = int(targets.get("projects.micro_compounds", 0))
    compounds = list(world.compounds) or list(
        Area.objects.filter(path__startswith=world.street.path, kind=AreaKind.COMPOUND).order_by(
            "path"
        )
    )
    n = 0
    while len(compounds) < need:
        community = world.communities[n % len(world.communities)]
        n += 1
        name = f"{community.name.removesuffix('社区')}新苑{n}区"
        existing = Area.objects.filter(parent=community, kind=AreaKind.COMPOUND, name=name).first()
        compounds.append(
            existing
            or places.create_area(actor=None, kind=AreaKind.COMPOUND, name=name, parent=community)
        )
    by_community: dict[int, list[Area]] = {}
    for compound in compounds:
        by_community.setdefault(compound.parent_id or 0, []).append(compound)
    return by_community


def _micro_plan(world: World, by_community: dict[int, list[Area]]) -> dict[int, int]:
    """How many micro-renovations each compound gets (by compound id)."""
    rng = world.rng
    targets = world.extra.get("targets", {})
    compounds = [
        c
        for cs in by_community.values()
        for c in cs
        if c.parent_id in {x.pk for x in world.communities}
    ]
    if "projects.micro_renovations" in targets:
        wanted = int(targets["projects.micro_renovations"])
        used = compounds[: int(targets.get("projects.micro_compounds", len(compounds)))]
        counts = {c.pk: 1 for c in used}
        for _i in range(wanted - len(used)):
            counts[rng.choice(used).pk] += 1
        return counts
    counts = {}
    for compound in compounds:
        if rng.random() < 0.6:
            counts[compound.pk] = max(1, round(rng.randint(1, 3) * world.scale))
    return counts


def _implementers(world: World) -> list[Partner]:
    found = list(
        Partner.objects.filter(area__path__startswith=world.street.path, is_active=True).order_by(
            "pk"
        )[:3]
    )
    if found:
        return found
    name = f"{world.street.name}市政园林建设有限公司"
    partner = Partner.objects.filter(name=name).first() or places.create_partner(
        actor=None, name=name, kind=PartnerKind.COMPANY, area=world.street
    )
    return [partner]


def _make_micro_renovation(
    world: World, compound: Area, *, staff: Any, fund: Fund, title: str, cost: Decimal
) -> Project:
    """Propose a micro-renovation (微改造) of `compound`.

    The projects app is gaining a way to mark a project as a micro-renovation and its compound
    (helper "pa"); until it lands this passes whichever of the likely arguments
    `propose_project` takes (`compound`, and a flag `micro_renovation` / `is_micro_renovation` /
    `micro`, or `kind="micro_renovation"`), and otherwise only names the compound in the title.
    """
    params = inspect.signature(services.propose_project).parameters
    extra: dict[str, Any] = {}
    if "compound" in params:
        extra["compound"] = compound
    for flag in ("micro_renovation", "is_micro_renovation", "is_micro", "micro"):
        if flag in params:
            extra[flag] = True
            break
    else:
        if "kind" in params:
            extra["kind"] = "micro_renovation"
    return services.propose_project(
        actor=staff,
        fund=fund,
        title=f"{compound.name}{title}（微改造）",
        cost=cost,
        description=f"{compound.name}微改造：{title}。",
        **extra,
    )


def setup(world: World) -> None:
    rng = world.rng
    today = timezone.localdate()
    state = State(implementers=_implementers(world), last_day=last_day(world))
    world.extra[NAME] = state
    by_community = _compounds(world)
    micro = _micro_plan(world, by_community)
    for community in world.communities:
        staff = _staff(world, community)
        fund = Fund.objects.filter(community=community, year=world.year).first()
        if fund is not None:
            continue  # the community has its fund for the year already: left as it is
        micro_candidates = [
            Candidate(rng.choice(MICRO), _yuan(world, 8000, 40000), compound=compound)
            for compound in by_community.get(community.pk, [])
            for _n in range(micro.get(compound.pk, 0))
        ]
        ordinary = [
            Candidate(title, _yuan(world, 30000, 150000))
            for title in rng.sample(ORDINARY, min(len(ORDINARY), max(2, round(4 * world.scale))))
        ]
        micro_total = sum((c.cost for c in micro_candidates), Decimal(0))
        # The fund: enough for every micro-renovation and about half the ordinary projects.
        wanted = max(
            micro_total + sum((c.cost for c in ordinary), Decimal(0)) * Decimal("0.6"),
            max(c.cost for c in ordinary),
        )
        amount = (wanted / Decimal("0.9") / 10000).to_integral_value(ROUND_HALF_UP) * 10000 + 20000
        reserve = (amount / 10).quantize(CENT)
        fund = services.create_fund(
            actor=staff, community=community, year=world.year, amount=amount, reserve=reserve
        )
        made(world, "funds")
        world.ledger.add("projects.fund_amount", community.pk, date(world.year, 1, 1), amount)
        free = amount - reserve - micro_total
        for candidate in micro_candidates:
            candidate.chosen = True
        for candidate in ordinary:
            if candidate.cost <= free and rng.random() < 0.7:
                candidate.chosen = True
                free -= candidate.cost
        if not any(c.chosen for c in ordinary + micro_candidates):
            cheapest = min(ordinary, key=lambda c: c.cost)
            cheapest.chosen = True
        propose_on = today + timedelta(days=rng.randint(0, 20))
        plan = CommunityPlan(
            community=community,
            fund=fund,
            propose_on=propose_on,
            close_on=propose_on + timedelta(days=rng.randint(7, 14)),
            candidates=ordinary + micro_candidates,
        )
        state.plans.append(plan)


def on_day(world: World, day: date) -> None:
    state: State | None = world.extra.get(NAME)
    if state is None:
        return
    for plan in state.plans:
        if plan.propose_on == day:
            _propose(world, plan, day)
        for position in plan.ballots.pop(day, []):
            _ballot(world, plan, position)
        if plan.close_on == day and plan.vote is not None:
            _close(world, state, plan, day)
    for step in state.steps.pop(day, []):
        _step(world, state, step, day)


def _propose(world: World, plan: CommunityPlan, day: date) -> None:
    staff = _staff(world, plan.community)
    for candidate in plan.candidates:
        if candidate.compound is not None:
            candidate.project = _make_micro_renovation(
                world,
                candidate.compound,
                staff=staff,
                fund=plan.fund,
                title=candidate.title,
                cost=candidate.cost,
            )
        else:
            candidate.project = services.propose_project(
                actor=staff,
                fund=plan.fund,
                title=candidate.title,
                cost=candidate.cost,
                description=f"{plan.community.name}{candidate.title}。",
            )
        # The projects by phase: their total is the projects proposed in the period.
        world.ledger.add("projects.by_phase", plan.community.pk, day)
    projects = [c.project for c in plan.candidates if c.project is not None]
    made(world, "projects", len(projects))
    chosen = sum(1 for c in plan.candidates if c.chosen)
    plan.vote = services.create_vote(
        actor=staff,
        fund=plan.fund,
        title=f"{plan.community.name}{world.year}年为民服务项目票决",
        method=Method.APPROVAL,
        projects=projects,
        max_choices=chosen,
        quorum=len(ELECTORS) * 2 // 3,
    )
    plan.electors = services.add_electors(
        actor=staff,
        vote=plan.vote,
        electors=[
            (name, "party" if i < 6 else "resident", 1, None) for i, name in enumerate(ELECTORS)
        ],
    )
    services.open_vote(actor=staff, vote=plan.vote)
    # Every representative votes, on one of the days until the vote closes.
    days = (plan.close_on - day).days
    for position in range(len(plan.electors)):
        when = day + timedelta(days=world.rng.randrange(days))
        plan.ballots.setdefault(when, []).append(position)


def _ballot(world: World, plan: CommunityPlan, position: int) -> None:
    chosen = [c.project for c in plan.candidates if c.chosen and c.project is not None]
    picks = [p for p in chosen if world.rng.random() < 0.8] or chosen[:1]
    services.cast_ballot(
        actor=_staff(world, plan.community),
        vote=plan.vote,
        elector=plan.electors[position],
        projects=picks,
        channel=Channel.PAPER,
        paper_ref=f"{plan.community.pk}-{world.year}-{position + 1:03d}",
    )


def _close(world: World, state: State, plan: CommunityPlan, day: date) -> None:
    rng = world.rng
    vote = services.close_vote(actor=_staff(world, plan.community), vote=plan.vote)
    selected = {line["project"] for line in vote.result["lines"] if line["selected"]}
    decided = {c.project.pk for c in plan.candidates if c.chosen and c.project is not None}
    assert selected == decided, "the count chose other projects than the actor decided"
    compounds: set[int] = set()
    for candidate in plan.candidates:
        if not candidate.chosen:
            continue
        world.ledger.add("projects.committed", plan.community.pk, day, candidate.cost)
        if candidate.compound is not None:
            # A micro-renovation counts once chosen, dated the day it was proposed (all of the
            # community's candidates were proposed that day).
            world.ledger.add("projects.micro_renovations", plan.community.pk, plan.propose_on)
            if candidate.compound.pk not in compounds:
                compounds.add(candidate.compound.pk)
                world.ledger.add("projects.micro_compounds", plan.community.pk, plan.propose_on)
        start = day + timedelta(days=rng.randint(5, 30))
        state.steps.setdefault(start, []).append(Step("start", plan, candidate))


def _pay(
    world: World, plan: CommunityPlan, candidate: Candidate, amount: Decimal, day: date, note: str
) -> None:
    assert candidate.project is not None
    services.record_payment(
        actor=_staff(world, plan.community), project=candidate.project, amount=amount, note=note
    )
    made(world, "payments")
    world.ledger.add("projects.paid", plan.community.pk, day, amount)


def _step(world: World, state: State, step: Step, day: date) -> None:
    rng = world.rng
    plan, candidate = step.plan, step.candidate
    project = candidate.project
    assert project is not None
    staff = _staff(world, plan.community)
    if step.kind == "start":
        services.move_project(
            actor=staff, project=project, to="execution", implementer=rng.choice(state.implementers)
        )
        weeks = rng.randint(3, 16)
        milestones = []
        for n, title in enumerate(["进场施工", "主体完工"], start=1):
            due = day + timedelta(weeks=weeks * n // 2)
            milestones.append(
                services.add_milestone(actor=staff, project=project, title=title, due=due)
            )
            state.steps.setdefault(due, []).append(
                Step("milestone", plan, candidate, milestones[-1])
            )
        first = (candidate.cost * Decimal(rng.randint(30, 50)) / 100).quantize(CENT)
        _pay(world, plan, candidate, first, day, "首期")
        candidate_rest = candidate.cost - first
        finish = day + timedelta(weeks=weeks, days=rng.randint(1, 10))
        state.steps.setdefault(finish, []).append(Step("finish", plan, candidate, candidate_rest))
    elif step.kind == "milestone":
        services.finish_milestone(actor=staff, milestone=step.payload, on=day)
    elif step.kind == "finish":
        _pay(world, plan, candidate, step.payload, day, "尾款")
        answers = rng.randint(15, 40)
        unsatisfied = rng.randint(0, 2)
        basically = rng.randint(0, answers // 4)
        services.accept_project(
            actor=staff,
            project=project,
            accepted_on=day,
            satisfied=answers - basically - unsatisfied,
            basically=basically,
            unsatisfied=unsatisfied,
            note="党员群众代表现场验收。",
        )
        if rng.random() < 0.5:
            state.steps.setdefault(day + timedelta(days=rng.randint(3, 20)), []).append(
                Step("close", plan, candidate)
            )
    elif step.kind == "close":
        services.move_project(actor=staff, project=project, to="closed")
