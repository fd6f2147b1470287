"""Agreements and their commitments: entering, signing, amending, renewing and ending; filing
due items (amendments, refusals), problems becoming demands, the reminder command; the pages
and who sees them."""

import io
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfWriter

from genxi.accounts.models import Role
from genxi.accounts.services import create_user, grant_membership
from genxi.cobuilding import schedule
from genxi.cobuilding.models import (
    Agreement,
    AgreementStatus,
    AgreementVersion,
    Attachment,
    Cadence,
    Commitment,
    CommitmentKind,
    DueItem,
    Filing,
    ReportProblem,
    Side,
)
from genxi.cobuilding.services import agreements as services
from genxi.cobuilding.tests.conftest import Pairing
from genxi.cobuilding.uploads import clean_document
from genxi.conftest import PASSWORD, World
from genxi.core.models import Notification
from genxi.core.services import ServiceError
from genxi.demands.models import Channel, Demand
from genxi.demands.services.categories import create_category


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), "green").save(out, "PNG")
    return out.getvalue()


def release(response: Any) -> None:
    """Close a file response's file without `response.close()`, whose request_finished signal
    would close the test's database connection (on PostgreSQL)."""
    for closer in response._resource_closers:
        closer()
    response._resource_closers.clear()


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def overdue_item(pairing: Pairing) -> DueItem:
    """The weekly report of last week... or the one before: the latest item past its due day."""
    today = timezone.localdate()
    return pairing.weekly.items.filter(due_on__lt=today).order_by("-due_on").first()  # type: ignore[return-value]


# ---------------------------------------------------------------- services


def test_an_agreement_is_entered_signed_and_its_items_fall_due(world: World) -> None:
    today = timezone.localdate()
    doc = clean_document(SimpleUploadedFile("协议.pdf", pdf_bytes()))
    agreement = services.create_agreement(
        actor=world["oscar"],
        title="娄北社区与苏州市农产品发展有限公司结对共建协议",
        community=world.loubei,
        starts_on=today - timedelta(weeks=2),
        ends_on=today + timedelta(days=365),
        parties=[
            services.PartySpec(
                partner=world.other_partner, liaison_name="张经理", liaison_phone="13900000009"
            )
        ],
        liaison=world["oscar"],
        document=doc,
    )
    assert agreement.status == AgreementStatus.DRAFT
    assert agreement.document_name == "协议.pdf"
    with agreement.document.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    weekly = services.add_commitment(
        actor=world["oscar"],
        agreement=agreement,
        title="问题自查周报",
        kind=CommitmentKind.REPORT,
        cadence=Cadence.WEEKLY,
        owner_side=Side.PARTNER,
        due_after_days=1,
        lists_problems=True,
    )
    assert weekly.owner_partner == world.other_partner  # the only party
    assert not DueItem.objects.filter(commitment=weekly).exists()  # a draft makes nothing
    services.activate_agreement(actor=world["oscar"], agreement=agreement)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE and agreement.signed_on == today
    items = list(weekly.items.all())
    assert len(items) == len(
        [
            p
            for p in schedule.periods(weekly, agreement.starts_on, agreement.ends_on)
            if p.start <= today
        ]
    )
    assert any(schedule.outcome(i) == schedule.Outcome.OVERDUE for i in items)


def test_a_commitment_of_a_partner_not_in_the_agreement_is_refused(
    world: World, pairing: Pairing
) -> None:
    with pytest.raises(ServiceError) as caught:
        services.add_commitment(
            actor=world["alice"],
            agreement=pairing.agreement,
            title="x",
            kind=CommitmentKind.MONEY,
            cadence=Cadence.ONCE,
            owner_side=Side.PARTNER,
            owner_partner=world.other_partner,
            due_on=timezone.localdate() + timedelta(days=10),
        )
    assert caught.value.field == "owner_partner"
    with pytest.raises(ServiceError) as caught:
        services.add_commitment(
            actor=world["alice"],
            agreement=pairing.agreement,
            title="x",
            kind=CommitmentKind.MONEY,
            cadence=Cadence.ONCE,
            owner_side=Side.COMMUNITY,
        )
    assert caught.value.field == "due_on"


