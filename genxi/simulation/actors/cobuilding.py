"""The simulation's co-building: agreements signed with partner units, the commitments' due items
filed on time, late or not at all, and resources delivered against the communities' needs,
through `genxi.cobuilding.services` as the pages call them (and `cobuilding.schedule.materialise`,
what the morning command `cobuilding_due` runs, for the simulation's own agreements).

- setup: each community gets agreements (about one per community, times the scale) with the
  street's partner units (created through `places.services` when the street has too few), each
  to be signed on a day of the first two months, and needs to be met after it is signed.
- on the signing day: `create_agreement` (starting that day, for two years), its commitments — a
  monthly report of the partner's due five days after each month, a quarterly joint activity of
  ours due ten days after each quarter, and the partner's one-off facility — and
  `activate_agreement` (signed that day).
- every day: the agreements' items are made as their periods start; an item whose period has
  ended is given its fate — filed on a day up to its due day (70 %), filed one to fifteen days
  late (20 %), or never (10 %) — and filed (`file_item`) on that day. On an item's due day the
  ledger gets its entry for the on-time rate.
- needs: the community records a need (`create_need`), the partner claims it (`claim_need`, with
  one of its resources three times in four) and delivers (`record_delivery`, dated that day).

Ledger keys:

- cobuilding.agreements — a stock: +1 on the day an agreement is signed (= its first day). No
  agreement ends or expires within the simulated year (they run two years), so "in force on a
  day of the period" is "signed by the period's end": the check must sum this key from the
  beginning to the period's end, not over the period alone.
- cobuilding.on_time_rate — per due item of a signed agreement, on its due day: numerator 1 when
  it was filed on or before that day, denominator 1.
- cobuilding.resources_delivered — 1 per delivery of a claim made with a resource, on the
  delivery's date, for the need's community.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from genxi.cobuilding import schedule
from genxi.cobuilding.models import (
    Agreement,
    Cadence,
    Claim,
    CommitmentKind,
    DueItem,
    Need,
    Resource,
    ResourceKind,
    Side,
)
from genxi.cobuilding.services import agreements as deals
from genxi.cobuilding.services import lists
from genxi.places import services as places
from genxi.places.models import Area, Partner, PartnerKind
from genxi.simulation.world import World

NAME = "cobuilding"

UNITS = [
    ("供电服务中心", PartnerKind.DEPARTMENT),
    ("人民医院", PartnerKind.HOSPITAL),
    ("律师事务所", PartnerKind.LAW_FIRM),
    ("物业服务有限公司", PartnerKind.PROPERTY),
    ("实验小学", PartnerKind.SCHOOL),
    ("农商银行支行", PartnerKind.COMPANY),
]
NEEDS = [
    "老年助餐志愿服务",
    "楼道杂物清理",
    "义诊进小区",
    "儿童托管场地",
    "法律咨询进社区",
    "旧衣回收",
]


@dataclass
class AgreementPlan:
    community: Area
    partner: Partner
    sign_on: date
    agreement: Agreement | None = None
    resource: Resource | None = None


@dataclass
class NeedPlan:
    deal: AgreementPlan
    title: str
    record_on: date
    claim_on: date
    deliver_on: date
    with_resource: bool
    number: int = 0
    need: Need | None = None
    claim: Claim | None = None


@dataclass
class State:
    deals: list[AgreementPlan] = field(default_factory=list)
    needs: list[NeedPlan] = field(default_factory=list)
    filing_day: dict[int, date | None] = field(default_factory=dict)  # item id -> its fate
    filed: set[int] = field(default_factory=set)


def _staff(world: World, community: Area) -> Any:
    return world.community_staff.get(community.pk) or world.street_staff


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


def street_partners(world: World, count: int) -> list[Partner]:
    """At least `count` active partner units registered with the street or its communities,
    created through `places.services` when there are fewer."""
    partners = list(
        Partner.objects.filter(area__path__startswith=world.street.path, is_active=True).order_by(
            "pk"
        )
    )
    n = 0
    while len(partners) < count:
        label, kind = UNITS[n % len(UNITS)]
        name = f"{world.street.name.removesuffix('街道')}{label}" + (
            f"{n // len(UNITS) + 1}" if n >= len(UNITS) else ""
        )
        n += 1
        if Partner.objects.filter(name=name).exists():
            continue
        partners.append(places.create_partner(actor=None, name=name, kind=kind, area=world.street))
    return partners


def setup(world: World) -> None:
    rng = world.rng
    today = timezone.localdate()
    end = last_day(world)
    state = State()
    world.extra[NAME] = state
    per_community = max(1, round(world.scale))
    partners = street_partners(world, min(len(UNITS), per_community * len(world.communities)))
    n = 0
    for community in world.communities:
        for _i in range(per_community):
            partner = partners[n % len(partners)]
            n += 1
            sign_on = today + timedelta(days=rng.randint(0, min(45, (end - today).days // 3)))
            if sign_on >= end:
                continue
            span = (end - sign_on).days
            deal = AgreementPlan(community, partner, sign_on)
            state.deals.append(deal)
            for _k in range(max(1, round(4 * world.scale))):
                record_on = sign_on + timedelta(days=rng.randint(1, max(1, span * 3 // 4)))
                claim_on = record_on + timedelta(days=rng.randint(0, 5))
                state.needs.append(
                    NeedPlan(
                        deal,
                        rng.choice(NEEDS),
                        record_on,
                        claim_on,
                        claim_on + timedelta(days=rng.randint(1, 15)),
                        rng.random() < 0.75,
                        len(state.needs) + 1,
                    )
                )


def on_day(world: World, day: date) -> None:
    state: State | None = world.extra.get(NAME)
    if state is None:
        return
    for deal in state.deals:
        if deal.sign_on == day:
            _sign(world, deal, day)
    signed = [d.agreement for d in state.deals if d.agreement is not None]
    if not signed:
        return
    if day.day == 1:  # a month's, a quarter's or a year's period starts (signing made the first)
        for agreement in signed:
            schedule.materialise(agreement, day)
    _file(world, state, signed, day)
    for plan in state.needs:
        _need(world, plan, day)


def _sign(world: World, deal: AgreementPlan, day: date) -> None:
    rng = world.rng
    staff = _staff(world, deal.community)
    agreement = deals.create_agreement(
        actor=staff,
        title=f"{deal.community.name}与{deal.partner.name}结对共建协议",
        community=deal.community,
        starts_on=day,
        ends_on=day + timedelta(days=729),
        parties=[deals.PartySpec(partner=deal.partner, liaison_name="联络员")],
        summary="联学共建，资源共享，为居民办实事。",
    )
    deals.add_commitment(
        actor=staff,
        agreement=agreement,
        title="每月共建工作报告",
        kind=CommitmentKind.REPORT,
        cadence=Cadence.MONTHLY,
        owner_side=Side.PARTNER,
        due_after_days=5,
    )
    deals.add_commitment(
        actor=staff,
        agreement=agreement,
        title="联合开展主题党日",
        kind=CommitmentKind.ACTIVITY,
        cadence=Cadence.QUARTERLY,
        owner_side=Side.COMMUNITY,
        due_after_days=10,
    )
    deals.add_commitment(
        actor=staff,
        agreement=agreement,
        title="建成便民服务点",
        kind=CommitmentKind.FACILITY,
        cadence=Cadence.ONCE,
        owner_side=Side.PARTNER,
        due_on=day + timedelta(days=rng.randint(30, 120)),
    )
    deal.agreement = deals.activate_agreement(actor=staff, agreement=agreement, signed_on=day)
    made(world, "agreements")
    world.ledger.add("cobuilding.agreements", deal.community.pk, day)
    deal.resource = lists.create_resource(
        actor=None,
        partner=deal.partner,
        kind=ResourceKind.SERVICE,
        title=f"{deal.partner.name}志愿服务",
        area=deal.community,
    )


def _file(world: World, state: State, agreements: list[Agreement], day: date) -> None:
    rng = world.rng
    items = DueItem.objects.filter(commitment__agreement__in=agreements).select_related(
        "commitment__agreement__community"
    )
    # Each item whose period has ended is given its fate the first day it is seen.
    for item in items.filter(filed_at=None, period_end__lte=day).order_by("pk"):
        if item.pk in state.filing_day:
            continue
        fate = rng.random()
        if fate < 0.7:
            first = max(day, item.period_end)
            when: date | None = first + timedelta(
                days=rng.randint(0, max(0, (item.due_on - first).days))
            )
        elif fate < 0.9:
            when = max(day, item.due_on + timedelta(days=rng.randint(1, 15)))
        else:
            when = None
        state.filing_day[item.pk] = when
    for item in items.filter(pk__in=[pk for pk, d in state.filing_day.items() if d == day]):
        community = item.commitment.agreement.community
        deals.file_item(
            actor=_staff(world, community)
            if item.commitment.owner_side == Side.COMMUNITY
            else None,
            item=item,
            text=f"{item.commitment.title}：{item.period_start:%Y-%m-%d}至{item.period_end:%m-%d}已完成。",
        )
        state.filed.add(item.pk)
        made(world, "due items filed")
    _due(world, state, agreements, day)


def _due(world: World, state: State, agreements: list[Agreement], day: date) -> None:
    """The on-time rate's entries of the items due `day`: filed by now or not."""
    for pk, community_id in DueItem.objects.filter(
        commitment__agreement__in=agreements, due_on=day
    ).values_list("pk", "commitment__agreement__community_id"):
        world.ledger.add("cobuilding.on_time_rate", community_id, day, int(pk in state.filed), 1)


