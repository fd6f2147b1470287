"""Rounds: checklist templates, creating a round with its pairings (generated with a seed, in
an order given by hand, or set group by group), opening it, moving it to rectification and
closing it. Street staff only; the views ask `inspections.create_round` / `manage_round`.

The round row is locked (`ROUND_MACHINE.lock`) for every change of its groups or state, so two
staff pressing "regenerate" and "open" at once do one after the other: nobody opens a round
whose groups are being replaced.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.core.audit import Actor, log_action
from genxi.core.services import ConcurrentEdit, ServiceError, create_object, update_object
from genxi.inspections import pairing
from genxi.inspections.models import (
    MAX_ITEM_SCORE,
    ROUND_MACHINE,
    ChecklistTemplate,
    Group,
    GroupMember,
    GroupStatus,
    Round,
    RoundItem,
    RoundStatus,
    TemplateItem,
)
from genxi.places.models import Area, AreaKind

MAX_ITEMS = 40


@dataclass(frozen=True)
class ItemSpec:
    title: str
    max_score: int
    how_to_check: str = ""


# -- Checklist templates ---------------------------------------------------------------------


def _check_items(items: Sequence[ItemSpec]) -> None:
    if not items:
        raise ServiceError(_("A checklist needs at least one item."), field="items")
    if len(items) > MAX_ITEMS:
        raise ServiceError(
            _("A checklist has at most %(n)s items.") % {"n": MAX_ITEMS}, field="items"
        )
    for item in items:
        if not 1 <= item.max_score <= MAX_ITEM_SCORE:
            raise ServiceError(
                _("“%(title)s”: the full score must be between 1 and %(max)s.")
                % {"title": item.title, "max": MAX_ITEM_SCORE},
                field="items",
            )


def _write_items(template: ChecklistTemplate, items: Sequence[ItemSpec]) -> None:
    TemplateItem.objects.filter(template=template).delete()
    TemplateItem.objects.bulk_create(
        TemplateItem(
            template=template,
            title=i.title,
            max_score=i.max_score,
            how_to_check=i.how_to_check,
            position=n,
        )
        for n, i in enumerate(items)
    )


def create_template(
    *,
    actor: Actor,
    street: Area,
    name: str,
    items: Sequence[ItemSpec],
    token: uuid.UUID | None = None,
) -> ChecklistTemplate:
    _check_items(items)
    return create_object(
        actor=actor,
        model=ChecklistTemplate,
        fields={"street": street, "name": name},
        token=token,
        after_insert=lambda t: _write_items(t, items),
        unique_error=_("The street already has a checklist of this name."),
    )


def update_template(
    *,
    actor: Actor,
    template: ChecklistTemplate,
    name: str,
    items: Sequence[ItemSpec],
    expected_updated_at: datetime | None = None,
) -> None:
    """Rename and replace the items. Rounds keep their own copies (`RoundItem`)."""
    _check_items(items)
    with transaction.atomic():
        old = [
            ItemSpec(i.title, i.max_score, i.how_to_check)
            for i in template.items.order_by("position", "id")
        ]
        update_object(
            actor=actor,
            instance=template,
            fields={"name": name},
            expected_updated_at=expected_updated_at,
            unique_error=_("The street already has a checklist of this name."),
        )
        if old != list(items):
            _write_items(template, items)
            ChecklistTemplate.objects.filter(pk=template.pk).update(updated_at=timezone.now())
            log_action(
                actor=actor,
                action="checklisttemplate.items",
                obj=template,
                changes={"items": [[i.title, i.max_score] for i in items]},
            )


# -- Pairings ----------------------------------------------------------------------------------


def names_of(ids: Sequence[int]) -> dict[int, str]:
    return dict(Area.objects.filter(pk__in=ids).values_list("pk", "name"))


def _refuse(problems: list[str], field: str | None = None) -> None:
    if problems:
        raise ServiceError(" ".join(problems), field=field, code="pairing")


def order_from_names(text: str, communities: Sequence[Area]) -> list[int]:
    """The communities in the order typed (names separated by commas, 、 or new lines; the
    trailing 社区 may be left out). Every community of the round must appear once."""
    by_name: dict[str, int] = {}
    for c in communities:
        by_name[c.name] = c.pk
        by_name[c.name.removesuffix("社区")] = c.pk
    order: list[int] = []
    for part in text.replace("、", ",").replace("，", ",").replace("\n", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if part not in by_name:
            raise ServiceError(
                _("“%(name)s” is not one of the round's communities.") % {"name": part},
                field="order",
            )
        if by_name[part] in order:
            raise ServiceError(
                _("“%(name)s” appears twice in the order.") % {"name": part}, field="order"
            )
        order.append(by_name[part])
    missing = [c.name for c in communities if c.pk not in order]
    if missing:
        raise ServiceError(
            _("The order leaves out %(names)s: list every community of the round once.")
            % {"names": "、".join(missing)},
            field="order",
        )
    return order


def plan(
    *, community_ids: Sequence[int], k: int, seed: int | None, order: Sequence[int] | None = None
) -> pairing.Pairing:
    """The pairings for a seed (or an order given by hand), checked; a ServiceError naming
    what to change when the communities and group size cannot be paired."""
    try:
        groups = pairing.loop(order, k) if order else pairing.generate(community_ids, k, seed or 0)
    except pairing.PairingError as exc:
        raise ServiceError(str(exc), field="group_size", code="pairing") from exc
    _refuse(pairing.check(groups, community_ids, k, names_of(list(community_ids))))
    return groups


def _write_groups(round_: Round, groups: pairing.Pairing) -> None:
    Group.objects.filter(round=round_).delete()
    for number, (inspected, members) in enumerate(groups, start=1):
        group = Group.objects.create(round=round_, number=number, inspected_id=inspected)
        GroupMember.objects.bulk_create(GroupMember(group=group, community_id=m) for m in members)


def _copy_items(round_: Round) -> int:
    if round_.template_id is None or round_.items.exists():
        return 0
    items = [
        RoundItem(
            round=round_,
            title=i.title,
            max_score=i.max_score,
            how_to_check=i.how_to_check,
            position=i.position,
        )
        for i in TemplateItem.objects.filter(template_id=round_.template_id)
    ]
    RoundItem.objects.bulk_create(items)
    return len(items)


def create_round(
    *,
    actor: Actor,
    street: Area,
    title: str,
    starts_on: date,
    ends_on: date,
    communities: Sequence[Area],
    group_size: int,
    template: ChecklistTemplate | None,
    seed: int | None,
    order: Sequence[int] | None = None,
    token: uuid.UUID | None = None,
) -> Round:
    """A round being prepared: its checklist copied and its groups made from the seed (or in
    the order given, when staff type the loop themselves)."""
    if ends_on < starts_on:
        raise ServiceError(_("The round cannot end before it starts."), field="ends_on")
    outside = [c.name for c in communities if c.parent_id != street.pk]
    if outside or any(c.kind != AreaKind.COMMUNITY for c in communities):
        raise ServiceError(
            _("Only communities of the street take part: %(names)s is not one.")
            % {"names": "、".join(outside) or "?"},
            field="communities",
        )
    if template is not None and template.street_id != street.pk:
        raise ServiceError(_("Choose one of the street's checklists."), field="template")
    ids = [c.pk for c in communities]
    groups = plan(community_ids=ids, k=group_size, seed=seed, order=order)

    def fill(round_: Round) -> None:
        round_.communities.set(communities)
        _copy_items(round_)
        _write_groups(round_, groups)

    return create_object(
        actor=actor,
        model=Round,
        fields={
            "street": street,
            "title": title,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "group_size": group_size,
            "template": template,
            "seed": None if order else seed,
            "created_by": actor if getattr(actor, "pk", None) else None,
        },
        token=token,
        after_insert=fill,
    )


def _locked_draft(round_: Round, expected_updated_at: datetime | None) -> Round:
    locked = ROUND_MACHINE.lock(round_)
    if expected_updated_at is not None and locked.updated_at != expected_updated_at:
        raise ConcurrentEdit()
    if locked.status != RoundStatus.DRAFT:
        raise ServiceError(_("The groups can be changed only while the round is being prepared."))
    return locked


def regenerate(
    *,
    actor: Actor,
    round: Round,
    seed: int | None,
    order: Sequence[int] | None = None,
    expected_updated_at: datetime | None = None,
) -> None:
    """New groups from another seed (or an order given by hand), while being prepared."""
    with transaction.atomic():
        locked = _locked_draft(round, expected_updated_at)
        ids = list(locked.communities.values_list("pk", flat=True))
        groups = plan(community_ids=ids, k=locked.group_size, seed=seed, order=order)
        _write_groups(locked, groups)
        Round.objects.filter(pk=locked.pk).update(
            seed=None if order else seed, updated_at=timezone.now()
        )
        log_action(
            actor=actor,
            action="round.pairings",
            obj=locked,
            changes={"seed": None if order else seed, "groups": [list(g) for g in groups]},
        )


def set_pairings(
    *,
    actor: Actor,
    round: Round,
    groups: pairing.Pairing,
    expected_updated_at: datetime | None = None,
) -> None:
    """Groups set by hand (one per inspected community), checked against the same rules."""
    with transaction.atomic():
        locked = _locked_draft(round, expected_updated_at)
        ids = list(locked.communities.values_list("pk", flat=True))
        _refuse(pairing.check(groups, ids, locked.group_size, names_of(ids)), field="groups")
        # Numbered in the round's community order, so the page reads the same way each time.
        _write_groups(locked, sorted(groups, key=lambda g: ids.index(g[0])))
        Round.objects.filter(pk=locked.pk).update(seed=None, updated_at=timezone.now())
        log_action(
            actor=actor,
            action="round.pairings",
            obj=locked,
            changes={"seed": None, "groups": [[g[0], list(g[1])] for g in groups]},
        )


# -- States -------------------------------------------------------------------------------------


def open_round(*, actor: Actor, round: Round, expected_updated_at: datetime | None = None) -> None:
    """Being prepared → inspecting: the groups must follow the rules and there must be items."""
    with transaction.atomic():
        locked = ROUND_MACHINE.lock(round)
        if expected_updated_at is not None and locked.updated_at != expected_updated_at:
            raise ConcurrentEdit()  # the groups changed since the page was built: look again
        ROUND_MACHINE.check(locked.status, RoundStatus.ON_SITE)
        _copy_items(locked)
        if not locked.items.exists():
            raise ServiceError(_("Choose a checklist with items before opening the round."))
        ids = list(locked.communities.values_list("pk", flat=True))
        groups = [
            (g.inspected_id, [m.community_id for m in g.members.all()])
            for g in locked.groups.prefetch_related("members")
        ]
        _refuse(pairing.check(groups, ids, locked.group_size, names_of(ids)))
        ROUND_MACHINE.move(locked, RoundStatus.ON_SITE)
        log_action(actor=actor, action="round.open", obj=locked)
    round.status = locked.status


def unsent_groups(round_: Round) -> list[Group]:
    return list(round_.groups.exclude(status=GroupStatus.SUBMITTED).select_related("inspected"))


def start_rectifying(*, actor: Actor, round: Round, force: bool = False) -> None:
    """Inspecting → rectifying, once every group has sent its problem list (or when street
    staff go ahead without the missing lists, having confirmed)."""
    with transaction.atomic():
        locked = ROUND_MACHINE.lock(round)
        ROUND_MACHINE.check(locked.status, RoundStatus.RECTIFYING)
        missing = unsent_groups(locked)
        if missing and not force:
            raise ServiceError(
                _("The groups inspecting %(names)s have not sent their problem lists yet.")
                % {"names": "、".join(g.inspected.name for g in missing)},
                code="lists_missing",
            )
        ROUND_MACHINE.move(locked, RoundStatus.RECTIFYING)
        log_action(
            actor=actor,
            action="round.rectify",
            obj=locked,
            changes={"without_lists": [g.inspected_id for g in missing]},
        )
    round.status = locked.status


def close_round(*, actor: Actor, round: Round) -> None:
    """Rectifying → closed: the inspecting communities no longer see the findings."""
    with transaction.atomic():
        locked = ROUND_MACHINE.lock(round)
        ROUND_MACHINE.move(locked, RoundStatus.CLOSED)
        log_action(actor=actor, action="round.close", obj=locked)
    round.status = locked.status


def round_names(round_: Round) -> dict[int, Any]:
    return names_of(list(round_.communities.values_list("pk", flat=True)))
