"""The last place of a post claimed by several members at once: one wins, on PostgreSQL, with
threads (each its own database connection and transaction, released together).

With the lock on the post row (`services.members.lock_post`) exactly one claim is made and
every other member is told the post is full. With the lock switched off
(GENXI_COBUILDING_LOCKING=False, and a pause between counting and writing so that the race
shows on every run) the same burst goes wrong: the unique (post, place) over live claims turns
racing members away with a different answer — and without that constraint too, the post is
over-claimed. So the first test fails without the lock.
"""

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection, connections

from genxi.cobuilding.models import MemberRegistration, Post, PostClaim, PostKind
from genxi.cobuilding.services import members as service
from genxi.conftest import World, build_world
from genxi.core.services import ServiceError

pytestmark = pytest.mark.django_db(transaction=True)

MEMBERS = 8


@pytest.fixture
def race(db: None) -> tuple[World, Post, list[MemberRegistration]]:
    if connection.vendor != "postgresql":
        pytest.skip("the concurrency tests run on PostgreSQL")
    world = build_world()
    post = service.create_post(
        actor=world["bob"],
        community=world.hetai,
        kind=PostKind.POST,
        title="楼道文明引导员",
        places=3,
    )
    members = [
        service.register_member(
            actor=world["bob"],
            community=world.hetai,
            name=f"党员{n}",
            phone=f"1381234{n:04d}",
            branch="机关党支部",
            unit_name="区税务局",
        )
        for n in range(MEMBERS + 2)
    ]
    # Two places go to the first two: one place is left for the burst.
    for early in members[:2]:
        service.claim_post(actor=world["bob"], post=post, member=early)
    return world, post, members[2:]


def burst(world: World, post: Post, members: list[MemberRegistration]) -> list[str]:
    """Each member claims the post from their own thread; the answers ("ok" or the refusal's
    code) in member order."""
    answers = [""] * len(members)
    gate = threading.Barrier(len(members))

    def claim(i: int) -> None:
        try:
            gate.wait()
            service.claim_post(actor=world["bob"], post=post, member=members[i])
            answers[i] = "ok"
        except ServiceError as exc:
            answers[i] = exc.code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(members))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def live_places(post: Post) -> list[int]:
    return list(
        PostClaim.objects.filter(post=post)
        .exclude(status="withdrawn")
        .order_by("place")
        .values_list("place", flat=True)
    )


def test_the_last_place_claimed_at_once_goes_to_one_member(
    race: tuple[World, Post, list[MemberRegistration]], settings: Any
) -> None:
    settings.GENXI_COBUILDING_RACE_DELAY_MS = 50  # a pause the lock must make harmless
    world, post, members = race
    answers = burst(world, post, members)
    assert Counter(answers) == {"ok": 1, "post_full": MEMBERS - 1}
    assert live_places(post) == [1, 2, 3]


def test_without_the_lock_the_constraint_turns_racers_away_with_the_wrong_answer(
    race: tuple[World, Post, list[MemberRegistration]], settings: Any
) -> None:
    settings.GENXI_COBUILDING_LOCKING = False
    settings.GENXI_COBUILDING_RACE_DELAY_MS = 50
    world, post, members = race
    answers = burst(world, post, members)
    assert Counter(answers) != {"ok": 1, "post_full": MEMBERS - 1}
    assert "place_taken" in answers
    assert live_places(post) == [1, 2, 3]  # ...but the database kept one member per place


@contextmanager
def without_the_place_constraint() -> Iterator[None]:
    constraint = next(c for c in PostClaim._meta.constraints if c.name == "post_claim_place_once")
    with connection.schema_editor() as editor:
        editor.remove_constraint(PostClaim, constraint)
    try:
        yield
    finally:
        PostClaim.objects.all().delete()
        with connection.schema_editor() as editor:
            editor.add_constraint(PostClaim, constraint)


def test_without_the_lock_or_the_constraint_the_post_is_over_claimed(
    race: tuple[World, Post, list[MemberRegistration]], settings: Any
) -> None:
    settings.GENXI_COBUILDING_LOCKING = False
    settings.GENXI_COBUILDING_RACE_DELAY_MS = 50
    world, post, members = race
    with without_the_place_constraint():
        answers = burst(world, post, members)
        assert answers.count("ok") > 1
        assert len(live_places(post)) > post.places


def test_a_claim_marked_done_and_withdrawn_at_once_moves_once(
    race: tuple[World, Post, list[MemberRegistration]],
) -> None:
    """Through POST_CLAIM_MACHINE (lock, then move): of staff marking a claim done and the
    member withdrawing it at the same moment, one wins; the others are told the claim is no
    longer open, and hours are recorded only if marking it done won."""
    from decimal import Decimal

    from genxi.cobuilding.models import ServiceHours

    world, post, _members = race
    claim = PostClaim.objects.filter(post=post).order_by("id").first()
    assert claim is not None
    answers = [""] * MEMBERS
    gate = threading.Barrier(MEMBERS)

    def act(i: int) -> None:
        mine = PostClaim.objects.get(pk=claim.pk)
        try:
            gate.wait()
            if i % 2:
                service.withdraw_claim(actor=world["bob"], claim=mine)
            else:
                service.complete_claim(actor=world["bob"], claim=mine, hours=Decimal(1))
            answers[i] = "withdrawn" if i % 2 else "done"
        except ServiceError as exc:
            answers[i] = exc.code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(i,)) for i in range(MEMBERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claim.refresh_from_db()
    winners = [a for a in answers if a in ("done", "withdrawn")]
    assert winners == [claim.status]
    assert answers.count("invalid_transition") == MEMBERS - 1
    assert ServiceHours.objects.filter(post=post).count() == (claim.status == "done")
