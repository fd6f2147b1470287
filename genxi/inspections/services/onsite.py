"""On site: a group's scores, its findings with photos, and sending its problem list.

A score is saved by compare-and-set on its `updated_at` (the value the sheet was built from):
if another inspector of the group saved a different score in between, nothing is written and
the person is told to reload; sending the same score twice (a double tap, a retried request)
is no error. A finding is edited the same way, and only while its list is not sent. Sending
the list locks the group row: after it the sheet is read-only, the findings open for the
inspected community, whose staff are told.
"""

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.accounts.models import Role, User
from genxi.core.audit import Actor, log_action
from genxi.core.notify import notify
from genxi.core.services import ConcurrentEdit, ServiceError, create_object, update_object
from genxi.inspections.models import (
    GROUP_MACHINE,
    Finding,
    FindingPhoto,
    FindingStatus,
    FixMode,
    Group,
    GroupStatus,
    PhotoStage,
    RoundItem,
    RoundStatus,
    Score,
)

OPEN_ROUND = (RoundStatus.ON_SITE, RoundStatus.RECTIFYING)
MAX_PHOTOS = 9
MAX_DEADLINE_DAYS = 365
MAX_TEXT = 2000


def _writable(group: Group) -> None:
    if group.round.status not in OPEN_ROUND:
        raise ServiceError(_("The round is not open for inspecting."))
    if group.status != GroupStatus.SCORING:
        raise ServiceError(
            _("The group's problem list has been sent: its sheet can no longer be changed."),
            code="sent",
        )


def _by(actor: Actor) -> Any:
    return actor if getattr(actor, "pk", None) else None


# -- Scores -------------------------------------------------------------------------------------


def save_score(
    *,
    actor: Actor,
    group: Group,
    item: RoundItem,
    score: int,
    note: str = "",
    expected_updated_at: datetime | None = None,
) -> Score:
    """Set the group's score for one item. `expected_updated_at`: the score's stamp when the
    sheet was built (None: there was no score yet)."""
    if item.round_id != group.round_id:
        raise ServiceError(_("This item is not on the round's checklist."))
    if not 0 <= score <= item.max_score:
        raise ServiceError(
            _("“%(item)s” is scored from 0 to %(max)s.")
            % {"item": item.title, "max": item.max_score},
            field="score",
        )
    with transaction.atomic():
        locked = GROUP_MACHINE.lock(group)  # the list cannot be sent while a score is saved
        _writable(locked)
        existing = Score.objects.select_for_update().filter(group=group, item=item).first()
        if existing is None:
            if expected_updated_at is not None:
                raise ConcurrentEdit()  # it was there when the sheet was built: gone since
            try:
                with transaction.atomic():
                    created: Score = create_object(
                        actor=actor,
                        model=Score,
                        fields={
                            "group": group,
                            "item": item,
                            "score": score,
                            "note": note,
                            "by": _by(actor),
                        },
                    )
                    return created
            except (ServiceError, IntegrityError):
                existing = Score.objects.select_for_update().get(group=group, item=item)
        if existing.score == score and existing.note == note:
            return existing  # the same score again: nothing to write, nothing to refuse
        if existing.updated_at != expected_updated_at:
            raise ConcurrentEdit()
        update_object(
            actor=actor,
            instance=existing,
            fields={"score": score, "note": note, "by": _by(actor)},
            expected_updated_at=expected_updated_at,
        )
        return existing


def sheet(group: Group) -> list[tuple[RoundItem, Score | None]]:
    """The checklist with the group's score for each item (None: not scored yet)."""
    scores = {s.item_id: s for s in group.scores.all()}
    return [(item, scores.get(item.pk)) for item in group.round.items.all()]


# -- Findings -----------------------------------------------------------------------------------


def _check_text(description: str, suggestion: str) -> None:
    for field, value in (("description", description), ("suggestion", suggestion)):
        if len(value or "") > MAX_TEXT:
            raise ServiceError(
                _("Write at most %(n)s characters.") % {"n": MAX_TEXT}, field=field, code="too_long"
            )


