"""Writes to demands: the category tree, and each step of a demand's lifecycle.

Every lifecycle step is one service with a guard (the TRANSITIONS map, through
`models.DEMAND_MACHINE`), applied as a compare-and-set on the status: of two people acting on
one demand at once, one wins and the other is told plainly what happened. Each step appends a
DemandEvent (what the figures are computed from) and an audit entry, in the same transaction.

By topic:

- `categories`: the category tree.
- `intake`: a demand recorded (`collect_demand`), and "me too" (`add_reporter`).
- `lifecycle`: accept, verify, assign, handle, resolve; refer elsewhere, withdraw, merge.
- `callbacks`: call-backs after resolution, and close-out.
- `referral`: referral (转办) within the street, and corrections of place or category.
- `deadlines`: the deadline rule, and deadlines recounted with a year's published holidays.
- `reminders`: the daily sweep of deadlines and call-backs due.
- `extensions`: requests for more time and their decision.
- `visits`: a pioneer's home visit, its asks raised as demands and its follow-ups.
- `steps`: what every step shares (its guard and event, who hears of it).

Callers use `genxi.demands.services.<name>`: everything they need is imported here.
"""

from genxi.core.services import ServiceError
from genxi.demands.models import StaleDemand
from genxi.demands.services.callbacks import (
    _still_to_call,
    can_call_back,
    can_close_out,
    close_out,
    record_callback,
    record_unreachable,
)
from genxi.demands.services.categories import DUPLICATE, create_category, update_category
from genxi.demands.services.deadlines import recompute_provisional_deadlines, start_day
from genxi.demands.services.extensions import decide_extension, request_extension
from genxi.demands.services.intake import (
    CODE_ALPHABET,
    CODE_LENGTH,
    add_reporter,
    collect_demand,
    new_code,
)
from genxi.demands.services.lifecycle import (
    accept,
    assign,
    merge,
    post_update,
    refer,
    resolve,
    send_back,
    start_handling,
    verify,
    withdraw,
)
from genxi.demands.services.referral import correct, transfer, transfer_destinations
from genxi.demands.services.reminders import CALLBACK_WINDOW_DAYS, remind_and_escalate
from genxi.demands.services.steps import _handlers_of_community
from genxi.demands.services.visits import Ask, record_visit

__all__ = [
    "CALLBACK_WINDOW_DAYS",
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "DUPLICATE",
    "Ask",
    "ServiceError",
    "StaleDemand",
    "_handlers_of_community",
    "_still_to_call",
    "accept",
    "add_reporter",
    "assign",
    "can_call_back",
    "can_close_out",
    "close_out",
    "collect_demand",
    "correct",
    "create_category",
    "decide_extension",
    "merge",
    "new_code",
    "post_update",
    "recompute_provisional_deadlines",
    "record_callback",
    "record_unreachable",
    "record_visit",
    "refer",
    "remind_and_escalate",
    "request_extension",
    "resolve",
    "send_back",
    "start_day",
    "start_handling",
    "transfer",
    "transfer_destinations",
    "update_category",
    "verify",
    "withdraw",
]
