"""Good practices (好做法): what an inspecting group or street staff found worth learning from in
a community during a round, kept in a library searchable across rounds."""

import uuid
from typing import Any

from django.utils.translation import gettext as _

from genxi.core.audit import Actor, acting_user
from genxi.core.services import ServiceError, already_submitted, create_object
from genxi.inspections.models import GoodPractice, Round, RoundItem


def create_practice(
    *,
    actor: Actor,
    round: Round,
    community: Any,
    title: str,
    description: str,
    item: RoundItem | None = None,
    photo: Any = None,
    token: uuid.UUID | None = None,
) -> GoodPractice:
    """Record a good practice of `community` found in `round` (with the group that inspected
    it there, when there is one)."""
    if (existing := already_submitted(token, GoodPractice)) is not None:
        return existing
    if not round.communities.filter(pk=community.pk).exists():
        raise ServiceError(_("Choose a community taking part in the round."), field="community")
    if item is not None and item.round_id != round.pk:
        raise ServiceError(_("Choose an item of the round's checklist."), field="item")
    title, description = (title or "").strip(), (description or "").strip()
    if not title:
        raise ServiceError(_("Give the practice a title."), field="title")
    if not description:
        raise ServiceError(_("Describe what they do."), field="description")
    group = round.groups.filter(inspected=community).first()
    saved: list[Any] = []
    inserted: list[int] = []

    def store_photo(practice: GoodPractice) -> None:
        inserted.append(practice.pk)
        if photo is not None:
            practice.photo.save(photo.name, photo, save=True)
            saved.append((practice.photo.storage, practice.photo.name))

    try:
        practice = create_object(
            actor=actor,
            model=GoodPractice,
            fields={
                "round": round,
                "community": community,
                "group": group,
                "item": item,
                "title": title,
                "description": description,
                "created_by": acting_user(actor),
            },
            token=token,
            after_insert=store_photo,
        )
    except BaseException:
        _drop(saved)
        raise
    if saved and practice.pk not in inserted:
        # The same form sent twice at once: the other copy's practice was returned and this
        # one's insert rolled back, so the photo it stored belongs to no row.
        _drop(saved)
    return practice


def _drop(saved: list[Any]) -> None:
    for storage, name in saved:
        storage.delete(name)
