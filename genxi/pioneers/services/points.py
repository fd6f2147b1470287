"""Points' writes (积分): items that earn points, awarding and correcting, rewards and their
stock, redemptions, handing over at the counter and cancelling.

Two things are scarce: a reward's stock and a resident's balance. Every path that changes
either runs in one transaction and locks the rows it changes, always in the same order: the
reward's row first, then the account's row. One order for every path (`redeem`, `cancel`,
`restock` takes only the reward, `award`/`adjust` only the account) means two transactions
never wait on each other in a circle, so there is no deadlock; the reward goes first because
it is the row many residents race for, and a retried redemption (the same token) is answered
under its lock before the account is even read. The CheckConstraints on the models
(`points_never_negative`, `reward_stock_never_negative`) back the locks: a path that forgot
one could still not sell what is not there, and such a refusal is caught and said plainly.

`settings.GENXI_POINTS_LOCKING = False` skips the row locks. It exists only so that the
concurrency tests can show what the locks prevent; `GENXI_POINTS_RACE_DELAY_MS` then pauses
between checking and writing, so that the race shows on every run.
"""

import secrets
import time as clock
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.core.audit import Actor, log_action
from genxi.core.models import SubmittedForm
from genxi.core.services import ServiceError, already_submitted, create_object, update_object
from genxi.pioneers.models import (
    MAX_POINTS,
    REDEMPTION_MACHINE,
    PointAccount,
    PointEntry,
    PointItem,
    Redemption,
    RedemptionStatus,
    Reward,
)
from genxi.places.models import Area, AreaKind, Resident

# A balance holds at most this much: far below PostgreSQL's integer, whatever is awarded.
MAX_BALANCE = 1_000 * MAX_POINTS
# Pick-up codes: no 0/O, 1/I/L, so that a code read out at the counter is typed right.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
MAX_RESIDENTS_AT_ONCE = 500


def locking() -> bool:
    return bool(getattr(settings, "GENXI_POINTS_LOCKING", True))


def _race_delay() -> None:
    """With the locks off (the concurrency tests only): pause between checking and writing."""
    if not locking():
        delay = getattr(settings, "GENXI_POINTS_RACE_DELAY_MS", 0)
        if delay:
            clock.sleep(delay / 1000)


def _by(actor: Actor) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _remember(token: uuid.UUID | None, obj: Any) -> None:
    if token is not None:
        SubmittedForm.objects.create(
            token=token,
            content_type=ContentType.objects.get_for_model(type(obj)),
            object_id=str(obj.pk),
        )


# ------------------------------------------------------------------------------ where it applies


def applies_to(area: Area, resident: Resident) -> bool:
    """Whether an item or reward set by `area` is for `resident`: set by their community or a
    street (or district) above it."""
    return str(resident.area.path).startswith(str(area.path))


def _check_area(area: Area) -> None:
    if area.kind not in (AreaKind.STREET, AreaKind.COMMUNITY):
        raise ServiceError(
            _("Points items and rewards are set by a street or a community: choose one."),
            field="area",
        )


def _check_value(value: int, field: str, *, low: int = 1) -> None:
    if not low <= value <= MAX_POINTS:
        raise ServiceError(
            _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": MAX_POINTS},
            field=field,
        )


# ------------------------------------------------------------------------------ items


def create_item(
    *,
    actor: Actor,
    area: Area,
    name: str,
    points: int,
    is_active: bool = True,
    token: uuid.UUID | None = None,
) -> PointItem:
    _check_area(area)
    _check_value(points, "points")
    if not name.strip():
        raise ServiceError(_("Name the item, e.g. 参加志愿服务."), field="name")
    return create_object(
        actor=actor,
        model=PointItem,
        fields={"area": area, "name": name.strip(), "points": points, "is_active": is_active},
        token=token,
        unique_error=_("There is an item of that name already: edit it, or choose another name."),
    )


def update_item(
    *,
    actor: Actor,
    item: PointItem,
    name: str,
    points: int,
    is_active: bool,
    expected_updated_at: datetime | None = None,
) -> None:
    """Points already awarded stay as they were: the new value counts from now on."""
    _check_value(points, "points")
    if not name.strip():
        raise ServiceError(_("Name the item, e.g. 参加志愿服务."), field="name")
    update_object(
        actor=actor,
        instance=item,
        fields={"name": name.strip(), "points": points, "is_active": is_active},
        expected_updated_at=expected_updated_at,
        unique_error=_("There is an item of that name already: edit it, or choose another name."),
    )


# ------------------------------------------------------------------------------ accounts


def _account_of(resident: Resident) -> PointAccount:
    """The resident's account, opened on first use (two first awards at once open one)."""
    account, _created = PointAccount.objects.get_or_create(resident=resident)
    return account


