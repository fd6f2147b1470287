"""The yearly evaluations (评议): items and weights, grades, computed and manual scores, the
ranking's tie-break, "send results", the letter, the export and who sees what."""

import io
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from genxi.activities.models import Activity, ActivityKind, ActivityStatus, Session
from genxi.cobuilding import evaluation as ev
from genxi.cobuilding.models import (
    Agreement,
    AgreementParty,
    AgreementStatus,
    Cadence,
    Claim,
    Commitment,
    CommitmentKind,
    Delivery,
    DueItem,
    Evaluation,
    EvaluationScheme,
    MemberRegistration,
    Need,
    NeedClaimStatus,
    NeedSource,
    Post,
    PostClaim,
    RegistrationStatus,
    ServiceHours,
    Side,
    Subject,
    UnitRegistration,
)
from genxi.cobuilding.services import evaluations as services
from genxi.conftest import World
from genxi.core.models import AuditEntry, Notification
from genxi.core.services import ServiceError
from genxi.meetings.models import Meeting
from genxi.places.models import Partner

pytestmark = pytest.mark.django_db
YEAR = 2025


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def client_for(world: World, username: str) -> Client:
    client = Client()
    client.force_login(world[username])
    return client


UNIT_ITEMS = [
    {"label": "联席会", "source": "meetings", "weight": 20, "target": 4},
    {"label": "共驻共建活动", "source": "activities", "weight": 20, "target": 2},
    {"label": "按时履约", "source": "on_time", "weight": 20},
    {"label": "认领并交付需求", "source": "needs", "weight": 10, "target": 2},
    {"label": "居民评价", "source": "manual", "weight": 30},
]


@pytest.fixture
def records(world: World) -> Agreement:
    return build_records(world)


def build_records(world: World) -> Agreement:
    """和泰's records of 2025: 金阳宝地物业 reported to 和泰 and has an agreement with it —
    2 joint meetings, 1 activity run with the community, 4 items of its own (3 on time), 1 need
    delivered; 苏州市农产品发展有限公司 is bound by the agreement alone and did nothing."""
    p = world.partner
    UnitRegistration.objects.create(
        partner=p, community=world.hetai, status=RegistrationStatus.CONFIRMED
    )
    agreement = Agreement.objects.create(
        title="和泰社区结对共建协议", community=world.hetai, starts_on=date(YEAR, 1, 1),
        ends_on=date(YEAR, 12, 31), status=AgreementStatus.ACTIVE, signed_on=date(YEAR, 1, 1),
    )  # fmt: skip
    AgreementParty.objects.create(agreement=agreement, partner=p)
    AgreementParty.objects.create(agreement=agreement, partner=world.other_partner)
    for month in (3, 9):
        meeting = Meeting.objects.create(
            community=world.hetai,
            venue=world.venue,
            topic="联席会",
            starts_at=at(date(YEAR, month, 5)),
        )
        agreement.meetings.add(meeting)
    agreement.meetings.add(
        Meeting.objects.create(
            community=world.hetai,
            venue=world.venue,
            topic="去年",
            starts_at=at(date(YEAR - 1, 5, 5)),
        )
    )
    activity = Activity.objects.create(
        title="共驻共建主题党日", kind=ActivityKind.choices[0][0], owner=world.hetai,
        street=world.street, status=ActivityStatus.HELD,
    )  # fmt: skip
    activity.partners.add(p)
    Session.objects.create(
        activity=activity, starts_at=at(date(YEAR, 6, 1), 9), ends_at=at(date(YEAR, 6, 1), 11)
    )
    report = Commitment.objects.create(
        agreement=agreement, title="月报", kind=CommitmentKind.REPORT, cadence=Cadence.MONTHLY,
        owner_side=Side.PARTNER, owner_partner=p,
    )  # fmt: skip
    for month, filed in [(2, 1), (3, 1), (4, 2), (5, 9)]:  # filed on day `filed`, due on day 1..
        due = date(YEAR, month, 1 if filed != 2 else 2)
        DueItem.objects.create(
            commitment=report, period_start=date(YEAR, month - 1, 1), period_end=due,
            due_on=due, filed_at=at(date(YEAR, month, filed)),
        )  # fmt: skip
    need = Need.objects.create(community=world.hetai, title="游园翻新", source=NeedSource.DIRECT)
    claim = Claim.objects.create(need=need, partner=p, status=NeedClaimStatus.DELIVERED)
    Delivery.objects.create(claim=claim, what="翻新完成", delivered_on=date(YEAR, 7, 1))
    return agreement


