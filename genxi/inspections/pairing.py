"""Who inspects whom in a round: the seeded generator and the rules both ways of pairing obey.

Pure functions on community ids. A pairing is a list of `(inspected, [inspectors])`, one per
community of the round. The rules (`check`):

- every community of the round is inspected exactly once;
- nobody inspects their own community, and nobody sits in a group twice;
- every group has `k` inspecting communities, all of them in the round;
- each community sits in as many groups as the others, or differs by at most one.

`generate` meets them by construction: a seeded permutation of the communities in a closed
loop, the community at position i inspected by those at positions i+1 … i+k (mod n). Each
community is then inspected once, never by itself (k < n), and sits in exactly k groups. The
same ids and seed give the same pairings, whatever order the ids come in. `loop` is the same
loop in an order given by hand: the order 娄北, 依云水岸, 众泾, 晨曦馨苑 gives the seed's
元和 round.
"""

import random
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence

from django.utils.translation import gettext as _

Pairing = list[tuple[int, list[int]]]

MAX_SEED = 2_000_000_000


class PairingError(ValueError):
    """The communities and group size cannot be paired; the message says what to change."""


def _check_size(n: int, k: int) -> None:
    if n < 2:
        raise PairingError(_("A round needs at least two communities: one cannot inspect itself."))
    if k < 1:
        raise PairingError(_("A group needs at least one inspecting community."))
    if k >= n:
        raise PairingError(
            _(
                "Groups of %(k)s need at least %(need)s communities (there are %(n)s): "
                "choose more communities or smaller groups."
            )
            % {"k": k, "need": k + 1, "n": n}
        )


def loop(order: Sequence[int], k: int) -> Pairing:
    """The closed loop in this order: position i is inspected by positions i+1 … i+k."""
    n = len(order)
    if len(set(order)) != n:
        raise PairingError(_("A community appears twice in the order."))
    _check_size(n, k)
    return [(order[i], [order[(i + j) % n] for j in range(1, k + 1)]) for i in range(n)]


def shuffled(community_ids: Iterable[int], seed: int) -> list[int]:
    """The seeded permutation: sorted first, so the input's order does not matter."""
    order = sorted(set(community_ids))
    random.Random(seed).shuffle(order)
    return order


def generate(community_ids: Iterable[int], k: int, seed: int) -> Pairing:
    """The pairings for `seed`: the same ids and seed always give the same groups."""
    return loop(shuffled(community_ids, seed), k)


def new_seed() -> int:
    """A seed to prefill a form with (recorded on the round, so its groups can be reproduced)."""
    return random.SystemRandom().randint(1, MAX_SEED)


def check(
    groups: Sequence[tuple[int, Sequence[int]]],
    community_ids: Iterable[int],
    k: int,
    name: Callable[[int], str] | Mapping[int, str] | None = None,
) -> list[str]:
    """What is wrong with these pairings (empty when they follow every rule), in the person's
    language, naming the community at fault (`name` maps an id to its name)."""
    ids = set(community_ids)

    def called(pk: int) -> str:
        if name is None:
            return str(pk)
        if callable(name):
            return name(pk)
        return name.get(pk, str(pk))

    try:
        _check_size(len(ids), k)
    except PairingError as exc:
        return [str(exc)]
    problems: list[str] = []
    inspected = Counter(g[0] for g in groups)
    seats: Counter[int] = Counter()
    for target, members in groups:
        if target not in ids:
            problems.append(
                _("%(name)s does not take part in this round.") % {"name": called(target)}
            )
        if target in members:
            problems.append(
                _("%(name)s cannot inspect its own community.") % {"name": called(target)}
            )
        if len(set(members)) != len(members):
            problems.append(
                _("A community appears twice in the group inspecting %(name)s.")
                % {"name": called(target)}
            )
        if len(set(members)) != k:
            problems.append(
                _("The group inspecting %(name)s has %(got)s communities; it needs %(k)s.")
                % {"name": called(target), "got": len(set(members)), "k": k}
            )
        for member in set(members):
            if member not in ids:
                problems.append(
                    _("%(name)s does not take part in this round.") % {"name": called(member)}
                )
            seats[member] += 1
    for pk in sorted(ids):
        if inspected[pk] == 0:
            problems.append(_("Nobody inspects %(name)s.") % {"name": called(pk)})
        elif inspected[pk] > 1:
            problems.append(
                _("%(name)s is inspected by %(n)s groups; it must be inspected exactly once.")
                % {"name": called(pk), "n": inspected[pk]}
            )
    counts = {pk: seats[pk] for pk in ids}
    if counts and max(counts.values()) - min(counts.values()) > 1:
        most = max(counts.values())
        least = min(counts.values())
        for pk in sorted(ids):
            if counts[pk] == least:
                problems.append(
                    _(
                        "%(name)s sits in %(n)s groups and another community in %(most)s: each "
                        "must sit in as many groups as the others, or one fewer or more."
                    )
                    % {"name": called(pk), "n": least, "most": most}
                )
    # One message per problem, in the order found.
    return list(dict.fromkeys(problems))