def _lock_account(pk: int) -> PointAccount:
    queryset = PointAccount.objects.select_related("resident__area")
    if locking():
        queryset = queryset.select_for_update(of=("self",))
    return queryset.get(pk=pk)


def _lock_reward(pk: int) -> Reward:
    queryset = Reward.objects.select_related("area")
    if locking():
        queryset = queryset.select_for_update(of=("self",))
    reward: Reward = queryset.get(pk=pk)
    return reward


def _credit(
    account: PointAccount, points: int, *, at: datetime, by: Any, **entry: Any
) -> PointEntry:
    """Add `points` (negative to take back) to a locked account, with its ledger line."""
    after = account.balance + points
    if after < 0:
        raise ServiceError(
            _(
                "That would take %(name)s's balance below zero: it is %(balance)s. "
                "Take back at most %(balance)s points."
            )
            % {"name": account.resident.name, "balance": account.balance},
            field="points",
            code="below_zero",
        )
    if after > MAX_BALANCE:
        raise ServiceError(
            _("A balance holds at most %(n)s points.") % {"n": MAX_BALANCE},
            field="points",
        )
    PointAccount.objects.filter(pk=account.pk).update(
        balance=F("balance") + points, earned=F("earned") + points, updated_at=timezone.now()
    )
    account.balance, account.earned = after, account.earned + points
    return PointEntry.objects.create(
        account=account, points=points, balance_after=after, by=by, at=at, **entry
    )


def _check_item_for(item: PointItem, resident: Resident) -> None:
    if not item.is_active:
        raise ServiceError(
            _("“%(item)s” is no longer in use: choose another item.") % {"item": item.name},
            field="item",
        )
    if not applies_to(item.area, resident):
        raise ServiceError(
            _("“%(item)s” is not an item of %(name)s's community or street: choose one of theirs.")
            % {"item": item.name, "name": resident.name},
            field="item",
        )


def award(
    *,
    actor: Actor,
    resident: Resident,
    item: PointItem,
    reason: str = "",
    token: uuid.UUID | None = None,
) -> PointEntry:
    """Award `item`'s points to `resident` (their account opens on first use). The item must be
    their community's or their street's. A retried award (same `token`) writes once."""
    return award_many(actor=actor, residents=[resident], item=item, reason=reason, token=token)[0]


def award_many(
    *,
    actor: Actor,
    residents: Iterable[Resident],
    item: PointItem,
    reason: str = "",
    token: uuid.UUID | None = None,
) -> list[PointEntry]:
    """Award `item` to each of `residents` (everyone who volunteered at an activity), all or
    none. A retried submission (same `token`) writes nothing and returns the first one's lines."""
    people = sorted({r.pk: r for r in residents}.values(), key=lambda r: r.pk)
    if not people:
        raise ServiceError(_("Choose at least one resident."), field="residents")
    if len(people) > MAX_RESIDENTS_AT_ONCE:
        raise ServiceError(
            _("Award to at most %(n)s residents at once.") % {"n": MAX_RESIDENTS_AT_ONCE},
            field="residents",
        )
    for resident in people:
        _check_item_for(item, resident)
    reason = reason.strip()[:200]
    with transaction.atomic():
        first = already_submitted(token, PointEntry)
        if first is not None:
            return list(PointEntry.objects.filter(item=first.item_id, at=first.at, by=first.by_id))
        accounts = [_account_of(r) for r in people]
        # Locked in id order, so that two batches naming the same residents never deadlock.
        locked = {a.pk: _lock_account(a.pk) for a in sorted(accounts, key=lambda a: a.pk)}
        at = timezone.now()
        entries = [
            _credit(locked[a.pk], item.points, at=at, by=_by(actor), item=item, reason=reason)
            for a in accounts
        ]
        try:
            with transaction.atomic():
                _remember(token, entries[0])
        except IntegrityError:
            # The same form sent twice at once: the other request awarded already.
            raise ServiceError(
                _("These points were just awarded. Reload the page to see them."),
                code="already_done",
            ) from None
        log_action(
            actor=actor,
            action="pointentry.award",
            obj=item,
            changes={
                "residents": [r.pk for r in people],
                "points": item.points,
                "reason": reason,
            },
        )
    return entries


