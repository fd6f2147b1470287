"""Writes that span apps: the settings page's, where the calendar (core) and the demands'
deadlines (demands) are both known."""

from collections.abc import Iterable
from datetime import date

from django.db import transaction

from genxi.core import services as core
from genxi.core.audit import Actor
from genxi.demands.services import recompute_provisional_deadlines


def set_year_schedule(
    *, actor: Actor, year: int, holidays: Iterable[date], makeup_workdays: Iterable[date]
) -> int:
    """Enter a year's holidays and make-up working days (`genxi.core.services.set_year_schedule`)
    and, in the same transaction, recount the open demands' deadlines counted through that year
    by the weekday rule, each with an event; returns how many demands changed."""
    with transaction.atomic():
        core.set_year_schedule(
            actor=actor, year=year, holidays=holidays, makeup_workdays=makeup_workdays
        )
        return recompute_provisional_deadlines(actor=actor, year=year)