def _check_finding(
    group: Group, item: RoundItem | None, mode: str, deadline: date | None
) -> date | None:
    if item is not None and item.round_id != group.round_id:
        raise ServiceError(_("This item is not on the round's checklist."), field="item")
    if mode == FixMode.ON_SPOT:
        return None
    if deadline is None:
        raise ServiceError(_("A problem fixed by a deadline needs the deadline."), field="deadline")
    today = timezone.localdate()
    if deadline < today:
        raise ServiceError(_("The deadline cannot be in the past."), field="deadline")
    if deadline > today + timedelta(days=MAX_DEADLINE_DAYS):
        raise ServiceError(_("The deadline must be within a year."), field="deadline")
    return deadline


def _check_photo_count(count: int) -> None:
    if count > MAX_PHOTOS:
        raise ServiceError(
            _("A finding has at most %(n)s photos.") % {"n": MAX_PHOTOS}, field="photos"
        )


def _add_photos(
    finding: Finding,
    photos: Sequence[ContentFile[bytes]],
    actor: Actor,
    saved: list[tuple[Any, str]],
) -> None:
    """Save the photos; each stored file is noted in `saved` so that a write that fails (or
    loses a race) can delete it again."""
    _check_photo_count(finding.photos.filter(stage=PhotoStage.FINDING).count() + len(photos))
    for photo in photos:
        row = FindingPhoto(finding=finding, stage=PhotoStage.FINDING, by=_by(actor))
        row.image.save(photo.name or "photo.jpg", photo, save=False)
        saved.append((row.image.storage, row.image.name))
        row.save()


def _drop_files(saved: list[tuple[Any, str]]) -> None:
    for storage, name in saved:
        storage.delete(name)


def _delete_files_on_commit(photos: Sequence[FindingPhoto]) -> None:
    """A removed photo's file goes only once its row's removal is committed: a refused or
    rolled-back write leaves every photo in place."""
    files = [(p.image.storage, p.image.name) for p in photos if p.image.name]
    transaction.on_commit(lambda: _drop_files(files))


def create_finding(
    *,
    actor: Actor,
    group: Group,
    item: RoundItem | None,
    description: str,
    suggestion: str = "",
    severity: str,
    mode: str,
    deadline: date | None = None,
    photos: Sequence[ContentFile[bytes]] = (),
    token: uuid.UUID | None = None,
) -> Finding:
    _check_text(description, suggestion)
    deadline = _check_finding(group, item, mode, deadline)
    _check_photo_count(len(photos))
    saved: list[tuple[Any, str]] = []
    inserted: list[int] = []

    def store_photos(f: Finding) -> None:
        inserted.append(f.pk)
        _add_photos(f, photos, actor, saved)

    try:
        finding = _create_finding(
            actor=actor,
            group=group,
            fields={
                "group": group,
                "round_id": group.round_id,
                "community_id": group.inspected_id,
                "item": item,
                "description": description,
                "suggestion": suggestion,
                "severity": severity,
                "mode": mode,
                "deadline": deadline,
                "created_by": _by(actor),
            },
            token=token,
            after_insert=store_photos,
        )
    except BaseException:
        _drop_files(saved)
        raise
    if saved and finding.pk not in inserted:
        # The same form sent twice at once: the other copy's finding was returned and this
        # one's insert rolled back, so the files it stored belong to no row.
        _drop_files(saved)
    return finding


def _create_finding(
    *,
    actor: Actor,
    group: Group,
    fields: dict[str, Any],
    token: uuid.UUID | None,
    after_insert: Any,
) -> Finding:
    with transaction.atomic():
        locked = GROUP_MACHINE.lock(group)
        _writable(locked)
        finding: Finding = create_object(
            actor=actor, model=Finding, fields=fields, token=token, after_insert=after_insert
        )
    return finding


def _locked_draft(finding: Finding, expected_updated_at: datetime | None) -> Finding:
    locked = Finding.objects.select_for_update().select_related("group__round").get(pk=finding.pk)
    if locked.status != FindingStatus.DRAFT:
        raise ServiceError(
            _("The problem list has been sent: this finding can no longer be changed."),
            code="sent",
        )
    if expected_updated_at is not None and locked.updated_at != expected_updated_at:
        raise ConcurrentEdit()
    _writable(locked.group)
    return locked