def adjust(
    *,
    actor: Actor,
    account: PointAccount,
    points: int,
    reason: str,
    token: uuid.UUID | None = None,
) -> PointEntry:
    """A correction by staff: add points, or take back (negative) no more than the balance."""
    reason = reason.strip()[:200]
    if not reason:
        raise ServiceError(_("Say why the points are corrected."), field="reason")
    if points == 0 or abs(points) > MAX_POINTS:
        raise ServiceError(
            _("Enter the points to add (or, with a minus sign, to take back): at most %(n)s.")
            % {"n": MAX_POINTS},
            field="points",
        )
    with transaction.atomic():
        first = already_submitted(token, PointEntry)
        if first is not None:
            return first
        locked = _lock_account(account.pk)
        _race_delay()
        try:
            with transaction.atomic():
                entry = _credit(locked, points, at=timezone.now(), by=_by(actor), reason=reason)
                _remember(token, entry)
        except IntegrityError:
            raise ServiceError(
                _(
                    "The balance changed at the same moment. Reload the account and correct "
                    "it again."
                ),
                code="below_zero",
            ) from None
        log_action(
            actor=actor,
            action="pointaccount.adjust",
            obj=locked,
            changes={"points": points, "reason": reason, "balance": locked.balance},
        )
    account.balance, account.earned = locked.balance, locked.earned
    return entry


# ------------------------------------------------------------------------------ rewards


def create_reward(
    *,
    actor: Actor,
    area: Area,
    name: str,
    cost: int,
    stock: int = 0,
    description: str = "",
    is_active: bool = True,
    token: uuid.UUID | None = None,
) -> Reward:
    _check_area(area)
    _check_value(cost, "cost")
    _check_value(stock, "stock", low=0)
    if not name.strip():
        raise ServiceError(_("Name the reward, e.g. 洗衣液一瓶."), field="name")
    return create_object(
        actor=actor,
        model=Reward,
        fields={
            "area": area,
            "name": name.strip(),
            "cost": cost,
            "stock": stock,
            "description": description.strip(),
            "is_active": is_active,
        },
        token=token,
        unique_error=_("There is a reward of that name already: edit it, or choose another name."),
    )


def update_reward(
    *,
    actor: Actor,
    reward: Reward,
    name: str,
    cost: int,
    description: str = "",
    is_active: bool = True,
    expected_updated_at: datetime | None = None,
) -> None:
    """Name, cost and whether it is offered. The stock changes only by `restock` (a count
    added or taken away under the lock), never by writing a number over a redemption."""
    _check_value(cost, "cost")
    if not name.strip():
        raise ServiceError(_("Name the reward, e.g. 洗衣液一瓶."), field="name")
    update_object(
        actor=actor,
        instance=reward,
        fields={
            "name": name.strip(),
            "cost": cost,
            "description": description.strip(),
            "is_active": is_active,
        },
        expected_updated_at=expected_updated_at,
        unique_error=_("There is a reward of that name already: edit it, or choose another name."),
    )


def restock(*, actor: Actor, reward: Reward, change: int, note: str = "") -> Reward:
    """Add `change` items to the stock (negative: take some away, e.g. damaged), never below
    zero."""
    if change == 0 or abs(change) > MAX_POINTS:
        raise ServiceError(
            _("Enter how many to add (or, with a minus sign, to take away): at most %(n)s.")
            % {"n": MAX_POINTS},
            field="change",
        )
    with transaction.atomic():
        locked = _lock_reward(reward.pk)
        after = locked.stock + change
        if after < 0:
            raise ServiceError(
                _("Only %(n)s are in stock: take away at most %(n)s.") % {"n": locked.stock},
                field="change",
            )
        if after > MAX_POINTS:
            raise ServiceError(
                _("A stock holds at most %(n)s.") % {"n": MAX_POINTS}, field="change"
            )
        Reward.objects.filter(pk=locked.pk).update(
            stock=F("stock") + change, updated_at=timezone.now()
        )
        log_action(
            actor=actor,
            action="reward.restock",
            obj=locked,
            changes={"stock": [locked.stock, after], "note": note.strip()[:200]},
        )
    reward.stock = after
    return reward