def test_filing_twice_makes_an_amendment_not_a_second_first_filing(
    world: World, pairing: Pairing
) -> None:
    item = overdue_item(pairing)
    first = services.file_item(actor=world["dave"], item=item, text="本周无问题")
    item.refresh_from_db()
    filed_at = item.filed_at
    assert first.version == 1 and filed_at is not None
    second = services.file_item(
        actor=world["dave"],
        item=item,
        text="补充：发现一处问题",
        problems=[services.ProblemSpec("2号门口占道经营")],
    )
    item.refresh_from_db()
    assert second.version == 2
    assert item.filed_at == filed_at  # the first filing's time stays
    assert list(item.filings.values_list("version", flat=True)) == [1, 2]
    # A retried form (the same token) makes nothing twice.
    token = uuid.uuid4()
    third = services.file_item(actor=world["dave"], item=item, text="再补充", token=token)
    again = services.file_item(actor=world["dave"], item=item, text="再补充", token=token)
    assert third.pk == again.pk and item.filings.count() == 3


def test_a_negative_amount_is_refused_and_nothing_is_written(
    world: World, pairing: Pairing
) -> None:
    item = overdue_item(pairing)
    with pytest.raises(ServiceError) as caught:
        services.file_item(actor=world["dave"], item=item, text="捐款", amount=Decimal("-5"))
    assert caught.value.field == "amount" and caught.value.code == "negative"
    item.refresh_from_db()
    assert item.filed_at is None and not Filing.objects.exists()


def test_an_amendment_keeps_the_old_terms_as_a_version(world: World, pairing: Pairing) -> None:
    agreement = pairing.agreement
    old_end = agreement.ends_on
    services.amend_agreement(
        actor=world["alice"],
        agreement=agreement,
        reason="延长一年",
        ends_on=old_end + timedelta(days=365),
    )
    agreement.refresh_from_db()
    assert agreement.version == 2 and agreement.ends_on == old_end + timedelta(days=365)
    version = AgreementVersion.objects.get(agreement=agreement)
    assert version.number == 1 and version.reason == "延长一年"
    assert version.snapshot["ends_on"] == old_end.isoformat()
    assert [c["title"] for c in version.snapshot["commitments"]] == [
        "文明城市建设问题自查周报",
        "联合开展主题党日活动",
    ]
    with pytest.raises(ServiceError):
        services.amend_agreement(actor=world["alice"], agreement=agreement, reason=" ")


def test_a_renewal_copies_parties_and_commitments_once(world: World, pairing: Pairing) -> None:
    old = pairing.agreement
    starts = old.ends_on + timedelta(days=1)
    new = services.renew_agreement(
        actor=world["alice"], agreement=old, starts_on=starts, ends_on=starts + timedelta(days=364)
    )
    assert new.renews == old and new.status == AgreementStatus.DRAFT
    assert list(new.partners.all()) == [world.partner]
    assert sorted(new.commitments.values_list("title", flat=True)) == sorted(
        old.commitments.values_list("title", flat=True)
    )
    with pytest.raises(ServiceError):
        services.renew_agreement(
            actor=world["alice"],
            agreement=old,
            starts_on=starts,
            ends_on=starts + timedelta(days=364),
        )


def test_an_ended_agreement_makes_no_more_items(world: World, pairing: Pairing) -> None:
    agreement = pairing.agreement
    services.end_agreement(actor=world["alice"], agreement=agreement, reason="单位搬迁")
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ENDED and agreement.end_reason == "单位搬迁"
    count = DueItem.objects.filter(commitment__agreement=agreement).count()
    assert services.materialise_all(timezone.localdate() + timedelta(weeks=4)) == 0
    assert schedule.materialise(agreement, timezone.localdate() + timedelta(weeks=4)) == 0
    page = reverse("cobuilding:agreement_detail", args=[agreement.pk])
    assert client_for(world["alice"]).get(page).status_code == 200
    assert DueItem.objects.filter(commitment__agreement=agreement).count() == count


