"""Filing one due item from many threads at once, on PostgreSQL: with the lock on the item row
every filing is kept, as versions 1, 2, 3, … (the later ones amendments); with the lock switched
off (GENXI_COBUILDING_LOCKING=False) racing filings read the same last version and the
`filing_version_once` constraint turns them away — so this test can fail without its lock."""

import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.test import override_settings

from genxi.cobuilding.models import DueItem, Filing
from genxi.cobuilding.services import agreements as services
from genxi.cobuilding.tests.conftest import Pairing
from genxi.conftest import World
from genxi.core.services import ServiceError

THREADS = 8

pytestmark = pytest.mark.django_db(transaction=True)


def file_at_once(world: World, item: DueItem) -> tuple[list[int], list[str]]:
    gate = threading.Barrier(THREADS)
    versions: list[int] = []
    refusals: list[str] = []

    def run(n: int) -> None:
        try:
            gate.wait()
            filing = services.file_item(actor=world["dave"], item=item, text=f"第{n}次填报")
            versions.append(filing.version)
        except ServiceError as exc:
            refusals.append(exc.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return versions, refusals


@pytest.fixture
def item(pairing: Pairing) -> Any:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    return pairing.weekly.items.order_by("period_start").first()


def test_filings_at_once_become_versions_in_turn(world: World, item: DueItem) -> None:
    versions, refusals = file_at_once(world, item)
    assert refusals == []
    assert sorted(versions) == list(range(1, THREADS + 1))
    assert sorted(Filing.objects.filter(item=item).values_list("version", flat=True)) == list(
        range(1, THREADS + 1)
    )
    item.refresh_from_db()
    first = Filing.objects.get(item=item, version=1)
    assert item.filed_at == first.filed_at


def test_without_the_lock_racing_filings_are_turned_away(world: World, item: DueItem) -> None:
    with override_settings(GENXI_COBUILDING_LOCKING=False, GENXI_COBUILDING_RACE_DELAY_MS=100):
        versions, refusals = file_at_once(world, item)
    assert refusals, "without the lock every filing went through: the lock would not be needed"
    assert len(versions) + len(refusals) == THREADS
    assert Filing.objects.filter(item=item).count() == len(versions) < THREADS


def test_amendments_from_one_view_at_once_apply_once(world: World, pairing: Pairing) -> None:
    """Forms built from the same page, sent at once (or one form sent twice with its token):
    under the agreement's row lock the first is applied and the others are refused, never
    written over it."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    agreement = pairing.agreement
    seen = agreement.updated_at
    gate = threading.Barrier(THREADS)
    done: list[int] = []
    refusals: list[str] = []

    def run(n: int) -> None:
        try:
            gate.wait()
            services.amend_agreement(
                actor=world["alice"],
                agreement=agreement,
                reason=f"第{n}次修订",
                summary=f"第{n}版条款",
                expected_updated_at=seen,
            )
            done.append(n)
        except ServiceError as exc:
            refusals.append(exc.code or "")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(done) == 1 and refusals == ["concurrent_edit"] * (THREADS - 1)
    agreement.refresh_from_db()
    assert agreement.version == 2 and agreement.versions.count() == 1
    assert agreement.summary == f"第{done[0]}版条款"
