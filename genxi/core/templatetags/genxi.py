from typing import Any

from django import template

from genxi.core.money import money as format_money

register = template.Library()


@register.filter
def get_item(mapping: dict[Any, Any] | None, key: Any) -> Any:
    return (mapping or {}).get(key)


@register.filter
def money(value: Any) -> str:
    """An amount of money: "280,000.00" (genxi.core.money)."""
    return format_money(value)
