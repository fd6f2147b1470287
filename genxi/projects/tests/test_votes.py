"""Funds, projects and votes: the rules, the count and the guards on ballots and money."""

import contextlib
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from genxi.conftest import World
from genxi.core.models import AuditEntry
from genxi.core.services import ServiceError
from genxi.demands import services as demands
from genxi.projects import figures, services
from genxi.projects.models import (
    PHASE_STEPS,
    PHASES,
    Ballot,
    Channel,
    Elector,
    EntryKind,
    Fund,
    FundEntry,
    Method,
    Participation,
    Phase,
    Project,
    Vote,
    VoteStatus,
)

D = Decimal


@pytest.fixture
def fund(world: World) -> Fund:
    return services.create_fund(
        actor=world["bob"],
        community=world.hetai,
        year=2026,
        amount=D("100000"),
        reserve=D("10000"),
        max_per_project=D("60000"),
    )


@pytest.fixture
def candidates(world: World, fund: Fund) -> dict[str, Project]:
    made = {}
    for title, cost in [("口袋公园", "50000"), ("楼道扶手", "30000"), ("休闲座椅", "20000")]:
        made[title] = services.propose_project(
            actor=world["bob"], fund=fund, title=title, cost=D(cost)
        )
    return made


def electorate(world: World, vote: Vote, n: int, *, weight: int = 1) -> list[Elector]:
    return services.add_electors(
        actor=world["bob"],
        vote=vote,
        electors=[(f"代表{i}", "resident", weight, None) for i in range(n)],
    )


def approval_vote(world: World, fund: Fund, candidates, **kw) -> Vote:
    return services.create_vote(
        actor=world["bob"],
        fund=fund,
        title="2026年为民服务项目票决",
        method=kw.pop("method", Method.APPROVAL),
        projects=list(candidates.values()),
        max_choices=kw.pop("max_choices", 2),
        **kw,
    )


def test_fund_rules_refuse_projects_that_break_them(world: World, fund: Fund) -> None:
    with pytest.raises(ServiceError, match=r"最多支付 60,000\.00 元"):
        services.propose_project(actor=None, fund=fund, title="大修", cost=D("70000"))
    with pytest.raises(ServiceError, match="大于 0"):
        services.propose_project(actor=None, fund=fund, title="无", cost=D("0"))
    lift = demands.create_category(actor=None, name="电梯维修")
    seats = demands.create_category(actor=None, name="休闲座椅")
    services.update_fund_rules(
        actor=world["bob"],
        fund=fund,
        amount=fund.amount,
        reserve=fund.reserve,
        max_per_project=fund.max_per_project,
        categories=[seats],
    )
    with pytest.raises(ServiceError) as refused:
        services.propose_project(actor=None, fund=fund, title="换电梯", cost=D("1"), category=lift)
    assert refused.value.field == "category"
    services.propose_project(actor=None, fund=fund, title="座椅", cost=D("1"), category=seats)
    with pytest.raises(ServiceError, match="已有"):
        services.create_fund(actor=None, community=world.hetai, year=2026, amount=D("1"))
    with pytest.raises(ServiceError, match="预留"):
        services.create_fund(
            actor=None, community=world.baoxiang, year=2026, amount=D("1"), reserve=D("2")
        )


