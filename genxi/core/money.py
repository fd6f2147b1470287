"""One way to show an amount of money: thousands separators and two decimals ("280,000.00").

Used by the `money` template filter (every page that shows money) and by the messages that
name amounts, so a page never shows "280000" beside "170000.00".
"""

from decimal import Decimal, InvalidOperation
from typing import Any


def money(value: Any) -> str:
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return str(value)
    return f"{amount:,.2f}"
