"""Rectification and re-check (整改与回头看): the inspected community answers each finding with
a plan and later a result with photos; the inspecting group or street staff accept the result
or send it back with a reason. Overdue findings are reminded once a day.

Every step is a compare-and-set on the finding's `updated_at` (the value the person's page was
built from) under a row lock: two people acting on one finding at once, the second is told to
reload and nothing of theirs is written. The state moves through `FINDING_MACHINE`.
(`GENXI_INSPECTIONS_LOCKING = False` skips the lock: it exists only so that the concurrency
test shows what the lock prevents.)
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from genxi.accounts.models import Membership, Role
from genxi.core.audit import Actor, acting_user, log_action
from genxi.core.notify import notify
from genxi.core.services import ConcurrentEdit, ServiceError
from genxi.inspections.models import (
    FINDING_MACHINE,
    ROUND_MACHINE,
    UNFINISHED_FINDINGS,
    Finding,
    FindingPhoto,
    FindingStatus,
    FixMode,
    PhotoStage,
    RoundStatus,
)

MAX_TEXT = 2000
ROUND_CLOSED_MESSAGE = _lazy("The round is closed: its findings can no longer be changed.")
MAX_RESULT_PHOTOS = 9
# Each sent-back → fixed cycle may add photos; a finding keeps at most this many in all.
MAX_RESULT_PHOTOS_TOTAL = 27


def staff_of(community_ids: list[int]) -> list[Any]:
    """The active staff users of these communities (whom a finding's news goes to)."""
    return [
        m.user
        for m in Membership.objects.filter(
            role=Role.COMMUNITY_STAFF, area_id__in=community_ids, user__is_active=True
        ).select_related("user")
    ]


def _inspectors(finding: Finding) -> list[Any]:
    return staff_of(list(finding.group.members.values_list("community_id", flat=True)))


@contextmanager
def _locked(finding: Finding, expected_updated_at: datetime | None) -> Iterator[Finding]:
    """The finding's row, locked, checked against the editor's `updated_at`; the round must
    still be open."""
    with transaction.atomic():
        if getattr(settings, "GENXI_INSPECTIONS_LOCKING", True):
            # The round first, then the finding (the order every write takes): closing the
            # round locks the round row, so no step commits after the round is closed.
            round_ = ROUND_MACHINE.lock(finding.round_id)
            locked = FINDING_MACHINE.lock(finding)
        else:  # only for the concurrency test, to show the race the lock prevents
            locked = Finding.objects.get(pk=finding.pk)
            round_ = locked.round
            time.sleep(getattr(settings, "GENXI_INSPECTIONS_RACE_DELAY_MS", 0) / 1000)
        if expected_updated_at is not None and locked.updated_at != expected_updated_at:
            raise ConcurrentEdit()
        if round_.status == RoundStatus.CLOSED:
            raise ServiceError(str(ROUND_CLOSED_MESSAGE))
        yield locked


def _text(value: str, field: str, missing: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError(missing, field=field)
    if len(value) > MAX_TEXT:
        raise ServiceError(
            _("Write at most %(n)s characters.") % {"n": MAX_TEXT}, field=field, code="too_long"
        )
    return value


@contextmanager
def _photos_kept_on_commit() -> Iterator[list[tuple[Any, str]]]:
    """Files saved inside the block are deleted again if the block fails (nothing left that
    no row points at)."""
    saved: list[tuple[Any, str]] = []
    try:
        yield saved
    except BaseException:
        for storage, name in saved:
            storage.delete(name)
        raise


def _add_photos(finding: Finding, photos: list[Any], actor: Actor, saved: list[Any]) -> None:
    have = finding.photos.filter(stage=PhotoStage.RESULT).count()
    if have + len(photos) > MAX_RESULT_PHOTOS_TOTAL:
        raise ServiceError(
            _(
                "A finding keeps at most %(max)s photos of results and this one has %(have)s: "
                "add at most %(left)s, or none (the earlier photos stay)."
            )
            % {
                "max": MAX_RESULT_PHOTOS_TOTAL,
                "have": have,
                "left": max(MAX_RESULT_PHOTOS_TOTAL - have, 0),
            },
            field="photos",
        )
    for photo in photos:
        row = FindingPhoto(finding=finding, stage=PhotoStage.RESULT, by=acting_user(actor))
        row.image.save(photo.name, photo, save=False)
        saved.append((row.image.storage, row.image.name))
        row.save()


def _finish(finding: Finding, title: str, users: list[Any], body: str = "") -> None:
    notify(
        users=users,
        title=title,
        body=body,
        url=reverse("inspections:finding_detail", args=[finding.pk]),
    )


def record_plan(
    *,
    actor: Actor,
    finding: Finding,
    plan: str,
    expected_updated_at: datetime | None = None,
) -> Finding:
    """Record (or revise) the rectification plan of a finding still to be fixed."""
    plan = _text(plan, "plan", _("Write the rectification plan."))
    with _locked(finding, expected_updated_at) as locked:
        old = FINDING_MACHINE.move(
            locked, FindingStatus.PLANNED, plan=plan, planned_at=timezone.now()
        )
        log_action(
            actor=actor,
            action="finding.plan",
            obj=locked,
            changes={"fields": ["plan"], "status": [old, FindingStatus.PLANNED]},
        )
    return locked


def record_result(
    *,
    actor: Actor,
    finding: Finding,
    result: str,
    photos: list[Any],
    expected_updated_at: datetime | None = None,
) -> Finding:
    """Record the rectification result with its photos; the finding awaits re-check.

    Refused, with nothing written (the photos neither), when no plan was recorded first."""
    result = _text(result, "result", _("Write what was done to fix it."))
    if len(photos) > MAX_RESULT_PHOTOS:
        raise ServiceError(
            _("At most %(n)s photos at a time.") % {"n": MAX_RESULT_PHOTOS}, field="photos"
        )
    with _photos_kept_on_commit() as saved, _locked(finding, expected_updated_at) as locked:
        if not locked.plan or locked.status == FindingStatus.OPEN:
            raise ServiceError(
                _(
                    "Record the rectification plan first: a result can only be recorded for a "
                    "finding that has a plan."
                ),
                code="no_plan",
            )
        has_photos = locked.photos.filter(stage=PhotoStage.RESULT).exists()
        if not photos and not has_photos:
            raise ServiceError(
                _("Add at least one photo of the result after rectification."), field="photos"
            )
        old = FINDING_MACHINE.move(
            locked, FindingStatus.FIXED, result=result, fixed_at=timezone.now()
        )
        _add_photos(locked, photos, actor, saved)
        log_action(
            actor=actor,
            action="finding.fix",
            obj=locked,
            changes={
                "fields": ["result"],
                "status": [old, FindingStatus.FIXED],
                "photos": len(photos),
            },
        )
        _finish(
            locked,
            _("A rectification result awaits your re-check"),
            _inspectors(locked),
            f"{locked.community.name}：{locked.description[:60]}",
        )
    return locked


def fix_on_spot(
    *,
    actor: Actor,
    finding: Finding,
    plan: str,
    result: str,
    photos: list[Any],
    expected_updated_at: datetime | None = None,
) -> Finding:
    """立行立改: the plan and the result in one step (open → planned → fixed, atomically)."""
    plan = _text(plan, "plan", _("Write the rectification plan."))
    result = _text(result, "result", _("Write what was done to fix it."))
    with _photos_kept_on_commit() as saved, _locked(finding, expected_updated_at) as locked:
        if locked.mode != FixMode.ON_SPOT:
            raise ServiceError(
                _("This finding is fixed by its deadline: record the plan first, then the result.")
            )
        if not photos and not locked.photos.filter(stage=PhotoStage.RESULT).exists():
            raise ServiceError(
                _("Add at least one photo of the result after rectification."), field="photos"
            )
        now = timezone.now()
        old = FINDING_MACHINE.move(locked, FindingStatus.PLANNED, plan=plan, planned_at=now)
        FINDING_MACHINE.move(locked, FindingStatus.FIXED, result=result, fixed_at=now)
        _add_photos(locked, photos, actor, saved)
        log_action(
            actor=actor,
            action="finding.fix_on_spot",
            obj=locked,
            changes={
                "fields": ["plan", "result"],
                "status": [old, FindingStatus.FIXED],
                "photos": len(photos),
            },
        )
        _finish(
            locked,
            _("A rectification result awaits your re-check"),
            _inspectors(locked),
            f"{locked.community.name}：{locked.description[:60]}",
        )
    return locked


def recheck(
    *,
    actor: Actor,
    finding: Finding,
    accepted: bool,
    note: str = "",
    expected_updated_at: datetime | None = None,
) -> Finding:
    """回头看: accept the result, or send it back with the reason (required)."""
    note = (note or "").strip()
    if not accepted and not note:
        raise ServiceError(
            _("Say why it is sent back, so the community knows what to do."), field="note"
        )
    if len(note) > MAX_TEXT:
        raise ServiceError(_("Write at most %(n)s characters.") % {"n": MAX_TEXT}, field="note")
    to = FindingStatus.ACCEPTED if accepted else FindingStatus.RETURNED
    with _locked(finding, expected_updated_at) as locked:
        old = FINDING_MACHINE.move(
            locked,
            to,
            recheck_note=note,
            rechecked_at=timezone.now(),
            rechecked_by=acting_user(actor),
        )
        log_action(
            actor=actor,
            action="finding.accept" if accepted else "finding.return",
            obj=locked,
            changes={"fields": ["recheck_note"], "status": [old, to]},
        )
        if not accepted:
            _finish(
                locked,
                _("A rectification was sent back at the re-check"),
                staff_of([locked.community_id]),
                note[:100],
            )
    return locked


def remind_overdue(*, actor: Actor = None, now: datetime | None = None) -> int:
    """Remind the inspected community's staff of each overdue finding, at most once a day
    (`reminded_at`, set by a conditional update, so two runs at once remind once)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    start_of_day = timezone.make_aware(datetime.combine(today, datetime.min.time()))
    due = (
        Finding.objects.filter(status__in=UNFINISHED_FINDINGS, deadline__lt=today)
        .exclude(round__status=RoundStatus.CLOSED)
        .exclude(reminded_at__gte=start_of_day)
        .select_related("community")
        .order_by("id")
    )
    reminded = 0
    for finding in due.iterator():
        with transaction.atomic():
            changed = (
                Finding.objects.filter(pk=finding.pk, status__in=UNFINISHED_FINDINGS)
                .exclude(reminded_at__gte=start_of_day)
                .update(reminded_at=now)  # not updated_at: a reminder is not an edit
            )
            if not changed:
                continue
            days = (today - finding.deadline).days if finding.deadline else 0
            notify(
                users=staff_of([finding.community_id]),
                title=_("A rectification is overdue"),
                body=_("%(problem)s: %(days)s days past the deadline %(deadline)s.")
                % {
                    "problem": finding.description[:60],
                    "days": days,
                    "deadline": finding.deadline,
                },
                url=reverse("inspections:finding_detail", args=[finding.pk]),
            )
            log_action(actor=actor, action="finding.remind", obj=finding)
            reminded += 1
    return reminded
