"""The pairing generator and the rules it and hand-set pairings obey."""

from collections import Counter

import pytest

from genxi.inspections import pairing


def rules_hold(groups: pairing.Pairing, ids: list[int], k: int) -> None:
    assert sorted(g[0] for g in groups) == sorted(ids)  # each inspected exactly once
    seats: Counter[int] = Counter()
    for target, members in groups:
        assert target not in members
        assert len(set(members)) == len(members) == k
        assert set(members) <= set(ids)
        seats.update(members)
    assert max(seats.values()) - min(seats.values()) <= 1
    assert pairing.check(groups, ids, k) == []


@pytest.mark.parametrize("n", range(2, 13))
def test_every_size_follows_the_rules(n: int) -> None:
    ids = [100 + 7 * i for i in range(n)]
    for k in range(1, n):
        for seed in (0, 1, 42, 2_000_000_000):
            rules_hold(pairing.generate(ids, k, seed), ids, k)


def test_the_same_seed_gives_the_same_pairings_whatever_the_input_order() -> None:
    ids = list(range(1, 9))
    assert pairing.generate(ids, 3, 7) == pairing.generate(list(reversed(ids)), 3, 7)
    different = {tuple((t, tuple(m)) for t, m in pairing.generate(ids, 2, s)) for s in range(20)}
    assert len(different) > 10


def test_the_order_of_the_seed_gives_the_yuanhe_loop() -> None:
    loubei, yiyun, zhongjing, chenxi = 1, 2, 3, 4
    groups = pairing.loop([loubei, yiyun, zhongjing, chenxi], 2)
    assert groups == [
        (loubei, [yiyun, zhongjing]),
        (yiyun, [zhongjing, chenxi]),
        (zhongjing, [chenxi, loubei]),
        (chenxi, [loubei, yiyun]),
    ]
    # The four groups: 娄北+依云水岸, 众泾+晨曦馨苑, 娄北+晨曦馨苑, 众泾+依云水岸.
    assert {frozenset(m) for _, m in groups} == {
        frozenset({loubei, yiyun}),
        frozenset({zhongjing, chenxi}),
        frozenset({loubei, chenxi}),
        frozenset({zhongjing, yiyun}),
    }


@pytest.mark.parametrize(
    ("ids", "k", "words"),
    [([1], 1, "至少需要两个社区"), ([1, 2], 2, "至少需要 3 个社区"), ([1, 2, 3], 0, "至少")],
)
def test_impossible_sizes_say_what_to_change(ids: list[int], k: int, words: str) -> None:
    with pytest.raises(pairing.PairingError) as caught:
        pairing.generate(ids, k, 1)
    assert words in str(caught.value)
    assert words in pairing.check([], ids, k)[0]


def test_check_names_the_community_at_fault() -> None:
    names = {1: "娄北社区", 2: "众泾社区", 3: "晨曦馨苑社区", 4: "依云水岸社区"}
    ids = list(names)
    own = [(1, [1, 2]), (2, [3, 4]), (3, [4, 1]), (4, [1, 2])]
    assert any("娄北社区" in p and "自己" in p for p in pairing.check(own, ids, 2, names))
    twice = [(1, [2, 3]), (1, [3, 4]), (3, [4, 1]), (4, [1, 2])]
    problems = pairing.check(twice, ids, 2, names)
    assert any("众泾社区" in p for p in problems)  # nobody inspects it
    assert any("娄北社区" in p and "2" in p for p in problems)  # inspected twice
    uneven = [(1, [2, 3]), (2, [3, 4]), (3, [2, 4]), (4, [2, 3])]
    assert any("娄北社区" in p for p in pairing.check(uneven, ids, 2, names))  # 0 seats vs 3
    small = [(1, [2]), (2, [3, 4]), (3, [4, 1]), (4, [1, 2])]
    assert any("娄北社区" in p for p in pairing.check(small, ids, 2, names))
    stranger = [(1, [2, 9]), (2, [3, 4]), (3, [4, 1]), (4, [1, 3])]
    assert any("9" in p for p in pairing.check(stranger, ids, 2, names))


def test_a_loop_refuses_a_community_twice() -> None:
    with pytest.raises(pairing.PairingError):
        pairing.loop([1, 2, 2], 1)