def unit_scheme(world: World) -> EvaluationScheme:
    return services.create_scheme(
        actor=world["bob"], area=world.hetai, year=YEAR, subject=Subject.UNIT, items=UNIT_ITEMS
    )


def test_the_weights_must_add_up_to_100(world: World) -> None:
    items = [dict(i) for i in UNIT_ITEMS]
    items[0]["weight"] = 10
    with pytest.raises(ServiceError) as refused:
        services.create_scheme(
            actor=world["bob"], area=world.hetai, year=YEAR, subject=Subject.UNIT, items=items
        )
    assert refused.value.code == "weights" and "90" in refused.value.message
    assert not EvaluationScheme.objects.exists()
    # A member's scheme cannot count a unit's indicator.
    with pytest.raises(ServiceError):
        services.create_scheme(
            actor=world["bob"], area=world.hetai, year=YEAR, subject=Subject.MEMBER,
            items=[{"label": "联席会", "source": "meetings", "weight": 100, "target": 1}],
        )  # fmt: skip


def test_the_edit_page_says_what_is_wrong_in_chinese(world: World) -> None:
    scheme = unit_scheme(world)
    data: dict[str, Any] = {
        "items-TOTAL_FORMS": 2, "items-INITIAL_FORMS": 0,
        "items-0-label": "居民评价", "items-0-source": "manual", "items-0-weight": 60,
        "items-1-label": "社区评议", "items-1-source": "manual", "items-1-weight": 30,
        "grades-TOTAL_FORMS": 2, "grades-INITIAL_FORMS": 0,
        "grades-0-name": "好", "grades-0-lowest": 80, "grades-1-name": "差", "grades-1-lowest": 0,
    }  # fmt: skip
    response = client_for(world, "bob").post(
        reverse("cobuilding:scheme_edit", args=[scheme.pk]), data
    )
    assert response.status_code == 200
    assert "各项权重之和须为100，现为90。" in response.content.decode()
    scheme.refresh_from_db()
    assert len(scheme.items) == 5  # unchanged
    data["items-1-weight"] = 40
    response = client_for(world, "bob").post(
        reverse("cobuilding:scheme_edit", args=[scheme.pk]), data
    )
    assert response.status_code == 302
    scheme.refresh_from_db()
    # Rows sent without a key are new items: fresh keys, never the removed 居民评价's.
    assert [i["key"] for i in scheme.items] == ["manual2", "manual3"]
    assert scheme.grades == [["好", 80], ["差", 0]]