def test_an_approval_vote_from_opening_to_the_chosen_projects(world, fund, candidates) -> None:
    vote = approval_vote(world, fund, candidates)
    with pytest.raises(ServiceError, match="选民"):
        services.open_vote(actor=world["bob"], vote=vote)
    electors = electorate(world, vote, 5)
    vote = services.open_vote(actor=world["bob"], vote=vote)
    assert vote.budget == D("90000")  # the amount less the reserve
    assert Fund.objects.get(pk=fund.pk).frozen_at is not None
    park, rails, seats = candidates["口袋公园"], candidates["楼道扶手"], candidates["休闲座椅"]
    assert set(Project.objects.values_list("phase", flat=True)) == {Phase.VOTING}

    # The rules and costs are frozen while the vote runs.
    with pytest.raises(ServiceError, match="不能再改"):
        services.update_fund_rules(
            actor=None, fund=fund, amount=D("1"), reserve=D("0"), max_per_project=None,
            categories=[],
        )  # fmt: skip
    with pytest.raises(ServiceError):
        services.update_project(actor=None, project=park, title="口袋公园", cost=D("1"))
    with pytest.raises(ServiceError, match="已固定"):
        electorate(world, vote, 1)

    for elector, chosen in zip(
        electors,
        [[park, rails], [park, seats], [park], [rails, seats], [rails]],
        strict=True,
    ):
        services.cast_ballot(actor=world["bob"], vote=vote, elector=elector, projects=chosen)
    vote = services.close_vote(actor=world["bob"], vote=vote)
    lines = {line["title"]: line for line in vote.result["lines"]}
    # 口袋公园 3 and 楼道扶手 3 tie; the cheaper first, then the park fits the 60,000 left.
    assert [line["title"] for line in vote.result["lines"]] == ["楼道扶手", "口袋公园", "休闲座椅"]
    assert (lines["楼道扶手"]["votes"], lines["口袋公园"]["votes"], lines["休闲座椅"]["votes"]) == (
        3,
        3,
        2,
    )
    assert lines["口袋公园"]["selected"] and lines["楼道扶手"]["selected"]
    assert not lines["休闲座椅"]["selected"]
    assert "放不下" in lines["休闲座椅"]["reason"] and "10,000.00" in lines["休闲座椅"]["reason"]
    phases = dict(Project.objects.values_list("title", "phase"))
    assert phases == {"口袋公园": "selected", "楼道扶手": "selected", "休闲座椅": "not_selected"}
    assert figures.balance(fund).committed == D("80000")
    assert figures.balance(fund).free == D("10000")

    # Staff may override, with a reason, within what is free.
    with pytest.raises(ServiceError, match="理由"):
        services.override_result(
            actor=world["bob"], vote=vote, project=seats, selected=True, reason=" "
        )
    with pytest.raises(ServiceError, match="不够"):
        services.override_result(
            actor=world["bob"], vote=vote, project=seats, selected=True, reason="居民强烈要求"
        )
    vote = services.override_result(
        actor=world["bob"], vote=vote, project=rails, selected=False, reason="区里另有资金"
    )
    assert figures.balance(fund).committed == D("50000")
    services.override_result(
        actor=world["bob"], vote=vote, project=seats, selected=True, reason="区里另有资金"
    )
    assert Project.objects.get(pk=seats.pk).phase == Phase.SELECTED
    assert [o["reason"] for o in Vote.objects.get(pk=vote.pk).result["overrides"]] == [
        "区里另有资金",
        "区里另有资金",
    ]


def test_every_bad_ballot_is_refused_and_records_nothing(world, fund, candidates) -> None:
    vote = approval_vote(world, fund, candidates, max_choices=2)
    first, second = electorate(world, vote, 2)
    park, rails, seats = candidates.values()
    with pytest.raises(ServiceError, match="没有开放"):
        services.cast_ballot(actor=None, vote=vote, elector=first, projects=[park])
    services.open_vote(actor=world["bob"], vote=vote)
    other_fund = services.create_fund(
        actor=None, community=world.baoxiang, year=2026, amount=D("50000")
    )
    elsewhere = services.create_vote(
        actor=None, fund=other_fund, title="宝祥票决", method=Method.APPROVAL, projects=[],
        max_choices=1,
    )  # fmt: skip
    stranger = electorate(world, elsewhere, 1)[0]
    outsider_project = services.propose_project(
        actor=None, fund=other_fund, title="宝祥凉亭", cost=D("1000")
    )
    refusals = [
        (stranger, [park], "不是本次票决的选民"),
        (first, [park, rails, seats], "最多选 2 个"),
        (first, [], "至少选择一个"),
        (first, [park, park], "只能选一次"),
        (first, [outsider_project], "只能在本次票决的项目中选择"),
    ]
    for elector, chosen, message in refusals:
        with pytest.raises(ServiceError, match=message):
            services.cast_ballot(actor=None, vote=vote, elector=elector, projects=chosen)
    with pytest.raises(ServiceError, match="纸质选票编号"):
        services.cast_ballot(
            actor=world["bob"], vote=vote, elector=first, projects=[park], channel=Channel.PAPER
        )
    assert not Participation.objects.exists() and not Ballot.objects.exists()

    services.cast_ballot(
        actor=world["bob"], vote=vote, elector=first, projects=[park], channel=Channel.PAPER,
        paper_ref="No.001",
    )  # fmt: skip
    with pytest.raises(ServiceError, match="已经投过票"):
        services.cast_ballot(actor=None, vote=vote, elector=first, projects=[rails])
    with pytest.raises(ServiceError, match=r"No\.001"):
        services.cast_ballot(
            actor=world["bob"], vote=vote, elector=second, projects=[rails],
            channel=Channel.PAPER, paper_ref="No.001",
        )  # fmt: skip
    services.close_vote(actor=world["bob"], vote=vote)
    with pytest.raises(ServiceError, match="没有开放"):
        services.cast_ballot(actor=None, vote=vote, elector=second, projects=[rails])
    assert Participation.objects.count() == Ballot.objects.count() == 1


