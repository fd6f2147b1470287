"""An agreement's terms over time: a commitment added to a running agreement is owed from its own
start (and is a new version of the terms), amending is once per form and never over another's
change, the items follow the agreement's end when it moves or the agreement ends, dates stay in
bounded years, and documents are kept (never lost, never left behind by a failed write)."""

import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from genxi.cobuilding import schedule
from genxi.cobuilding.models import (
    Agreement,
    AgreementStatus,
    AgreementVersion,
    Attachment,
    Cadence,
    CommitmentKind,
    DueItem,
    ReportProblem,
    Side,
)
from genxi.cobuilding.services import agreements as services
from genxi.cobuilding.tests.conftest import Pairing
from genxi.cobuilding.tests.test_agreements import client_for, pdf_bytes, png_bytes
from genxi.cobuilding.uploads import clean_document
from genxi.conftest import World
from genxi.core.services import ServiceError


def weekly_report(world: World, agreement: Agreement, **kwargs: Any) -> Any:
    return services.add_commitment(
        actor=world["alice"],
        agreement=agreement,
        title="楼道巡查周报",
        kind=CommitmentKind.REPORT,
        cadence=Cadence.WEEKLY,
        owner_side=Side.PARTNER,
        due_after_days=1,
        **kwargs,
    )


def files_under(folder: str) -> set[str]:
    root = Path(default_storage.path(folder))
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


# ---------------------------------------------------------------- 1. added commitments


def test_a_commitment_added_to_a_running_agreement_is_owed_from_today(
    world: World, pairing: Pairing
) -> None:
    today = timezone.localdate()
    agreement = pairing.agreement  # started eight weeks ago
    weekly = weekly_report(world, agreement)
    assert weekly.starts_on == today
    items = list(weekly.items.order_by("period_start"))
    assert [i.period_start for i in items] == [today]  # this week's, from today: none before
    assert not any(schedule.outcome(i) == schedule.Outcome.OVERDUE for i in items)
    services.remind_overdue(today=today + timedelta(days=1))
    assert not weekly.items.exclude(reminded_at=None).exists()
    # The signed terms changed: what they said before is a version.
    agreement.refresh_from_db()
    assert agreement.version == 2
    kept = AgreementVersion.objects.get(agreement=agreement)
    assert kept.number == 1 and "楼道巡查周报" in kept.reason
    assert "楼道巡查周报" not in [c["title"] for c in kept.snapshot["commitments"]]