def test_removing_an_item_leaves_the_others_scores_where_they_were(
    world: World, records: Agreement
) -> None:
    """居民评价 = 20 and 社区评议 = 95; 居民评价 is removed in the edit form: 社区评议 keeps 95
    (it once took 20, its key being its position), 20 is gone, and an item added later starts
    empty."""
    scheme = services.create_scheme(
        actor=world["bob"], area=world.hetai, year=YEAR, subject=Subject.UNIT,
        items=[
            {"label": "联席会", "source": "meetings", "weight": 40, "target": 4},
            {"label": "居民评价", "source": "manual", "weight": 30},
            {"label": "社区评议", "source": "manual", "weight": 30},
        ],
    )  # fmt: skip
    services.compute_scheme(actor=world["bob"], scheme=scheme)
    mine = Evaluation.objects.get(scheme=scheme, partner=world.partner)
    rating, review = (i["key"] for i in scheme.items[1:])
    services.score_evaluation(actor=world["bob"], evaluation=mine, scores={rating: 20, review: 95})
    client = client_for(world, "bob")
    url = reverse("cobuilding:scheme_edit", args=[scheme.pk])
    page = client.get(url).content.decode()
    for item in scheme.items:  # the form carries each item's key
        assert f'value="{item["key"]}"' in page
    data: dict[str, Any] = {
        "items-TOTAL_FORMS": 4, "items-INITIAL_FORMS": 3,
        "items-0-key": "meetings", "items-0-label": "联席会", "items-0-source": "meetings",
        "items-0-weight": 40, "items-0-target": 4,
        "items-1-key": rating, "items-1-label": "居民评价", "items-1-source": "manual",
        "items-1-weight": 30, "items-1-DELETE": "on",
        "items-2-key": review, "items-2-label": "社区评议", "items-2-source": "manual",
        "items-2-weight": 50,
        "items-3-key": "", "items-3-label": "走访", "items-3-source": "manual",
        "items-3-weight": 10,
        "grades-TOTAL_FORMS": 1, "grades-INITIAL_FORMS": 0,
        "grades-0-name": "合格", "grades-0-lowest": 0,
    }  # fmt: skip
    assert client.post(url, data).status_code == 302
    scheme.refresh_from_db()
    keys = [i["key"] for i in scheme.items]
    assert keys[:2] == ["meetings", review] and keys[2] not in (rating, review)
    mine.refresh_from_db()
    # 2 of 4 meetings: 50; 50×.4 + 95×.5 + nothing yet ×.1
    assert mine.scores == {"meetings": "50.00", review: "95.00"}
    assert mine.total == Decimal("67.50")
    # Saved again as the page shows it now: nothing moves.
    data.update({
        "items-TOTAL_FORMS": 3, "items-INITIAL_FORMS": 3, "items-1-DELETE": "",
        "items-1-key": review, "items-1-label": "社区评议", "items-1-weight": 50,
        "items-2-key": keys[2], "items-2-label": "走访", "items-2-weight": 10,
    })  # fmt: skip
    for name in ("items-3-key", "items-3-label", "items-3-source", "items-3-weight"):
        data.pop(name)
    data["items-2-source"] = "manual"
    data["grades-INITIAL_FORMS"] = 1
    assert client.post(url, data).status_code == 302
    scheme.refresh_from_db()
    assert [i["key"] for i in scheme.items] == keys
    mine.refresh_from_db()
    assert mine.scores == {"meetings": "50.00", review: "95.00"}


def test_an_agreement_ended_before_it_was_signed_binds_and_owes_nothing(
    world: World, records: Agreement
) -> None:
    """Its party is not evaluated for it, and its items do not count for on time."""
    unsigned = Agreement.objects.create(
        title="未签即终止", community=world.hetai, starts_on=date(YEAR, 1, 1),
        ends_on=date(YEAR, 12, 31), status=AgreementStatus.ENDED, ended_on=date(YEAR, 3, 1),
    )  # fmt: skip
    lone = Partner.objects.create(name="未签约单位", kind=world.partner.kind, area=world.hetai)
    AgreementParty.objects.create(agreement=unsigned, partner=lone)
    AgreementParty.objects.create(agreement=unsigned, partner=world.partner)
    owed = Commitment.objects.create(
        agreement=unsigned, title="季报", kind=CommitmentKind.REPORT, cadence=Cadence.MONTHLY,
        owner_side=Side.PARTNER,
    )  # fmt: skip
    for month in (2, 3):
        DueItem.objects.create(
            commitment=owed, period_start=date(YEAR, month - 1, 1),
            period_end=date(YEAR, month, 1), due_on=date(YEAR, month, 1), filed_at=None,
        )  # fmt: skip
    scheme = unit_scheme(world)
    assert services.compute_scheme(actor=world["bob"], scheme=scheme) == 2
    assert not Evaluation.objects.filter(scheme=scheme, partner=lone).exists()
    mine = Evaluation.objects.get(scheme=scheme, partner=world.partner)
    assert mine.scores["on_time"] == "75.00"  # still 3 of its 4 items, not 3 of 6


def test_grades_from_the_best_down(world: World) -> None:
    grades = services.check_grades(ev.DEFAULT_GRADES)
    assert ev.grade_of(grades, Decimal("90")) == "优秀"
    assert ev.grade_of(grades, Decimal("89.99")) == "良好"
    assert ev.grade_of(grades, Decimal("60")) == "合格"
    assert ev.grade_of(grades, Decimal("59.99")) == "不合格"
    with pytest.raises(ServiceError):
        services.check_grades([["优秀", 80], ["良好", 90]])


