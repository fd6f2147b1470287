"""Template filters of the three lists: what partners gave a project, summed in the database."""

from decimal import Decimal
from typing import Any

from django import template
from django.db.models import Sum

register = template.Library()


@register.filter
def contributed(project: Any) -> Decimal:
    """The money (and value of goods and services) partners gave `project`."""
    total = project.contributions.aggregate(total=Sum("amount"))["total"]
    return total or Decimal(0)
