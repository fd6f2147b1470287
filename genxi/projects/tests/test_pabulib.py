"""The Pabulib export writes one line per record: no carriage return or other control character
from a title survives into it."""

from decimal import Decimal

import pytest

from genxi.conftest import World
from genxi.projects import figures, services
from genxi.projects.models import Fund, Method
from genxi.projects.tests.test_votes import electorate, fund

pytestmark = pytest.mark.django_db
__all__ = ["fund"]


def test_pabulib_fields_carry_no_control_characters(world: World, fund: Fund) -> None:
    park = services.propose_project(
        actor=world["bob"], fund=fund, title="口袋公园\r一期\x0b", cost=Decimal("50000")
    )
    vote = services.create_vote(
        actor=world["bob"],
        fund=fund,
        title="2026\r年\x1b票决\r\n",
        method=Method.APPROVAL,
        projects=[park],
        max_choices=1,
    )
    electors = electorate(world, vote, 1)
    services.open_vote(actor=world["bob"], vote=vote)
    services.cast_ballot(actor=None, vote=vote, elector=electors[0], projects=[park])
    vote = services.close_vote(actor=world["bob"], vote=vote)
    text = figures.pabulib(vote)
    assert not any(ord(ch) < 32 and ch != "\n" for ch in text), repr(text)
    lines = text.splitlines()
    assert "description;2026 年 票决" in lines
    assert f"{park.pk};50000.00;1;口袋公园 一期;1" in lines