def test_computed_and_manual_scores(world: World, records: Agreement) -> None:
    scheme = unit_scheme(world)
    assert services.compute_scheme(actor=world["bob"], scheme=scheme) == 2
    mine = Evaluation.objects.get(scheme=scheme, partner=world.partner)
    # 2 of 4 meetings: 50; 1 of 2 activities: 50; 3 of 4 items on time: 75; 1 of 2 needs: 50.
    assert mine.scores == {
        "meetings": "50.00", "activities": "50.00", "on_time": "75.00", "needs": "50.00"
    }  # fmt: skip
    # 50×.2 + 50×.2 + 75×.2 + 50×.1 + 0×.3
    assert mine.total == Decimal("40.00") and mine.grade == "不合格"
    services.score_evaluation(
        actor=world["bob"], evaluation=mine, scores={"manual1": Decimal(95)}, comment="表现突出"
    )
    mine.refresh_from_db()
    assert mine.total == Decimal("68.50") and mine.grade == "合格" and mine.comment == "表现突出"
    with pytest.raises(ServiceError):
        services.score_evaluation(actor=world["bob"], evaluation=mine, scores={"manual1": 101})
    # Working out again keeps the manual score.
    services.compute_scheme(actor=world["bob"], scheme=scheme)
    mine.refresh_from_db()
    assert mine.scores["manual1"] == "95.00" and mine.total == Decimal("68.50")
    # The other unit: meetings of the agreement count for both parties; nothing of its own due
    # scores 100 for on time (nothing was missed).
    theirs = Evaluation.objects.get(scheme=scheme, partner=world.other_partner)
    assert theirs.scores["meetings"] == "50.00" and theirs.scores["on_time"] == "100.00"
    assert theirs.scores["activities"] == "0.00" and theirs.total == Decimal("30.00")


def test_members_hours_and_posts(world: World) -> None:
    member = MemberRegistration.objects.create(
        community=world.hetai, name="党员甲", phone="13900000001", partner=world.partner,
        branch="第一支部", status=RegistrationStatus.CONFIRMED,
    )  # fmt: skip
    MemberRegistration.objects.create(
        community=world.hetai, name="党员乙", phone="13900000002", branch="第二支部",
        status=RegistrationStatus.PENDING,
    )  # fmt: skip
    for on, hours in [
        (date(YEAR, 3, 1), "6"),
        (date(YEAR, 4, 1), "6"),
        (date(YEAR - 1, 4, 1), "8"),
    ]:
        ServiceHours.objects.create(member=member, source="staff", on=on, hours=Decimal(hours))
    post = Post.objects.create(community=world.hetai, kind="post", title="楼道长")
    claim = PostClaim.objects.create(post=post, member=member, status="done", place=1)
    PostClaim.objects.filter(pk=claim.pk).update(claimed_at=at(date(YEAR, 2, 1)))
    scheme = services.create_scheme(
        actor=world["bob"], area=world.hetai, year=YEAR, subject=Subject.MEMBER
    )
    assert services.compute_scheme(actor=world["bob"], scheme=scheme) == 1  # confirmed only
    result = Evaluation.objects.get(scheme=scheme)
    # 12 of 24 hours: 50; 1 of 4 posts: 25; the review not yet scored.
    assert result.scores == {"hours": "50.00", "posts": "25.00"}
    assert result.total == Decimal("25.00")


def ranked(scheme: EvaluationScheme, rows: list[tuple[str, str, dict[str, str]]]) -> list[Any]:
    results = []
    for name, total, scores in rows:
        e = Evaluation(scheme=scheme, total=Decimal(total), scores=scores)
        e.partner = Partner(name=name)
        results.append(e)
    return [(r.rank, r.evaluation.partner.name) for r in ev.ranking(scheme, results)]


def test_the_ranking_breaks_ties_by_the_heaviest_item(world: World) -> None:
    scheme = EvaluationScheme(
        area=world.hetai, year=YEAR, subject=Subject.UNIT,
        items=[{"key": "a", "weight": 40}, {"key": "b", "weight": 60}],
    )  # fmt: skip
    order = ranked(scheme, [
        ("甲", "70", {"a": "100", "b": "50"}),
        ("乙", "70", {"a": "25", "b": "100"}),  # the heavier item b ranks it first
        ("丙", "80", {"a": "80", "b": "80"}),
        ("丁", "70", {"a": "100", "b": "50"}),  # equal to 甲 on every item: a shared rank
    ])  # fmt: skip
    assert order == [(1, "丙"), (2, "乙"), (3, "丁"), (3, "甲")]