def update_finding(
    *,
    actor: Actor,
    finding: Finding,
    item: RoundItem | None,
    description: str,
    suggestion: str = "",
    severity: str,
    mode: str,
    deadline: date | None = None,
    photos: Sequence[ContentFile[bytes]] = (),
    remove_photos: Sequence[int] = (),
    expected_updated_at: datetime | None = None,
) -> None:
    """Change a finding whose list is not sent yet: compare-and-set on `updated_at`, so of two
    inspectors editing it at once the second is told to reload."""
    _check_text(description, suggestion)
    deadline = _check_finding(finding.group, item, mode, deadline)
    saved: list[tuple[Any, str]] = []
    try:
        _update_finding(
            actor=actor,
            finding=finding,
            fields={
                "item": item,
                "description": description,
                "suggestion": suggestion,
                "severity": severity,
                "mode": mode,
                "deadline": deadline,
            },
            photos=photos,
            remove_photos=remove_photos,
            expected_updated_at=expected_updated_at,
            saved=saved,
        )
    except BaseException:
        _drop_files(saved)
        raise


def _update_finding(
    *,
    actor: Actor,
    finding: Finding,
    fields: dict[str, Any],
    photos: Sequence[ContentFile[bytes]],
    remove_photos: Sequence[int],
    expected_updated_at: datetime | None,
    saved: list[tuple[Any, str]],
) -> None:
    with transaction.atomic():
        locked = _locked_draft(finding, expected_updated_at)
        removed = list(locked.photos.filter(stage=PhotoStage.FINDING, pk__in=list(remove_photos)))
        # Counted before anything is touched: a refusal leaves the rows and the files as they were.
        _check_photo_count(
            locked.photos.filter(stage=PhotoStage.FINDING).count() - len(removed) + len(photos)
        )
        update_object(
            actor=actor,
            instance=locked,
            fields=fields,
            expected_updated_at=expected_updated_at,
        )
        gone = [p.pk for p in removed]
        FindingPhoto.objects.filter(pk__in=gone).delete()
        _delete_files_on_commit(removed)
        _add_photos(locked, photos, actor, saved)
        if photos or gone:
            Finding.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
            log_action(
                actor=actor,
                action="finding.photos",
                obj=locked,
                changes={"added": len(photos), "removed": gone},
            )


def delete_finding(
    *, actor: Actor, finding: Finding, expected_updated_at: datetime | None = None
) -> None:
    with transaction.atomic():
        locked = _locked_draft(finding, expected_updated_at)
        log_action(
            actor=actor,
            action="finding.delete",
            obj=locked,
            changes={"description": locked.description},
        )
        _delete_files_on_commit(list(locked.photos.all()))
        locked.delete()


# -- The problem list ---------------------------------------------------------------------------


def community_staff(area_id: int) -> Any:
    return User.objects.filter(
        is_active=True, memberships__role=Role.COMMUNITY_STAFF, memberships__area_id=area_id
    ).distinct()


def send_list(*, actor: Actor, group: Group) -> int:
    """Send the group's problem list (问题清单): the sheet becomes read-only, its findings open
    for the inspected community, whose staff are told. Returns how many findings were sent."""
    with transaction.atomic():
        locked = GROUP_MACHINE.lock(group)
        if locked.status == GroupStatus.SUBMITTED:
            raise ServiceError(_("The problem list has already been sent."), code="sent")
        _writable(locked)
        now = timezone.now()
        GROUP_MACHINE.move(locked, GroupStatus.SUBMITTED, submitted_at=now, submitted_by=_by(actor))
        count = Finding.objects.filter(group=locked, status=FindingStatus.DRAFT).update(
            status=FindingStatus.OPEN, updated_at=now
        )
        log_action(actor=actor, action="group.send_list", obj=locked, changes={"findings": count})
        notify(
            users=community_staff(locked.inspected_id),
            title=_("Problem list from the peer inspection: %(round)s")
            % {"round": locked.round.title},
            body=_("%(n)s problems were found; make a rectification plan for each.") % {"n": count},
            url=locked.get_absolute_url(),
        )
    group.status, group.submitted_at = locked.status, locked.submitted_at
    return count