def test_owed_from_is_chosen_within_the_agreement_and_a_draft_owes_from_its_start(
    world: World, pairing: Pairing
) -> None:
    today = timezone.localdate()
    agreement = pairing.agreement
    from_when = today - timedelta(weeks=3)
    weekly = weekly_report(world, agreement, starts_on=from_when)
    assert min(weekly.items.values_list("period_start", flat=True)) == from_when
    with pytest.raises(ServiceError) as caught:
        weekly_report(world, agreement, starts_on=agreement.starts_on - timedelta(days=1))
    assert caught.value.field == "starts_on"
    # On the page: the field is bounded to the agreement's dates.
    url = reverse("cobuilding:commitment_add", args=[agreement.pk])
    response = client_for(world["alice"]).post(
        url,
        {
            "title": "捐款",
            "kind": CommitmentKind.MONEY,
            "cadence": Cadence.ONCE,
            "owner_side": Side.COMMUNITY,
            "due_after_days": 0,
            "due_on": (today + timedelta(days=5)).isoformat(),
            "starts_on": (agreement.ends_on + timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 400 and response.context["form"].errors["starts_on"]
    # A draft (being entered): owed from its start, and no version (nothing signed yet).
    draft = services.renew_agreement(
        actor=world["alice"],
        agreement=agreement,
        starts_on=agreement.ends_on + timedelta(days=1),
        ends_on=agreement.ends_on + timedelta(days=365),
    )
    added = weekly_report(world, draft)
    assert added.starts_on == draft.starts_on
    assert not draft.versions.exists()


# ---------------------------------------------------------------- 2. amending once


def test_amending_twice_with_one_form_writes_once_and_a_stale_form_is_refused(
    world: World, pairing: Pairing
) -> None:
    alice = client_for(world["alice"])
    agreement = pairing.agreement
    url = reverse("cobuilding:agreement_amend", args=[agreement.pk])
    form = alice.get(url).context["form"]
    data = {
        "form_token": str(form["form_token"].initial),
        "updated_at": form["updated_at"].initial,
        "reason": "调整联络人",
        "summary": "第二版",
    }
    assert alice.post(url, data).status_code == 302
    assert alice.post(url, data).status_code == 302  # the same form again: nothing more
    agreement.refresh_from_db()
    assert agreement.version == 2 and agreement.versions.count() == 1
    # Another form built before that amendment: refused, the amendment stands.
    stale = {**data, "form_token": str(uuid.uuid4()), "summary": "覆盖"}
    response = alice.post(url, stale)
    assert response.status_code == 400
    agreement.refresh_from_db()
    assert agreement.summary == "第二版" and agreement.version == 2
    with pytest.raises(ServiceError) as caught:
        services.amend_agreement(
            actor=world["alice"],
            agreement=agreement,
            reason="再改",
            expected_updated_at=agreement.updated_at - timedelta(seconds=1),
        )
    assert caught.value.code == "concurrent_edit"


# ---------------------------------------------------------------- 3. items follow the end


def test_moving_the_end_drops_items_past_it_and_reclips_the_last_period(
    world: World, pairing: Pairing
) -> None:
    today = timezone.localdate()
    agreement = pairing.agreement
    weekly = pairing.weekly
    filed = weekly.items.order_by("-period_start").first()
    assert filed is not None
    services.file_item(actor=world["dave"], item=filed, text="本周无问题")
    # A Wednesday about three weeks back, so the new end cuts a week in two on any day the
    # suite runs (today - 23 days was a Sunday every Tuesday, and then nothing was clipped).
    back = today - timedelta(weeks=3)
    new_end = back - timedelta(days=(back.weekday() - 2) % 7)
    services.amend_agreement(
        actor=world["alice"], agreement=agreement, reason="提前", ends_on=new_end
    )
    unfiled = DueItem.objects.filter(commitment__agreement=agreement, filed_at=None)
    assert not unfiled.filter(period_start__gt=new_end).exists()
    assert DueItem.objects.filter(pk=filed.pk).exists()  # what was filed stays
    last = weekly.items.filter(filed_at=None).order_by("-period_start").first()
    assert last is not None
    expected = list(schedule.periods(weekly, agreement.starts_on, new_end))[-1]
    assert (last.period_start, last.period_end, last.due_on) == (
        expected.start,
        expected.end,
        expected.due_on,
    )
    assert last.period_end == new_end
    # Lengthened again: the clipped period is whole again, and the weeks after come back.
    later = today + timedelta(days=200)
    services.amend_agreement(
        actor=world["alice"], agreement=agreement, reason="延长", ends_on=later
    )
    last.refresh_from_db()
    whole = {p.start: p for p in schedule.periods(weekly, agreement.starts_on, later)}
    assert (last.period_end, last.due_on) == (
        whole[last.period_start].end,
        whole[last.period_start].due_on,
    )
    assert last.period_end > new_end
    quarterly = pairing.quarterly.items.order_by("-period_start").first()
    assert quarterly is not None
    assert quarterly.period_end == whole_period(pairing.quarterly, agreement, later, quarterly)


def whole_period(commitment: Any, agreement: Agreement, ends_on: date, item: DueItem) -> date:
    periods = {p.start: p for p in schedule.periods(commitment, agreement.starts_on, ends_on)}
    return periods[item.period_start].end


def test_ending_drops_what_is_not_yet_due_and_keeps_what_was_filed(
    world: World, pairing: Pairing
) -> None:
    today = timezone.localdate()
    agreement = pairing.agreement
    once = services.add_commitment(
        actor=world["alice"],
        agreement=agreement,
        title="年度捐赠",
        kind=CommitmentKind.MONEY,
        cadence=Cadence.ONCE,
        owner_side=Side.PARTNER,
        due_on=today + timedelta(days=30),
    )
    assert once.items.count() == 1
    paid = services.add_commitment(
        actor=world["alice"],
        agreement=agreement,
        title="助学捐赠",
        kind=CommitmentKind.MONEY,
        cadence=Cadence.ONCE,
        owner_side=Side.PARTNER,
        due_on=today + timedelta(days=30),
    )
    paid_item = paid.items.get()
    services.file_item(actor=world["dave"], item=paid_item, text="已捐赠", amount=1000)
    overdue = pairing.weekly.items.filter(due_on__lt=today).count()
    assert overdue > 0
    services.end_agreement(actor=world["alice"], agreement=agreement, reason="单位搬迁")
    assert not once.items.exists()  # not due by the end day: no longer owed
    assert paid.items.filter(pk=paid_item.pk).exists()  # filed: stays
    assert pairing.weekly.items.filter(due_on__lt=today).count() == overdue  # fell due: stays
    assert not DueItem.objects.filter(
        commitment__agreement=agreement, filed_at=None, due_on__gt=today
    ).exists()


# ---------------------------------------------------------------- 4. bounded dates


def test_dates_outside_the_bounded_years_are_refused_and_the_renew_page_opens(
    world: World, pairing: Pairing
) -> None:
    agreement = pairing.agreement
    with pytest.raises(ServiceError) as caught:
        services.renew_agreement(
            actor=world["alice"],
            agreement=agreement,
            starts_on=agreement.ends_on + timedelta(days=1),
            ends_on=date(9999, 12, 31),
        )
    assert caught.value.field == "ends_on"
    with pytest.raises(ServiceError):
        services.amend_agreement(
            actor=world["alice"], agreement=agreement, reason="x", ends_on=date(2101, 1, 1)
        )
    # One entered before the bounds (9999-12-31): its renew page opens, and refuses 9999.
    Agreement.objects.filter(pk=agreement.pk).update(ends_on=date(9999, 12, 31))
    alice = client_for(world["alice"])
    url = reverse("cobuilding:agreement_renew", args=[agreement.pk])
    assert alice.get(url).status_code == 200
    response = alice.post(url, {"starts_on": "2027-01-01", "ends_on": "9999-12-31"})
    assert response.status_code == 400 and response.context["form"].errors["ends_on"]
    assert "请输入 2000 年至 2100 年之间的日期" in response.content.decode()
    assert not Agreement.objects.filter(renews=agreement).exists()
    amend = reverse("cobuilding:agreement_amend", args=[agreement.pk])
    assert alice.get(amend).status_code == 200


# ---------------------------------------------------------------- 5. documents


def test_an_amendment_with_a_new_document_keeps_the_old_one(world: World) -> None:
    today = timezone.localdate()
    agreement = services.create_agreement(
        actor=world["oscar"],
        title="协议",
        community=world.loubei,
        starts_on=today,
        ends_on=today + timedelta(days=365),
        parties=[services.PartySpec(partner=world.other_partner)],
        document=clean_document(SimpleUploadedFile("协议.pdf", pdf_bytes())),
    )
    old = agreement.document.name
    services.amend_agreement(
        actor=world["oscar"],
        agreement=agreement,
        reason="补充条款",
        document=clean_document(SimpleUploadedFile("补充.pdf", pdf_bytes())),
    )
    agreement.refresh_from_db()
    version = agreement.versions.get()
    assert version.document.name == old and agreement.document.name != old
    assert default_storage.exists(old) and default_storage.exists(agreement.document.name)
    assert version.snapshot["document_name"] == "协议.pdf"


def test_files_of_a_failed_write_are_not_left_on_disk(
    world: World, pairing: Pairing, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = pairing.weekly.items.order_by("period_start").first()
    assert item is not None
    before = files_under("cobuilding/attachment")

    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(ReportProblem.objects, "bulk_create", fail)
    photo = clean_document(SimpleUploadedFile("现场.png", png_bytes()))
    with pytest.raises(RuntimeError):
        services.file_item(
            actor=world["dave"],
            item=item,
            text="发现问题",
            attachments=[photo],
            problems=[services.ProblemSpec("占道经营")],
        )
    assert not Attachment.objects.exists()
    assert files_under("cobuilding/attachment") == before
    # An amendment whose write fails leaves no new document either, and the old one stays.
    agreement = pairing.agreement
    before = files_under("cobuilding/agreement")
    monkeypatch.setattr(services, "log_action", fail)
    with pytest.raises(RuntimeError):
        services.amend_agreement(
            actor=world["alice"],
            agreement=agreement,
            reason="换文本",
            document=clean_document(SimpleUploadedFile("新.pdf", pdf_bytes())),
        )
    assert files_under("cobuilding/agreement") == before
    agreement.refresh_from_db()
    assert agreement.version == 1 and not agreement.document
    assert agreement.status == AgreementStatus.ACTIVE


def test_a_retried_commitment_form_adds_once_and_the_end_cannot_precede_an_owed_from(
    world: World, pairing: Pairing
) -> None:
    today = timezone.localdate()
    agreement = pairing.agreement
    token = uuid.uuid4()
    first = weekly_report(world, agreement, starts_on=today + timedelta(days=20), token=token)
    again = weekly_report(world, agreement, starts_on=today + timedelta(days=20), token=token)
    assert first.pk == again.pk
    agreement.refresh_from_db()
    assert agreement.version == 2 and agreement.versions.count() == 1
    with pytest.raises(ServiceError) as caught:
        services.amend_agreement(
            actor=world["alice"],
            agreement=agreement,
            reason="提前结束",
            ends_on=today + timedelta(days=10),
        )
    assert caught.value.field == "ends_on" and "楼道巡查周报" in caught.value.message
    agreement.refresh_from_db()
    assert agreement.version == 2