def test_send_results_closes_the_scheme_and_tells_the_unit(
    world: World, records: Agreement, django_capture_on_commit_callbacks: Any
) -> None:
    scheme = unit_scheme(world)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_results(actor=world["bob"], scheme=scheme) == 2
    scheme.refresh_from_db()
    assert scheme.closed_at is not None
    told = Notification.objects.get(user=world["dave"])
    assert told.url == reverse(
        "cobuilding:evaluation_letter",
        args=[Evaluation.objects.get(scheme=scheme, partner=world.partner).pk],
    )
    with pytest.raises(ServiceError) as refused:
        services.compute_scheme(actor=world["bob"], scheme=scheme)
    assert refused.value.code == "closed"
    assert AuditEntry.objects.filter(action="evaluationscheme.send").count() == 1
    # The letter: to staff, and to the unit's handler once sent; not to another unit's.
    mine = Evaluation.objects.get(scheme=scheme, partner=world.partner)
    url = reverse("cobuilding:evaluation_letter", args=[mine.pk])
    html = client_for(world, "dave").get(url).content.decode()
    assert "金阳宝地物业" in html and str(mine.total) in html and mine.grade in html
    assert "@media print" not in html and "letter.css" in html
    theirs = Evaluation.objects.get(scheme=scheme, partner=world.other_partner)
    assert (
        client_for(world, "dave")
        .get(reverse("cobuilding:evaluation_letter", args=[theirs.pk]))
        .status_code
        == 404
    )
    assert client_for(world, "oscar").get(url).status_code == 404


def test_pages_scope_and_export(world: World, records: Agreement) -> None:
    scheme = unit_scheme(world)
    services.compute_scheme(actor=world["bob"], scheme=scheme)
    detail = reverse("cobuilding:scheme_detail", args=[scheme.pk])
    bob = client_for(world, "bob")
    html = bob.get(detail).content.decode()
    assert 'id="tie-break"' in html and "金阳宝地物业" in html
    assert bob.get(reverse("cobuilding:evaluation_list")).status_code == 200
    # The street sees it (and leadership reads it); another street and partners do not.
    assert client_for(world, "alice").get(detail).status_code == 200
    frank = client_for(world, "frank")
    assert frank.get(detail).status_code == 200
    assert frank.post(reverse("cobuilding:scheme_compute", args=[scheme.pk])).status_code == 404
    for outsider in ("oscar", "dave", "erin"):
        assert client_for(world, outsider).get(detail).status_code == 404
    export = bob.get(reverse("cobuilding:scheme_export", args=[scheme.pk]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1][0] == "1" and rows[1][1] == "金阳宝地物业"
    # Send (confirm page, then POST), and the scheme is closed to edits.
    assert bob.get(reverse("cobuilding:scheme_send", args=[scheme.pk])).status_code == 200
    bob.post(reverse("cobuilding:scheme_send", args=[scheme.pk]))
    assert bob.get(reverse("cobuilding:scheme_edit", args=[scheme.pk])).status_code == 404


def test_the_list_has_pages(world: World, settings: Any) -> None:
    """Every scheme can be reached (once capped at 200): newest year first, a page at a time."""
    settings.GENXI_PAGE_SIZE = 2
    made = [
        services.create_scheme(actor=world["alice"], area=area, year=year, subject=Subject.UNIT)
        for area, year in [(world.hetai, 2024), (world.baoxiang, 2025), (world.hetai, 2025)]
    ]
    client = client_for(world, "alice")
    url = reverse("cobuilding:evaluation_list")
    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()
    shown = [[s.pk for s in made if f'data-scheme="{s.pk}"' in page] for page in (first, second)]
    assert shown == [[made[1].pk, made[2].pk], [made[0].pk]]
    assert "第 1 页，共 2 页" in first and "?page=2" in first and "?page=1" in second


def test_one_scheme_per_area_year_and_subject(world: World) -> None:
    unit_scheme(world)
    with pytest.raises(ServiceError):
        unit_scheme(world)
