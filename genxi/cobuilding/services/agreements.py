"""Co-building's writes: agreements, their commitments, due items' filings and reminders.

An agreement is entered as a draft, signed (in force), amended (each amendment keeps what it
said before as an `AgreementVersion`), renewed (a new agreement pointing at the old one, with
its parties and commitments) and ended. A due item is filed by its owner side; filing it again
is an amendment (the next `Filing.version`, under a lock on the item row). A problem a report
found becomes a demand on the ledger in one step.
"""

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.cobuilding import schedule
from genxi.cobuilding.models import (
    AGREEMENT_MACHINE,
    Agreement,
    AgreementParty,
    AgreementStatus,
    AgreementVersion,
    Attachment,
    Cadence,
    Commitment,
    DueItem,
    Filing,
    ReportProblem,
    Side,
)
from genxi.cobuilding.uploads import Document
from genxi.core.audit import Actor, acting_user, jsonable, log_action
from genxi.core.models import SubmittedForm
from genxi.core.notify import notify
from genxi.core.services import ConcurrentEdit, ServiceError, already_submitted, create_object

# A filing carries at most this many attachments, and a report at most this many problems.
MAX_ATTACHMENTS = 9
MAX_PROBLEMS = 30


@dataclass(frozen=True)
class PartySpec:
    """One partner unit's side, as the form gives it."""

    partner: Any
    branch: Any = None
    liaison_name: str = ""
    liaison_phone: str = ""


@dataclass(frozen=True)
class ProblemSpec:
    text: str
    area: Any = None


# An agreement's dates stay within these years (a typo like 9999 would break every sum of dates).
FIRST_YEAR, LAST_YEAR = 2000, 2100


