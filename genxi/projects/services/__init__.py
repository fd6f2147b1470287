"""Writes to funds, projects and votes: each one transaction with an audit entry.

Scarce things are locked before they are checked: a ballot locks its vote's row, money locks its
fund's row (see each module). Reads (a fund's balance, a vote's count, the Pabulib export) are
in `projects.figures`.
"""

from genxi.projects.services.funds import create_fund, record_payment, update_fund_rules
from genxi.projects.services.projects import (
    accept_project,
    add_milestone,
    add_photos,
    finish_milestone,
    move_project,
    propose_project,
    take_up,
    update_project,
)
from genxi.projects.services.votes import (
    Cast,
    add_electors,
    cast_ballot,
    close_vote,
    create_vote,
    open_vote,
    override_result,
)

__all__ = [
    "Cast",
    "accept_project",
    "add_electors",
    "add_milestone",
    "add_photos",
    "cast_ballot",
    "close_vote",
    "create_fund",
    "create_vote",
    "finish_milestone",
    "move_project",
    "open_vote",
    "override_result",
    "propose_project",
    "record_payment",
    "take_up",
    "update_fund_rules",
    "update_project",
]