def test_a_budget_vote_refuses_choices_over_the_budget(world, fund, candidates) -> None:
    vote = approval_vote(world, fund, candidates, method=Method.BUDGET, max_choices=None)
    (elector,) = electorate(world, vote, 1)
    services.open_vote(actor=world["bob"], vote=vote)
    with pytest.raises(ServiceError, match=r"100,000\.00.*90,000\.00"):
        services.cast_ballot(
            actor=None, vote=vote, elector=elector, projects=list(candidates.values())
        )
    services.cast_ballot(
        actor=None,
        vote=vote,
        elector=elector,
        projects=[candidates["口袋公园"], candidates["楼道扶手"]],
    )


def test_without_a_quorum_nothing_is_chosen(world, fund, candidates) -> None:
    vote = approval_vote(world, fund, candidates, quorum=3)
    electors = electorate(world, vote, 4)
    services.open_vote(actor=world["bob"], vote=vote)
    for elector in electors[:2]:
        services.cast_ballot(
            actor=None, vote=vote, elector=elector, projects=[candidates["口袋公园"]]
        )
    vote = services.close_vote(actor=world["bob"], vote=vote)
    assert vote.result["quorate"] is False and vote.result["turnout"] == 2
    assert not any(line["selected"] for line in vote.result["lines"])
    assert set(Project.objects.values_list("phase", flat=True)) == {Phase.DELIBERATION}
    assert not FundEntry.objects.exists()


def test_a_secret_ballot_is_found_by_its_receipt_and_by_nothing_else(
    world, fund, candidates
) -> None:
    vote = approval_vote(world, fund, candidates, secret=True)
    (elector,) = electorate(world, vote, 1, weight=2)
    services.open_vote(actor=world["bob"], vote=vote)
    cast = services.cast_ballot(
        actor=None, vote=vote, elector=elector, projects=[candidates["口袋公园"]]
    )
    ballot = Ballot.objects.get()
    assert ballot.elector is None and ballot.weight == 2
    assert not hasattr(ballot, "created_at")  # nothing orders ballots by time
    assert figures.check_receipt(vote=vote, receipt=cast.receipt.lower()) == ["口袋公园"]
    assert figures.check_receipt(vote=vote, receipt="NOPE") is None
    logged = AuditEntry.objects.get(action="vote.ballot").changes
    assert set(logged) == {"elector", "channel", "paper_ref"}  # who voted, never what they chose
    assert Participation.objects.get().elector == elector  # that they voted is known


def test_payments_never_spend_money_twice(world, fund, candidates) -> None:
    vote = approval_vote(world, fund, candidates)
    (elector,) = electorate(world, vote, 1)
    services.open_vote(actor=world["bob"], vote=vote)
    park = candidates["口袋公园"]
    services.cast_ballot(actor=None, vote=vote, elector=elector, projects=[park])
    services.close_vote(actor=world["bob"], vote=vote)
    with pytest.raises(ServiceError, match="没有入选"):
        services.record_payment(actor=None, project=candidates["楼道扶手"], amount=D("1"))
    services.record_payment(actor=world["bob"], project=park, amount=D("30000"), note="首期")
    with pytest.raises(ServiceError) as refused:
        services.record_payment(actor=world["bob"], project=park, amount=D("25000"))
    assert refused.value.field == "override_reason"
    services.record_payment(
        actor=world["bob"], project=park, amount=D("25000"), override_reason="地下管线改道"
    )
    assert figures.balance(fund).bound == D("55000")
    with pytest.raises(ServiceError, match=r"45,000\.00"):
        services.record_payment(
            actor=world["bob"], project=park, amount=D("45001"), override_reason="再加"
        )
    payments = FundEntry.objects.filter(kind=EntryKind.PAYMENT)
    assert sum(p.amount for p in payments) == D("55000")