# ------------------------------------------------------------------------------ redemptions


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def redeem(
    *,
    actor: Actor,
    account: PointAccount,
    reward: Reward,
    token: uuid.UUID | None = None,
) -> Redemption:
    """Spend the account's points on one of `reward`, held for collection with a pick-up code.
    Refused with nothing written when the reward is not offered to the resident, out of stock,
    or costs more than the balance. A retried redemption (same `token`) redeems once."""
    with transaction.atomic():
        # The reward first, then the account: the one lock order (see the module's docstring).
        item = _lock_reward(reward.pk)
        first = already_submitted(token, Redemption)
        if first is not None:
            return first
        locked = _lock_account(account.pk)
        resident = locked.resident
        if not item.is_active or not applies_to(item.area, resident):
            raise ServiceError(
                _("“%(reward)s” is not offered now. Choose another reward.")
                % {"reward": item.name},
                code="not_offered",
            )
        if item.stock < 1:
            raise ServiceError(
                _("“%(reward)s” is out of stock. Choose another reward or ask your community.")
                % {"reward": item.name},
                code="out_of_stock",
            )
        if locked.balance < item.cost:
            raise ServiceError(
                _(
                    "Not enough points: “%(reward)s” costs %(cost)s and you have %(balance)s. "
                    "Earn more by volunteering, or choose a cheaper reward."
                )
                % {"reward": item.name, "cost": item.cost, "balance": locked.balance},
                code="not_enough",
            )
        _race_delay()
        now = timezone.now()
        try:
            with transaction.atomic():
                Reward.objects.filter(pk=item.pk).update(stock=F("stock") - 1, updated_at=now)
                PointAccount.objects.filter(pk=locked.pk).update(
                    balance=F("balance") - item.cost, updated_at=now
                )
                redemption = _create_redemption(locked, item)
                PointEntry.objects.create(
                    account=locked,
                    redemption=redemption,
                    points=-item.cost,
                    balance_after=locked.balance - item.cost,
                    reason=item.name,
                    by=_by(actor),
                    at=now,
                )
                _remember(token, redemption)
        except IntegrityError:
            # Only without the locks: the database's constraints refused what the checks let by.
            if token is not None and (again := already_submitted(token, Redemption)) is not None:
                return again
            raise ServiceError(
                _(
                    "Someone redeemed at the same moment and it ran out, or your balance changed. "
                    "Reload the page and try again."
                ),
                code="raced",
            ) from None
        log_action(
            actor=actor,
            action="redemption.create",
            obj=redemption,
            changes={"reward": item.pk, "points": item.cost, "account": locked.pk},
        )
    account.balance = locked.balance - item.cost
    reward.stock = item.stock - 1
    return redemption


def _create_redemption(account: PointAccount, reward: Reward) -> Redemption:
    """A redemption with a fresh code (a code already used, one in a billion, draws again)."""
    for _attempt in range(4):
        try:
            with transaction.atomic():
                return Redemption.objects.create(
                    account=account, reward=reward, points=reward.cost, code=_new_code()
                )
        except IntegrityError:
            continue
    return Redemption.objects.create(
        account=account, reward=reward, points=reward.cost, code=_new_code()
    )


def normalise_code(code: str) -> str:
    return "".join(code.split()).upper()


def hand_over(*, actor: Actor, redemption: Redemption) -> Redemption:
    """At the counter: the resident shows the code and takes the reward (HELD → HANDED)."""
    with transaction.atomic():
        locked = REDEMPTION_MACHINE.lock(redemption)
        if locked.status == RedemptionStatus.HANDED:
            raise ServiceError(
                _("This was handed over already, on %(when)s. Do not hand it over again.")
                % {"when": f"{timezone.localtime(locked.handed_at):%Y-%m-%d %H:%M}"},
                code="handed",
            )
        if locked.status == RedemptionStatus.CANCELLED:
            raise ServiceError(
                _("This redemption was cancelled and its points returned: nothing to hand over."),
                code="cancelled",
            )
        by = _by(actor)
        old = REDEMPTION_MACHINE.move(
            locked,
            RedemptionStatus.HANDED,
            handed_at=timezone.now(),
            handed_by_id=by.pk if by is not None else None,
        )
        log_action(
            actor=actor,
            action="redemption.hand_over",
            obj=locked,
            changes={"status": [old, RedemptionStatus.HANDED]},
        )
    return locked


def cancel(*, actor: Actor, redemption: Redemption, reason: str = "") -> Redemption:
    """Cancel a redemption not yet handed over: its points go back to the account and the item
    back to the stock, in one transaction."""
    with transaction.atomic():
        # The same lock order as `redeem`: the reward, then the account, then the redemption.
        item = _lock_reward(redemption.reward_id)
        account = _lock_account(redemption.account_id)
        locked = REDEMPTION_MACHINE.lock(redemption)
        if locked.status == RedemptionStatus.HANDED:
            raise ServiceError(
                _("This was handed over already: it cannot be cancelled."), code="handed"
            )
        old = REDEMPTION_MACHINE.move(locked, RedemptionStatus.CANCELLED)
        Reward.objects.filter(pk=item.pk).update(stock=F("stock") + 1, updated_at=timezone.now())
        PointAccount.objects.filter(pk=account.pk).update(
            balance=F("balance") + locked.points, updated_at=timezone.now()
        )
        PointEntry.objects.create(
            account=account,
            redemption=locked,
            points=locked.points,
            balance_after=account.balance + locked.points,
            reason=(reason.strip() or _("Redemption cancelled"))[:200],
            by=_by(actor),
        )
        log_action(
            actor=actor,
            action="redemption.cancel",
            obj=locked,
            changes={"status": [old, RedemptionStatus.CANCELLED], "reason": reason[:200]},
        )
    return locked