def check_year(day: date | None, field: str) -> None:
    if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ServiceError(
            _("Enter a date between the years %(first)s and %(last)s.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
            field=field,
        )


def _check_dates(starts_on: date, ends_on: date) -> None:
    check_year(starts_on, "starts_on")
    check_year(ends_on, "ends_on")
    if ends_on < starts_on:
        raise ServiceError(_("The end date must be on or after the start date."), field="ends_on")


@contextmanager
def _files_kept_on_commit() -> Iterator[list[tuple[Any, str]]]:
    """Collect the files saved inside the block (storage, name); if the block fails (its
    transaction rolls back), delete them, so no file is left that no row points at."""
    saved: list[tuple[Any, str]] = []
    try:
        yield saved
    except BaseException:
        for storage, name in saved:
            storage.delete(name)
        raise


def _store(field: Any, document: Document, saved: list[tuple[Any, str]]) -> None:
    field.save(document.name, document.content, save=False)
    saved.append((field.storage, field.name))


def _check_parties(parties: list[PartySpec]) -> None:
    if not parties:
        raise ServiceError(_("Name at least one partner unit."), field="parties")
    seen = [p.partner.pk for p in parties]
    if len(seen) != len(set(seen)):
        raise ServiceError(_("Each partner unit may be named once."), field="parties")
    for party in parties:
        if party.branch is not None and party.branch.partner_id != party.partner.pk:
            raise ServiceError(
                _("“%(branch)s” is not the party branch of “%(partner)s”.")
                % {"branch": party.branch.name, "partner": party.partner.name},
                field="parties",
            )


def create_agreement(
    *,
    actor: Actor,
    title: str,
    community: Any,
    starts_on: date,
    ends_on: date,
    parties: list[PartySpec],
    party_org: Any = None,
    liaison: Any = None,
    liaison_name: str = "",
    liaison_phone: str = "",
    meeting_cadence: str = "quarterly",
    summary: str = "",
    document: Document | None = None,
    token: uuid.UUID | None = None,
) -> Agreement:
    """Enter an agreement (a draft until it is signed) with its partner units."""
    if (existing := already_submitted(token, Agreement)) is not None:
        return existing
    _check_dates(starts_on, ends_on)
    _check_parties(parties)
    if party_org is not None and not str(community.path).startswith(str(party_org.area.path)):
        raise ServiceError(_("Choose a party organisation of the community."), field="party_org")

    def add_parties(agreement: Agreement) -> None:
        for party in parties:
            AgreementParty.objects.create(
                agreement=agreement,
                partner=party.partner,
                branch=party.branch,
                liaison_name=party.liaison_name,
                liaison_phone=party.liaison_phone,
            )
        if document is not None:
            _store(agreement.document, document, saved)
            agreement.document_name = document.name
            agreement.save(update_fields=["document", "document_name"])

    with _files_kept_on_commit() as saved:
        return create_object(
            actor=actor,
            model=Agreement,
            fields={
                "title": title,
                "community": community,
                "party_org": party_org,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "liaison": liaison,
                "liaison_name": liaison_name or (getattr(liaison, "name", "") if liaison else ""),
                "liaison_phone": liaison_phone,
                "meeting_cadence": meeting_cadence,
                "summary": summary,
                "created_by": acting_user(actor),
            },
            token=token,
            after_insert=add_parties,
        )


def default_owed_from(agreement: Agreement, today: date | None = None) -> date:
    """From when a new commitment is owed: the agreement's start while it is a draft or has not
    started; today once it runs (the periods before it owe nothing)."""
    today = today or timezone.localdate()
    if agreement.status == AgreementStatus.DRAFT or agreement.starts_on >= today:
        return agreement.starts_on
    return min(today, agreement.ends_on)


def add_commitment(
    *,
    actor: Actor,
    agreement: Agreement,
    title: str,
    kind: str,
    cadence: str,
    owner_side: str,
    owner_partner: Any = None,
    due_after_days: int = 0,
    due_on: date | None = None,
    starts_on: date | None = None,
    target_hours: Decimal | None = None,
    target_amount: Decimal | None = None,
    description: str = "",
    lists_problems: bool = False,
    token: uuid.UUID | None = None,
) -> Commitment:
    """Add a commitment, owed from `starts_on` (see `default_owed_from`). Added to a signed
    agreement it changes the terms: what the agreement said before is kept as a version."""
    if (existing := already_submitted(token, Commitment)) is not None:
        return existing
    if agreement.status == AgreementStatus.ENDED:
        raise ServiceError(_("This agreement has ended; renew it to add commitments."))
    if cadence == Cadence.ONCE and due_on is None:
        raise ServiceError(_("A one-off commitment needs the day it is due."), field="due_on")
    if due_on is not None and not agreement.starts_on <= due_on <= agreement.ends_on:
        raise ServiceError(_("The due day must fall within the agreement's dates."), field="due_on")
    starts_on = starts_on or default_owed_from(agreement)
    if not agreement.starts_on <= starts_on <= agreement.ends_on:
        raise ServiceError(
            _("The commitment must be owed from a day within the agreement's dates."),
            field="starts_on",
        )
    if cadence == Cadence.ONCE and due_on is not None and due_on < starts_on:
        raise ServiceError(
            _("A one-off commitment cannot be due before the day it is owed from."),
            field="due_on",
        )
    for name, value in (("target_hours", target_hours), ("target_amount", target_amount)):
        if value is not None and value < 0:
            raise ServiceError(_("Enter a number of 0 or more."), field=name)
    party_ids = set(agreement.parties.values_list("partner_id", flat=True))
    if owner_side == Side.PARTNER:
        if owner_partner is None and len(party_ids) == 1:
            owner_partner_id = next(iter(party_ids))
        elif owner_partner is not None and owner_partner.pk in party_ids:
            owner_partner_id = owner_partner.pk
        else:
            raise ServiceError(
                _("Choose which partner unit of the agreement owns this commitment."),
                field="owner_partner",
            )
    else:
        owner_partner_id = None
    with transaction.atomic():
        locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
        if (existing := already_submitted(token, Commitment)) is not None:
            return existing  # the same form, sent twice at once: the other request added it
        if locked.status == AgreementStatus.ENDED:
            raise ServiceError(_("This agreement has ended; renew it to add commitments."))
        if locked.status == AgreementStatus.ACTIVE:
            # The signed terms change: keep what they said.
            reason = _("Commitment added: %(title)s") % {"title": title}
            _keep_version(actor, locked, reason[:200])
            locked.version += 1
            locked.save(update_fields=["version", "updated_at"])
        commitment = create_object(
            actor=actor,
            model=Commitment,
            fields={
                "agreement": locked,
                "title": title,
                "kind": kind,
                "cadence": cadence,
                "owner_side": owner_side,
                "owner_partner_id": owner_partner_id,
                "starts_on": starts_on,
                "due_after_days": due_after_days,
                "due_on": due_on if cadence == Cadence.ONCE else None,
                "target_hours": target_hours,
                "target_amount": target_amount,
                "description": description,
                "lists_problems": lists_problems,
            },
            token=token,
        )
        schedule.materialise(locked)
    agreement.version = locked.version
    return commitment


def _keep_version(actor: Actor, agreement: Agreement, reason: str) -> AgreementVersion:
    """What the (locked) agreement says now, with the document it is signed as, as version
    `agreement.version` (the caller counts the agreement's version up)."""
    return AgreementVersion.objects.create(
        agreement=agreement,
        number=agreement.version,
        snapshot=snapshot(agreement),
        # The same stored file, referenced: an old document is never overwritten or deleted.
        document=agreement.document.name or "",
        reason=reason,
        created_by=acting_user(actor),
    )


def snapshot(agreement: Agreement) -> dict[str, Any]:
    """What the agreement says now: its terms, parties and commitments."""
    fields = [
        "title",
        "starts_on",
        "ends_on",
        "liaison_name",
        "liaison_phone",
        "meeting_cadence",
        "summary",
        "document_name",
    ]
    return {
        **{name: jsonable(getattr(agreement, name)) for name in fields},
        "parties": [
            {
                "partner": p.partner.name,
                "branch": p.branch.name if p.branch else "",
                "liaison_name": p.liaison_name,
                "liaison_phone": p.liaison_phone,
            }
            for p in agreement.parties.select_related("partner", "branch")
        ],
        "commitments": [
            {
                "title": c.title,
                "kind": c.kind,
                "cadence": c.cadence,
                "owner_side": c.owner_side,
                "owner_partner": c.owner_partner.name if c.owner_partner else "",
                "due_after_days": c.due_after_days,
                "due_on": jsonable(c.due_on),
                "starts_on": jsonable(c.starts_on),
                "target_hours": jsonable(c.target_hours),
                "target_amount": jsonable(c.target_amount),
                "lists_problems": c.lists_problems,
                "is_active": c.is_active,
            }
            for c in agreement.commitments.select_related("owner_partner")
        ],
    }


def activate_agreement(
    *, actor: Actor, agreement: Agreement, signed_on: date | None = None
) -> Agreement:
    """The agreement is signed: it comes into force and its items start falling due."""
    signed_on = signed_on or timezone.localdate()
    with transaction.atomic():
        locked = AGREEMENT_MACHINE.lock(agreement.pk)
        AGREEMENT_MACHINE.move(locked, AgreementStatus.ACTIVE, signed_on=signed_on)
        log_action(
            actor=actor,
            action="agreement.activate",
            obj=locked,
            changes={"signed_on": signed_on.isoformat()},
        )
        schedule.materialise(locked)
    return locked


def _reclip(agreement: Agreement) -> None:
    """After the agreement's last day moved: unfiled items of periods that now start after it
    are no longer owed, and each unfiled item's period end and due day are those its period
    has now (a shortened last period, or one widened again when the end moves later)."""
    last_day = min(agreement.ends_on, agreement.ended_on or agreement.ends_on)
    for commitment in agreement.commitments.all():
        unfiled = DueItem.objects.filter(commitment=commitment, filed_at=None)
        unfiled.filter(period_start__gt=last_day).delete()
        if commitment.cadence == Cadence.PER_ACTIVITY:
            continue
        first_day = max(agreement.starts_on, commitment.starts_on or agreement.starts_on)
        now = {p.start: p for p in schedule.periods(commitment, first_day, last_day)}
        for item in unfiled:
            period = now.get(item.period_start)
            if period is None:
                continue
            end, due_on = period.end, period.due_on
            if commitment.cadence == Cadence.ONCE:
                end = due_on = min(period.due_on, last_day)
            if (item.period_end, item.due_on) != (end, due_on):
                DueItem.objects.filter(pk=item.pk).update(period_end=end, due_on=due_on)


def amend_agreement(
    *,
    actor: Actor,
    agreement: Agreement,
    reason: str,
    ends_on: date | None = None,
    summary: str | None = None,
    document: Document | None = None,
    expected_updated_at: datetime | None = None,
    token: uuid.UUID | None = None,
) -> Agreement:
    """Keep what the agreement says now (with its signed document) as a version, then change it
    and count one up. A retried form (the same `token`) writes nothing again; a form built
    before someone else's change (`expected_updated_at`) is refused, not applied over it."""
    if token is not None and already_submitted(token, AgreementVersion) is not None:
        return Agreement.objects.get(pk=agreement.pk)
    reason = reason.strip()
    if not reason:
        raise ServiceError(_("Say what the amendment changes."), field="reason")
    check_year(ends_on, "ends_on")
    with _files_kept_on_commit() as saved, transaction.atomic():
        locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
        if token is not None and already_submitted(token, AgreementVersion) is not None:
            return locked  # the same form, sent twice at once: the other request wrote it
        if expected_updated_at is not None and locked.updated_at != expected_updated_at:
            raise ConcurrentEdit()
        if locked.status == AgreementStatus.ENDED:
            raise ServiceError(_("An ended agreement cannot be amended; renew it instead."))
        if ends_on is not None:
            _check_dates(locked.starts_on, ends_on)
            owed = locked.commitments.filter(is_active=True, starts_on__gt=ends_on)
            if owed.exists():
                raise ServiceError(
                    _("“%(title)s” is owed from a day after this end; choose a later end.")
                    % {"title": owed.order_by("starts_on").first().title},  # type: ignore[union-attr]
                    field="ends_on",
                )
        version = _keep_version(actor, locked, reason)
        if token is not None:
            SubmittedForm.objects.create(
                token=token,
                content_type=ContentType.objects.get_for_model(AgreementVersion),
                object_id=str(version.pk),
            )
        changes: dict[str, Any] = {"version": [locked.version, locked.version + 1]}
        locked.version += 1
        ends_moved = ends_on is not None and ends_on != locked.ends_on
        if ends_on is not None and ends_moved:
            changes["ends_on"] = [jsonable(locked.ends_on), jsonable(ends_on)]
            locked.ends_on = ends_on
        if summary is not None and summary != locked.summary:
            changes["summary"] = [locked.summary, summary]
            locked.summary = summary
        if document is not None:
            # A new name: the old file stays, referenced by the version just kept.
            _store(locked.document, document, saved)
            locked.document_name = document.name
            changes["document"] = document.name
        locked.save()
        if ends_moved:
            _reclip(locked)
            schedule.materialise(locked)
        log_action(
            actor=actor,
            action="agreement.amend",
            obj=locked,
            changes={**changes, "reason": reason},
        )
    return locked


def renew_agreement(
    *,
    actor: Actor,
    agreement: Agreement,
    starts_on: date,
    ends_on: date,
    token: uuid.UUID | None = None,
) -> Agreement:
    """A new agreement (a draft) that renews this one: the same parties and commitments."""
    if (existing := already_submitted(token, Agreement)) is not None:
        return existing
    _check_dates(starts_on, ends_on)
    if starts_on <= agreement.starts_on:
        raise ServiceError(
            _("A renewal starts after the agreement it renews started."), field="starts_on"
        )
    if Agreement.objects.filter(renews=agreement).exists():
        raise ServiceError(_("This agreement has been renewed already."))

    def copy(new: Agreement) -> None:
        for party in agreement.parties.all():
            AgreementParty.objects.create(
                agreement=new,
                partner_id=party.partner_id,
                branch_id=party.branch_id,
                liaison_name=party.liaison_name,
                liaison_phone=party.liaison_phone,
            )
        for c in agreement.commitments.filter(is_active=True):
            due_on = c.due_on
            if c.cadence == Cadence.ONCE:
                due_on = ends_on if due_on is None or not starts_on <= due_on <= ends_on else due_on
            Commitment.objects.create(
                agreement=new,
                title=c.title,
                kind=c.kind,
                cadence=c.cadence,
                owner_side=c.owner_side,
                owner_partner_id=c.owner_partner_id,
                due_after_days=c.due_after_days,
                due_on=due_on,
                target_hours=c.target_hours,
                target_amount=c.target_amount,
                description=c.description,
                lists_problems=c.lists_problems,
            )

    return create_object(
        actor=actor,
        model=Agreement,
        fields={
            "title": agreement.title,
            "community_id": agreement.community_id,
            "party_org_id": agreement.party_org_id,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "liaison_id": agreement.liaison_id,
            "liaison_name": agreement.liaison_name,
            "liaison_phone": agreement.liaison_phone,
            "meeting_cadence": agreement.meeting_cadence,
            "summary": agreement.summary,
            "renews": agreement,
            "created_by": acting_user(actor),
        },
        token=token,
        after_insert=copy,
        unique_error=_("This agreement has been renewed already."),
    )


def end_agreement(*, actor: Actor, agreement: Agreement, reason: str) -> Agreement:
    """End the agreement today: no more items fall due; what was filed stays."""
    reason = reason.strip()
    if not reason:
        raise ServiceError(_("Say why the agreement ends."), field="reason")
    today = timezone.localdate()
    with transaction.atomic():
        locked = AGREEMENT_MACHINE.lock(agreement.pk)
        AGREEMENT_MACHINE.move(
            locked, AgreementStatus.ENDED, ended_on=today, end_reason=reason[:200]
        )
        # Items not yet due by the end day are no longer owed (a one-off due later, this
        # week's report); what was filed stays, and so does what fell due before.
        DueItem.objects.filter(
            commitment__agreement=locked, filed_at=None, due_on__gt=today
        ).delete()
        log_action(actor=actor, action="agreement.end", obj=locked, changes={"reason": reason})
    return locked


def link_meeting(*, actor: Actor, agreement: Agreement, meeting: Any) -> None:
    """Count a meeting of the meetings app as one of the agreement's joint meetings."""
    if meeting.community_id != agreement.community_id:
        raise ServiceError(
            _("Choose a meeting held in the agreement's community."), field="meeting"
        )
    with transaction.atomic():
        agreement.meetings.add(meeting)
        log_action(
            actor=actor,
            action="agreement.link_meeting",
            obj=agreement,
            changes={"meeting": meeting.pk},
        )


def file_item(
    *,
    actor: Actor,
    item: DueItem,
    text: str,
    hours: Decimal | None = None,
    amount: Decimal | None = None,
    attachments: list[Document] = (),  # type: ignore[assignment]
    problems: list[ProblemSpec] = (),  # type: ignore[assignment]
    token: uuid.UUID | None = None,
) -> Filing:
    """File what was done for a due item. Filing a filed item makes the next version (an
    amendment); the first filing's time stays the item's `filed_at`."""
    if (existing := already_submitted(token, Filing)) is not None:
        return existing
    text = text.strip()
    if not text:
        raise ServiceError(_("Say what was done."), field="text")
    for name, value in (("hours", hours), ("amount", amount)):
        if value is not None and value < 0:
            raise ServiceError(
                _("The amount cannot be negative: enter 0 or more.")
                if name == "amount"
                else _("Hours cannot be negative: enter 0 or more."),
                field=name,
                code="negative",
            )
    if len(attachments) > MAX_ATTACHMENTS:
        raise ServiceError(
            _("At most %(n)s attachments at a time.") % {"n": MAX_ATTACHMENTS},
            field="attachments",
        )
    if len(problems) > MAX_PROBLEMS:
        raise ServiceError(
            _("At most %(n)s problems in one report.") % {"n": MAX_PROBLEMS}, field="problems"
        )
    commitment = item.commitment
    if problems and not commitment.lists_problems:
        raise ServiceError(_("This commitment does not list problems."), field="problems")
    agreement = commitment.agreement
    if agreement.status == AgreementStatus.DRAFT:
        raise ServiceError(_("The agreement is not in force yet: sign it first."))
    community_path = str(agreement.community.path)
    for problem in problems:
        if problem.area is not None and not str(problem.area.path).startswith(community_path):
            raise ServiceError(_("Choose a place in the agreement's community."), field="problems")

    def add_rest(filing: Filing) -> None:
        for doc in attachments:
            attachment = Attachment(filing=filing, name=doc.name, is_pdf=doc.is_pdf)
            _store(attachment.file, doc, saved)
            attachment.save()
        ReportProblem.objects.bulk_create(
            [ReportProblem(filing=filing, text=p.text[:200], area=p.area) for p in problems]
        )

    with _files_kept_on_commit() as saved, transaction.atomic():
        # The item row is the lock: two filings at once make versions 1 and 2, never two 1s
        # (the setting turns it off only so that the concurrency test can show it is needed).
        locking = getattr(settings, "GENXI_COBUILDING_LOCKING", True)
        rows = DueItem.objects.select_for_update() if locking else DueItem.objects.all()
        locked = rows.get(pk=item.pk)
        last = locked.filings.order_by("-version").values_list("version", flat=True).first()
        version = (last or 0) + 1
        delay = getattr(settings, "GENXI_COBUILDING_RACE_DELAY_MS", 0)
        if not locking and delay:
            time.sleep(delay / 1000)
        filing = create_object(
            actor=actor,
            model=Filing,
            fields={
                "item": locked,
                "version": version,
                "text": text,
                "hours": hours,
                "amount": amount,
                "filed_by": acting_user(actor),
            },
            token=token,
            after_insert=add_rest,
            unique_error=_("Someone filed this item at the same time. Reload the page."),
        )
        if locked.filed_at is None:
            DueItem.objects.filter(pk=locked.pk).update(filed_at=filing.filed_at)
            item.filed_at = filing.filed_at
    return filing


def problem_to_demand(*, actor: Actor, problem: ReportProblem, category: Any) -> Any:
    """Put a problem a report found on the demands ledger (once: a second press returns the
    demand the first made)."""
    from genxi.demands.models import Channel, Demand
    from genxi.demands.services.intake import collect_demand

    with transaction.atomic():
        locked = ReportProblem.objects.select_for_update().get(pk=problem.pk)
        if locked.demand_id is not None:
            return Demand.objects.get(pk=locked.demand_id)
        filing = locked.filing
        agreement = filing.item.commitment.agreement
        area = locked.area or agreement.community
        demand = collect_demand(
            actor=actor,
            title=locked.text[:100],
            category=category,
            area=area,
            channel=Channel.INSPECTION,
            description=_("Found by “%(commitment)s” (%(start)s–%(end)s) of “%(agreement)s”.")
            % {
                "commitment": filing.item.commitment.title,
                "start": filing.item.period_start.isoformat(),
                "end": filing.item.period_end.isoformat(),
                "agreement": agreement.title,
            },
        )
        ReportProblem.objects.filter(pk=locked.pk).update(demand=demand)
        problem.demand = demand
        log_action(
            actor=actor, action="reportproblem.to_demand", obj=locked, changes={"demand": demand.pk}
        )
    return demand


def materialise_all(today: date | None = None) -> int:
    """Make the items of every agreement in force up to today; returns how many were made."""
    made = 0
    for agreement in Agreement.objects.active().iterator():
        made += schedule.materialise(agreement, today)
    return made


def remind_overdue(*, actor: Actor = None, today: date | None = None) -> int:
    """Text (and put in the inbox of) each overdue item's owner side, once per item."""
    from genxi.accounts.models import Membership, Role

    today = today or timezone.localdate()
    reminded = 0
    overdue = (
        DueItem.objects.filter(
            filed_at=None,
            reminded_at=None,
            due_on__lt=today,
            commitment__is_active=True,
            commitment__agreement__status=AgreementStatus.ACTIVE,
        )
        .select_related("commitment__agreement", "commitment__owner_partner")
        .order_by("id")
    )
    for item in overdue.iterator():
        commitment = item.commitment
        agreement = commitment.agreement
        users: list[Any] = []
        phones: list[str] = []
        if commitment.owner_side == Side.PARTNER:
            parties = agreement.parties.all()
            if commitment.owner_partner_id:
                parties = parties.filter(partner_id=commitment.owner_partner_id)
            partner_ids = [p.partner_id for p in parties]
            phones = [p.liaison_phone for p in parties]
            users = [
                m.user
                for m in Membership.objects.filter(
                    role=Role.PARTNER, partner_id__in=partner_ids, user__is_active=True
                ).select_related("user")
            ]
        else:
            phones = [agreement.liaison_phone]
            if agreement.liaison is not None:
                users = [agreement.liaison]
        with transaction.atomic():
            changed = DueItem.objects.filter(pk=item.pk, reminded_at=None).update(
                reminded_at=timezone.now()
            )
            if not changed:
                continue
            notify(
                users=users,
                phones=phones,
                title=_("Overdue: %(commitment)s") % {"commitment": commitment.title},
                body=_("“%(agreement)s”: the item for %(start)s–%(end)s was due on %(due)s.")
                % {
                    "agreement": agreement.title,
                    "start": item.period_start.isoformat(),
                    "end": item.period_end.isoformat(),
                    "due": item.due_on.isoformat(),
                },
                url=reverse("cobuilding:item_detail", args=[item.pk]),
            )
            log_action(actor=actor, action="dueitem.remind", obj=item)
        reminded += 1
    return reminded