def test_pabulib_export(world, fund, candidates) -> None:
    vote = approval_vote(world, fund, candidates)
    electors = electorate(world, vote, 2)
    services.open_vote(actor=world["bob"], vote=vote)
    park, rails, _seats = candidates.values()
    services.cast_ballot(actor=None, vote=vote, elector=electors[0], projects=[rails, park])
    services.cast_ballot(actor=None, vote=vote, elector=electors[1], projects=[park])
    vote = services.close_vote(actor=world["bob"], vote=vote)
    text = figures.pabulib(vote)
    meta, rest = text.split("PROJECTS\n")
    projects, votes = rest.split("VOTES\n")
    assert "num_projects;3" in meta and "num_votes;2" in meta and "budget;90000.00" in meta
    assert f"{park.pk};50000.00;2;口袋公园;1" in projects.splitlines()
    both = ",".join(str(pk) for pk in sorted([park.pk, rails.pk]))
    assert votes.splitlines()[0] == "voter_id;vote;weight"
    assert sorted(line.split(";", 1)[1] for line in votes.splitlines()[1:]) == sorted(
        [f"{both};1", f"{park.pk};1"]
    )


@pytest.mark.django_db(transaction=True)
def test_200_ballots_at_once_leave_one_per_elector_and_exact_totals(world: World) -> None:
    """Electors send their ballots at once, some twice or three times (a double tap, a retry)."""
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("an in-memory SQLite database cannot be shared between threads")
    fund = services.create_fund(actor=None, community=world.hetai, year=2026, amount=D("100000"))
    park = services.propose_project(actor=None, fund=fund, title="口袋公园", cost=D("50000"))
    rails = services.propose_project(actor=None, fund=fund, title="楼道扶手", cost=D("30000"))
    vote = services.create_vote(
        actor=None, fund=fund, title="票决", method=Method.APPROVAL, projects=[park, rails],
        max_choices=2,
    )  # fmt: skip
    electors = services.add_electors(
        actor=None,
        vote=vote,
        electors=[(f"代表{i}", "resident", 1 + i % 2, None) for i in range(140)],
    )
    services.open_vote(actor=None, vote=vote)
    # 140 electors; 60 of them send again (other choices): 200 submissions, shuffled together.
    submissions = [(e, [park, rails] if e.pk % 3 else [park]) for e in electors]
    submissions += [(e, [rails]) for e in electors[:60]]
    random.Random(0).shuffle(submissions)
    assert len(submissions) == 200
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def send(item) -> None:
        elector, chosen = item
        try:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=5)  # all 20 workers send their first ballots together
            services.cast_ballot(actor=None, vote=vote, elector=elector, projects=chosen)
            result = "counted"
        except ServiceError as exc:
            result = exc.code
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(send, submissions))
    assert outcomes.count("counted") == 140
    assert outcomes.count("voted") == 60
    assert Participation.objects.filter(vote=vote).count() == 140
    assert Ballot.objects.filter(vote=vote).count() == 140
    vote = services.close_vote(actor=None, vote=vote)
    # Each elector's first counted ballot stands; totals are the weights of those who chose.
    by_elector: dict[int, set[int]] = {
        int(b.elector_id or 0): {c.project_id for c in b.choices.all()}
        for b in Ballot.objects.filter(vote=vote).prefetch_related("choices")
    }
    sent: dict[int, list[set[int]]] = {}
    for elector, chosen in submissions:
        sent.setdefault(elector.pk, []).append({p.pk for p in chosen})
    assert all(by_elector[pk] in sent[pk] for pk in sent)  # one of what each elector sent
    weights = {e.pk: e.weight for e in electors}
    expected = {
        pk: sum(weights[e] for e, chosen in by_elector.items() if pk in chosen)
        for pk in (park.pk, rails.pk)
    }
    assert {line["project"]: line["votes"] for line in vote.result["lines"]} == expected
    assert vote.status == VoteStatus.CLOSED and vote.result["turnout"] == 140


