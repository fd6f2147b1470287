"""Writes to service funds: creating one, its usage rules, and payments from it.

Money locks its fund's row before anything is checked, so the same money is never spent twice;
the database backs it with positive amounts and a reserve within the amount.
"""

import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from genxi.core.audit import Actor, acting_user, log_action
from genxi.core.money import money
from genxi.core.services import ServiceError, create_object, update_object
from genxi.demands.models import Category
from genxi.places.models import Area, AreaKind
from genxi.projects.figures import bound, ledger
from genxi.projects.models import EntryKind, Fund, FundEntry, Phase, Project


def create_fund(
    *,
    actor: Actor,
    community: Area,
    year: int,
    amount: Decimal,
    reserve: Decimal = Decimal(0),
    max_per_project: Decimal | None = None,
    categories: Iterable[Category] = (),
    token: uuid.UUID | None = None,
) -> Fund:
    if community.kind != AreaKind.COMMUNITY:
        raise ServiceError(_("A service fund belongs to a community."), field="community")
    _check_rules(amount, reserve, max_per_project)
    return create_object(
        actor=actor,
        model=Fund,
        fields={
            "community": community,
            "year": year,
            "amount": amount,
            "reserve": reserve,
            "max_per_project": max_per_project,
        },
        m2m={"categories": list(categories)},
        token=token,
        unique_error=_("This community already has a service fund for that year."),
    )


def _check_rules(amount: Decimal, reserve: Decimal, max_per_project: Decimal | None) -> None:
    if amount < 0:
        raise ServiceError(_("The amount cannot be negative."), field="amount")
    if not 0 <= reserve <= amount:
        raise ServiceError(_("The reserve must lie between 0 and the amount."), field="reserve")
    if max_per_project is not None and max_per_project <= 0:
        raise ServiceError(
            _("The most a project may cost must be more than 0."), field="max_per_project"
        )


def update_fund_rules(
    *,
    actor: Actor,
    fund: Fund,
    amount: Decimal,
    reserve: Decimal,
    max_per_project: Decimal | None,
    categories: Iterable[Category],
    expected_updated_at: datetime | None = None,
) -> Fund:
    """Change the usage rules; refused once a vote on the fund has opened (rules freeze), and
    when someone else changed them since the form was read (`expected_updated_at`)."""
    _check_rules(amount, reserve, max_per_project)
    with transaction.atomic():
        locked = Fund.objects.select_for_update().get(pk=fund.pk)
        if locked.frozen_at is not None:
            raise ServiceError(_("A vote on this fund has opened: its rules can no longer change."))
        update_object(
            actor=actor,
            instance=fund,
            fields={"amount": amount, "reserve": reserve, "max_per_project": max_per_project},
            m2m={"categories": list(categories)},
            expected_updated_at=expected_updated_at,
        )
    return fund


def record_payment(
    *,
    actor: Actor,
    project: Project,
    amount: Decimal,
    note: str = "",
    override_reason: str = "",
) -> FundEntry:
    """Pay towards a chosen project from its fund.

    Paying beyond what was committed to the project needs a reason (it comes out of the reserve
    or what is free); nothing is ever paid beyond the fund's whole amount.
    """
    if amount <= 0:
        raise ServiceError(_("Enter an amount above 0."), field="amount")
    with transaction.atomic():
        fund = Fund.objects.select_for_update().get(pk=project.fund_id)  # money: one at a time
        project = Project.objects.get(pk=project.pk)
        if project.phase not in (Phase.SELECTED, Phase.EXECUTION, Phase.ACCEPTED):
            raise ServiceError(_("Only a project that was chosen can be paid for."))
        entries = ledger(fund)
        committed, paid = entries.get(project.pk, (Decimal(0), Decimal(0)))
        if paid + amount > committed and not override_reason.strip():
            raise ServiceError(
                _(
                    "This would pay %(total)s yuan against the %(committed)s committed to the "
                    "project. To spend more, give the reason."
                )
                % {"total": money(paid + amount), "committed": money(committed)},
                field="override_reason",
            )
        spoken_for = bound(entries)
        after = spoken_for - max(committed, paid) + max(committed, paid + amount)
        if after > fund.amount:
            raise ServiceError(
                _("The fund has only %(left)s yuan that nothing is bound to.")
                % {"left": money(fund.amount - spoken_for)},
                field="amount",
            )
        entry = FundEntry.objects.create(
            fund=fund,
            project=project,
            kind=EntryKind.PAYMENT,
            amount=amount,
            note=note,
            override_reason=override_reason.strip(),
            created_by=acting_user(actor),
        )
        log_action(
            actor=actor,
            action="project.payment",
            obj=project,
            changes={"amount": str(amount), "override_reason": entry.override_reason},
        )
    return entry