def finish(world: World, day: date) -> None:
    """The day after the last: the check reads it as today, and counts the items due today
    as due (none filed yet this morning)."""
    state: State | None = world.extra.get(NAME)
    if state is None:
        return
    signed = [d.agreement for d in state.deals if d.agreement is not None]
    if signed:
        if day.day == 1:
            for agreement in signed:
                schedule.materialise(agreement, day)
        _due(world, state, signed, day)


def _need(world: World, plan: NeedPlan, day: date) -> None:
    community = plan.deal.community
    if plan.record_on == day:
        plan.need = lists.create_need(
            actor=_staff(world, community),
            community=community,
            title=f"{plan.title}（{day:%m月%d日}第{plan.number}号）",
            description=f"{community.name}需要{plan.title}。",
        )
    if plan.claim_on == day and plan.need is not None:
        plan.claim = lists.claim_need(
            actor=None,
            need=plan.need,
            partner=plan.deal.partner,
            resource=plan.deal.resource if plan.with_resource else None,
        )
    if plan.deliver_on == day and plan.claim is not None:
        lists.record_delivery(
            actor=None,
            claim=plan.claim,
            what=f"{plan.deal.partner.name}完成{plan.title}。",
            delivered_on=day,
        )
        made(world, "deliveries")
        if plan.with_resource:
            world.ledger.add("cobuilding.resources_delivered", community.pk, day)
