"""Partners claiming one need at the same moment, from threads with their own connections, on
PostgreSQL: one wins, every other is told the need is taken, and the need has one claim.

`claim_need` locks the need row before it reads its status. With the lock switched off
(GENXI_COBUILDING_LOCKING=False, and a pause between reading and writing so that every thread
reads the need still open) the same burst goes wrong: the losers reach the insert and the
`need_claimed_once` constraint answers them with a database error instead of the refusal, so
the first test fails without the lock.
"""

import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, connection, connections
from django.utils import timezone

from genxi.accounts.models import Role, User
from genxi.accounts.services import create_user, grant_membership
from genxi.cobuilding.models import (
    Agreement,
    AgreementParty,
    AgreementStatus,
    Claim,
    Need,
    NeedStatus,
)
from genxi.cobuilding.services import lists as services
from genxi.conftest import PASSWORD, World
from genxi.core.services import ServiceError
from genxi.places import services as places
from genxi.places.models import Partner

PARTNERS = 8


@pytest.fixture
def contest(transactional_db: None, world: World) -> tuple[Need, list[tuple[User, Partner]]]:
    """A need of 宝祥社区 in its exclusive window, and eight partner units paired with it, each
    with its handler."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are tested on PostgreSQL")
    today = timezone.localdate()
    agreement = Agreement.objects.create(
        title="宝祥社区结对共建协议",
        community=world.baoxiang,
        starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=300),
        status=AgreementStatus.ACTIVE,
    )
    pairs = []
    for n in range(PARTNERS):
        partner = places.create_partner(
            actor=None, name=f"共建单位{n}", kind="company", area=world.baoxiang
        )
        AgreementParty.objects.create(agreement=agreement, partner=partner)
        user = create_user(actor=None, username=f"handler{n}", password=PASSWORD, name=f"经办{n}")
        grant_membership(
            actor=None, user=user, role=Role.PARTNER, area=world.baoxiang, partner=partner
        )
        pairs.append((user, partner))
    need = services.create_need(actor=None, community=world.baoxiang, title="儿童游乐场地翻新")
    return need, pairs


def race(need: Need, pairs: list[tuple[User, Partner]]) -> list[str]:
    """Every handler claims the need at once; what each was answered ("claimed", the refusal's
    code, or "database error")."""
    gate = threading.Barrier(len(pairs))
    outcomes = [""] * len(pairs)

    def claim(i: int) -> None:
        user, partner = pairs[i]
        try:
            gate.wait()
            services.claim_need(actor=user, need=Need(pk=need.pk), partner=partner)
            outcomes[i] = "claimed"
        except ServiceError as exc:
            outcomes[i] = exc.code
        except IntegrityError:
            outcomes[i] = "database error"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(pairs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_of_partners_claiming_at_once_one_wins_and_the_rest_are_told(
    contest: tuple[Need, list[tuple[User, Partner]]], settings: Any
) -> None:
    settings.GENXI_COBUILDING_RACE_DELAY_MS = 200  # ignored while the lock is on
    need, pairs = contest
    outcomes = race(need, pairs)
    assert Counter(outcomes) == {"claimed": 1, "taken": PARTNERS - 1}
    claims = list(Claim.objects.filter(need=need))
    assert len(claims) == 1
    assert claims[0].partner == pairs[outcomes.index("claimed")][1]
    need.refresh_from_db()
    assert need.status == NeedStatus.CLAIMED


def test_without_the_lock_the_losers_get_a_database_error(
    contest: tuple[Need, list[tuple[User, Partner]]], settings: Any
) -> None:
    settings.GENXI_COBUILDING_LOCKING = False
    settings.GENXI_COBUILDING_RACE_DELAY_MS = 200
    need, pairs = contest
    outcomes = race(need, pairs)
    # The outcome the first test demands does not happen: the constraint still keeps one
    # claim, but the losers are not told the need is taken.
    assert Counter(outcomes) != {"claimed": 1, "taken": PARTNERS - 1}
    assert outcomes.count("database error") >= 1
    assert Claim.objects.filter(need=need).count() == 1