def test_a_problem_becomes_one_demand_on_the_ledger(world: World, pairing: Pairing) -> None:
    category = create_category(actor=None, name="市容环境", keywords="占道 垃圾")
    item = overdue_item(pairing)
    filing = services.file_item(
        actor=world["dave"],
        item=item,
        text="本周自查",
        problems=[services.ProblemSpec("宝祥苑门口占道经营", world.baoxiang_compound)],
    )
    problem = filing.problems.get()
    demand = services.problem_to_demand(actor=world["alice"], problem=problem, category=category)
    assert demand.channel == Channel.INSPECTION and demand.area == world.baoxiang_compound
    assert demand.title == "宝祥苑门口占道经营"
    again = services.problem_to_demand(actor=world["alice"], problem=problem, category=category)
    assert again.pk == demand.pk and Demand.objects.count() == 1
    assert ReportProblem.objects.get(pk=problem.pk).demand_id == demand.pk


def test_the_command_reminds_each_overdue_item_once(
    world: World, pairing: Pairing, django_capture_on_commit_callbacks: Any
) -> None:
    overdue = [
        i
        for i in DueItem.objects.filter(commitment__agreement=pairing.agreement)
        if schedule.outcome(i) == schedule.Outcome.OVERDUE
    ]
    assert overdue
    grant_membership(
        actor=None,
        user=world["dave"],
        role=Role.PARTNER,
        area=world.baoxiang,
        partner=world.partner,
    )
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("cobuilding_due", stdout=out)
    assert f"{len(overdue)} overdue items reminded" in out.getvalue()
    assert DueItem.objects.filter(pk__in=[i.pk for i in overdue], reminded_at=None).count() == 0
    # The partner's handler got one inbox message per overdue partner item.
    partner_items = [i for i in overdue if i.commitment.owner_side == Side.PARTNER]
    assert Notification.objects.filter(user=world["dave"]).count() == len(partner_items)
    again = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("cobuilding_due", stdout=again)
    assert "0 overdue items reminded" in again.getvalue()
    assert Notification.objects.filter(user=world["dave"]).count() == len(partner_items)


def test_the_command_makes_the_items_of_a_new_week(world: World, pairing: Pairing) -> None:
    DueItem.objects.filter(commitment=pairing.weekly).order_by("-period_start").first().delete()
    before = DueItem.objects.count()
    out = io.StringIO()
    call_command("cobuilding_due", stdout=out)
    assert DueItem.objects.count() == before + 1
    assert out.getvalue().startswith("1 items made")


# ---------------------------------------------------------------- pages