def test_acceptance_needs_every_milestone_and_keeps_the_evaluation(world, fund, candidates) -> None:
    park = candidates["口袋公园"]
    with pytest.raises(ServiceError, match="实施"):
        services.accept_project(actor=None, project=park, accepted_on=date(2026, 12, 1))
    with pytest.raises(ServiceError):
        services.add_milestone(actor=None, project=park, title="平整", due=date(2026, 12, 1))
    Project.objects.filter(pk=park.pk).update(phase=Phase.EXECUTION)
    first = services.add_milestone(actor=None, project=park, title="平整", due=date(2026, 12, 1))
    services.add_milestone(actor=None, project=park, title="种植", due=date(2026, 12, 9))
    assert figures.progress(park) == 0
    services.finish_milestone(actor=None, milestone=first)
    services.finish_milestone(actor=None, milestone=first)  # twice: done once
    assert figures.progress(park) == 50
    with pytest.raises(ServiceError, match="节点"):
        services.accept_project(actor=None, project=park, accepted_on=date(2026, 12, 10))
    for m in park.milestones.filter(done_on__isnull=True):
        services.finish_milestone(actor=None, milestone=m)
    accepted = services.accept_project(
        actor=world["bob"], project=park, accepted_on=date(2026, 12, 10), satisfied=9,
        basically=2, unsatisfied=1,
    )  # fmt: skip
    assert (accepted.satisfaction, park.phase) == (92, Phase.ACCEPTED)
    with pytest.raises(ServiceError):
        services.accept_project(actor=None, project=park, accepted_on=date(2026, 12, 11))


@pytest.mark.django_db(transaction=True)
def test_30_payments_at_once_never_spend_past_the_fund(world: World) -> None:
    """Thirty payments of 10,000 at once against a fund of 200,000: exactly twenty go through."""
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("an in-memory SQLite database cannot be shared between threads")
    fund = services.create_fund(actor=None, community=world.hetai, year=2026, amount=D("200000"))
    park = services.propose_project(actor=None, fund=fund, title="口袋公园", cost=D("100000"))
    vote = services.create_vote(
        actor=None, fund=fund, title="票决", method=Method.APPROVAL, projects=[park],
        max_choices=1,
    )  # fmt: skip
    (elector,) = services.add_electors(actor=None, vote=vote, electors=[("代表", "party", 1, None)])
    services.open_vote(actor=None, vote=vote)
    services.cast_ballot(actor=None, vote=vote, elector=elector, projects=[park])
    services.close_vote(actor=None, vote=vote)
    outcomes: list[str] = []
    lock = threading.Lock()

    def pay(_i: int) -> None:
        try:
            services.record_payment(
                actor=None, project=park, amount=D("10000"), override_reason="追加"
            )
            result = "paid"
        except ServiceError:
            result = "refused"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(pay, range(30)))
    assert outcomes.count("paid") == 20 and outcomes.count("refused") == 10
    assert figures.balance(fund).paid == D("200000")


def test_review_guards_on_votes_and_money(world, fund, candidates) -> None:
    """One open vote per fund; a secret vote's paper number is not beside its elector and needs
    equal weights; a paid project cannot be dropped."""
    park, rails, seats = candidates.values()
    first = approval_vote(world, fund, {"p": park}, max_choices=1, secret=True)
    (one, two) = electorate(world, first, 2)
    second = approval_vote(world, fund, {"r": rails}, max_choices=1)
    electorate(world, second, 1)
    services.open_vote(actor=None, vote=first)
    with pytest.raises(ServiceError, match="另一场"):
        services.open_vote(actor=None, vote=second)
    services.cast_ballot(
        actor=world["bob"], vote=first, elector=one, projects=[park], channel=Channel.PAPER,
        paper_ref="S-1",
    )  # fmt: skip
    assert Participation.objects.get(elector=one).paper_ref == ""
    assert Ballot.objects.get(vote=first).paper_ref == "S-1"
    with pytest.raises(ServiceError, match="S-1"):
        services.cast_ballot(
            actor=world["bob"], vote=first, elector=two, projects=[park], channel=Channel.PAPER,
            paper_ref="S-1",
        )  # fmt: skip
    assert "S-1" not in str(AuditEntry.objects.filter(action="vote.ballot").values("changes"))
    services.close_vote(actor=None, vote=first)
    services.record_payment(actor=None, project=park, amount=D("1000"))
    with pytest.raises(ServiceError, match="已支付"):
        services.override_result(
            actor=None, vote=Vote.objects.get(pk=first.pk), project=park, selected=False,
            reason="改期",
        )  # fmt: skip
    weighted = approval_vote(world, fund, {"s": seats}, max_choices=1, secret=True)
    services.add_electors(
        actor=None, vote=weighted, electors=[("甲", "party", 1, None), ("乙", "party", 2, None)]
    )
    with pytest.raises(ServiceError, match="权重"):
        services.open_vote(actor=None, vote=weighted)


def test_the_steps_staff_take_by_hand_are_moves_of_the_phases() -> None:
    assert all(PHASE_STEPS[now] <= PHASES[now] for now in PHASE_STEPS)