def test_the_list_searches_filters_and_exports(world: World, pairing: Pairing) -> None:
    client = client_for(world["alice"])
    url = reverse("cobuilding:agreement_list")
    page = client.get(url, {"q": "金阳"})
    assert page.status_code == 200 and pairing.agreement.title in page.content.decode()
    assert pairing.agreement.title not in client.get(url, {"q": "没有这个"}).content.decode()
    assert pairing.agreement.title not in client.get(url, {"status": "ended"}).content.decode()
    export = client.get(url, {"format": "xlsx"})
    assert export.status_code == 200 and export["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    release(export)


def test_who_sees_an_agreement(world: World, pairing: Pairing) -> None:
    url = reverse("cobuilding:agreement_detail", args=[pairing.agreement.pk])
    item = overdue_item(pairing)
    item_url = reverse("cobuilding:item_detail", args=[item.pk])
    for name in ("alice", "frank", "dave"):
        assert client_for(world[name]).get(url).status_code == 200, name
        assert client_for(world[name]).get(item_url).status_code == 200, name
    for name in ("oscar", "bob", "erin", "nobody"):
        assert client_for(world[name]).get(url).status_code == 404, name
        assert client_for(world[name]).get(item_url).status_code == 404, name
    # A handler of another partner sees nothing of it.
    other = create_user(actor=None, username="nongchan", password=PASSWORD)
    grant_membership(
        actor=None, user=other, role=Role.PARTNER, area=world.loubei, partner=world.other_partner
    )
    assert client_for(other).get(url).status_code == 404
    assert client_for(other).get(item_url).status_code == 404
    assert (
        pairing.agreement.title
        not in client_for(other).get(reverse("cobuilding:agreement_list")).content.decode()
    )


def test_only_the_owner_side_files_and_leadership_reads(world: World, pairing: Pairing) -> None:
    item = overdue_item(pairing)
    url = reverse("cobuilding:item_detail", args=[item.pk])
    assert client_for(world["frank"]).post(url, {"text": "x"}).status_code == 404
    assert client_for(world["alice"]).post(url, {"text": "x"}).status_code == 404  # our staff
    assert not Filing.objects.exists()
    ours = pairing.quarterly.items.first()
    assert ours is not None
    ours_url = reverse("cobuilding:item_detail", args=[ours.pk])
    assert client_for(world["dave"]).post(ours_url, {"text": "x"}).status_code == 404
    response = client_for(world["alice"]).post(ours_url, {"text": "主题党日已开展"})
    assert response.status_code == 302 and ours.filings.count() == 1


def test_filing_on_the_page_with_photos_problems_then_an_amendment(
    world: World, pairing: Pairing
) -> None:
    item = overdue_item(pairing)
    url = reverse("cobuilding:item_detail", args=[item.pk])
    dave = client_for(world["dave"])
    response = dave.post(
        url,
        {
            "text": "本周自查完成",
            "problems": "宝祥苑：门口占道经营\n楼道堆放杂物",
            "attachments": [SimpleUploadedFile("现场.png", png_bytes())],
        },
    )
    assert response.status_code == 302
    filing = Filing.objects.get(item=item)
    problems = list(filing.problems.order_by("id"))
    assert [(p.text, p.area) for p in problems] == [
        ("门口占道经营", world.baoxiang_compound),
        ("楼道堆放杂物", None),
    ]
    attachment = Attachment.objects.get(filing=filing)
    file_url = reverse("cobuilding:item_attachment", args=[item.pk, attachment.pk])
    served = dave.get(file_url)
    assert served.status_code == 200 and b"".join(served.streaming_content)[:2] == b"\xff\xd8"
    release(served)
    assert client_for(world["oscar"]).get(file_url).status_code == 404
    assert "/media/" not in dave.get(url).content.decode()
    # Filing again: the page says it is an amendment, and it is version 2.
    assert "修订" in dave.get(url).content.decode() or "amendment" in dave.get(url).content.decode()
    dave.post(url, {"text": "更正：占道已清理"})
    assert list(item.filings.values_list("version", flat=True)) == [1, 2]


def test_a_negative_amount_and_a_bad_pdf_are_refused_on_the_page(
    world: World, pairing: Pairing
) -> None:
    item = overdue_item(pairing)
    url = reverse("cobuilding:item_detail", args=[item.pk])
    dave = client_for(world["dave"])
    response = dave.post(url, {"text": "捐款", "amount": "-100"})
    assert response.status_code == 400
    assert "负" in response.content.decode()
    response = dave.post(
        url,
        {"text": "报告", "attachments": [SimpleUploadedFile("报告.pdf", b"%PDF-1.7 broken")]},
    )
    assert response.status_code == 400 and "PDF" in response.content.decode()
    assert not Filing.objects.exists() and not Attachment.objects.exists()
    item.refresh_from_db()
    assert item.filed_at is None


def test_staff_enter_an_agreement_with_a_document_and_commitments(world: World) -> None:
    today = timezone.localdate()
    oscar = client_for(world["oscar"])
    new = reverse("cobuilding:agreement_create")
    page = oscar.get(new)
    assert page.status_code == 200
    form = page.context["form"]
    assert list(form.fields["community"].queryset) == [world.loubei]
    response = oscar.post(
        new,
        {
            "form_token": str(uuid.uuid4()),
            "title": "娄北社区结对共建协议",
            "community": world.loubei.pk,
            "starts_on": (today - timedelta(weeks=2)).isoformat(),
            "ends_on": (today + timedelta(days=365)).isoformat(),
            "liaison_name": "欧主任",
            "meeting_cadence": "quarterly",
            "partner_0": world.other_partner.pk,
            "liaison_name_0": "张经理",
            "liaison_phone_0": "13900000009",
            "document": SimpleUploadedFile("协议.pdf", pdf_bytes()),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    agreement = Agreement.objects.get(title="娄北社区结对共建协议")
    detail = reverse("cobuilding:agreement_detail", args=[agreement.pk])
    response = oscar.post(
        reverse("cobuilding:commitment_add", args=[agreement.pk]),
        {
            "form_token": str(uuid.uuid4()),
            "title": "问题自查周报",
            "kind": "report",
            "cadence": "weekly",
            "owner_side": "partner",
            "due_after_days": 1,
            "lists_problems": "on",
        },
    )
    assert response.status_code == 302
    oscar.post(reverse("cobuilding:agreement_activate", args=[agreement.pk]))
    html = oscar.get(detail).content.decode()
    assert 'data-outcome="overdue"' in html
    document = oscar.get(reverse("cobuilding:agreement_document", args=[agreement.pk]))
    assert document.status_code == 200 and document["Content-Type"] == "application/pdf"
    release(document)
    assert (
        client_for(world["alice"])
        .get(reverse("cobuilding:agreement_document", args=[agreement.pk]))
        .status_code
        == 404
    )
    # Someone who is not staff cannot open the new-agreement page.
    assert client_for(world["frank"]).get(new).status_code == 404


def test_end_asks_for_confirmation_first(world: World, pairing: Pairing) -> None:
    alice = client_for(world["alice"])
    url = reverse("cobuilding:agreement_end", args=[pairing.agreement.pk])
    assert alice.get(url).status_code == 200
    pairing.agreement.refresh_from_db()
    assert pairing.agreement.status == AgreementStatus.ACTIVE
    assert alice.post(url, {"reason": ""}).status_code == 400
    assert alice.post(url, {"reason": "到期不再续签"}).status_code == 302
    pairing.agreement.refresh_from_db()
    assert pairing.agreement.status == AgreementStatus.ENDED
    assert client_for(world["dave"]).post(url, {"reason": "x"}).status_code == 404


def test_the_problem_button_makes_one_demand(world: World, pairing: Pairing) -> None:
    category = create_category(actor=None, name="市容环境", keywords="占道")
    item = overdue_item(pairing)
    filing = services.file_item(
        actor=world["dave"], item=item, text="自查", problems=[services.ProblemSpec("占道经营")]
    )
    problem = filing.problems.get()
    url = reverse("cobuilding:problem_demand", args=[item.pk, problem.pk])
    assert client_for(world["dave"]).post(url, {"category": category.pk}).status_code == 404
    alice = client_for(world["alice"])
    assert alice.post(url, {"category": category.pk}).status_code == 302
    assert alice.post(url, {"category": category.pk}).status_code == 302
    assert Demand.objects.count() == 1


def test_the_calendar_counts_the_quarter(world: World, pairing: Pairing) -> None:
    item = overdue_item(pairing)
    services.file_item(actor=world["dave"], item=item, text="迟交")
    page = client_for(world["alice"]).get(
        reverse("cobuilding:agreement_detail", args=[pairing.agreement.pk])
    )
    rows = {row["commitment"].pk: row for row in page.context["calendar"]}
    weekly = rows[pairing.weekly.pk]
    assert weekly["total"]["late"] == 1
    overdue = [
        i for i in pairing.weekly.items.all() if schedule.outcome(i) == schedule.Outcome.OVERDUE
    ]
    assert weekly["total"]["overdue"] == len(overdue)
    assert Commitment.objects.filter(agreement=pairing.agreement).count() == len(rows)


def test_joint_meetings_are_linked_from_the_community_and_counted(
    world: World, pairing: Pairing
) -> None:
    from genxi.meetings.services import convene

    here = convene(
        actor=None,
        community=world.baoxiang,
        topic="共建联席会",
        starts_at=timezone.now() - timedelta(days=3),
    )
    elsewhere = convene(
        actor=None, community=world.hetai, topic="和泰议事会", starts_at=timezone.now()
    )
    alice = client_for(world["alice"])
    detail = reverse("cobuilding:agreement_detail", args=[pairing.agreement.pk])
    offered = alice.get(detail).context["meeting_form"].fields["meeting"].queryset
    assert list(offered) == [here]
    link = reverse("cobuilding:agreement_meeting", args=[pairing.agreement.pk])
    assert alice.post(link, {"meeting": elsewhere.pk}).status_code == 302
    assert list(pairing.agreement.meetings.all()) == []
    assert alice.post(link, {"meeting": here.pk}).status_code == 302
    assert list(pairing.agreement.meetings.all()) == [here]
    page = alice.get(detail)
    # Eight weeks of a quarterly cadence: this quarter's meeting (and the last one's if the
    # agreement began in it) are expected.
    assert page.context["meetings_expected"] in (1, 2)
    assert "共建联席会" in page.content.decode()
    assert client_for(world["dave"]).post(link, {"meeting": here.pk}).status_code == 404


def test_amend_and_renew_pages(world: World, pairing: Pairing) -> None:
    alice = client_for(world["alice"])
    agreement = pairing.agreement
    amend = reverse("cobuilding:agreement_amend", args=[agreement.pk])
    form = alice.get(amend).context["form"]
    guard = {
        "form_token": str(form["form_token"].initial),
        "updated_at": form["updated_at"].initial,
    }
    response = alice.post(
        amend,
        {
            **guard,
            "reason": "增加元气加油站",
            "ends_on": agreement.ends_on.isoformat(),
            "summary": "新增条款",
            "document": SimpleUploadedFile("修订.pdf", b"%PDF-1.4 not really"),
        },
    )
    assert response.status_code == 400  # a malformed PDF: nothing changes
    agreement.refresh_from_db()
    assert agreement.version == 1 and not agreement.versions.exists()
    response = alice.post(amend, {**guard, "reason": "增加元气加油站", "summary": "新增条款"})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.version == 2 and agreement.summary == "新增条款"
    renew = reverse("cobuilding:agreement_renew", args=[agreement.pk])
    form = alice.get(renew).context["form"]
    response = alice.post(
        renew,
        {
            "form_token": str(form["form_token"].initial),
            "starts_on": form["starts_on"].initial.isoformat(),
            "ends_on": form["ends_on"].initial.isoformat(),
        },
    )
    assert response.status_code == 302
    renewal = Agreement.objects.get(renews=agreement)
    assert response["Location"] == renewal.get_absolute_url()
    assert renewal.commitments.count() == agreement.commitments.count()
    assert client_for(world["dave"]).get(renew).status_code == 404


def test_too_many_attachments_are_refused(world: World, pairing: Pairing) -> None:
    item = overdue_item(pairing)
    url = reverse("cobuilding:item_detail", args=[item.pk])
    photos = [
        SimpleUploadedFile(f"{n}.png", png_bytes()) for n in range(services.MAX_ATTACHMENTS + 1)
    ]
    response = client_for(world["dave"]).post(url, {"text": "照片", "attachments": photos})
    assert response.status_code == 400 and not Filing.objects.exists()


def test_the_list_reads_a_fixed_number_of_queries(world: World, pairing: Pairing) -> None:
    alice = client_for(world["alice"])
    url = reverse("cobuilding:agreement_list")
    alice.get(url)
    with CaptureQueriesContext(connection) as one:
        alice.get(url)
    today = timezone.localdate()
    for n in range(4):
        services.create_agreement(
            actor=world["alice"],
            title=f"协议{n}",
            community=world.hetai,
            starts_on=today,
            ends_on=today + timedelta(days=30),
            parties=[services.PartySpec(partner=world.partner)],
        )
    with CaptureQueriesContext(connection) as five:
        page = alice.get(url)
    assert page.context["total"] == 5
    assert len(five.captured_queries) == len(one.captured_queries)
