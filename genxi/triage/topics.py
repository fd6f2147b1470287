"""Hot topics: a community's or street's demands over a period, grouped into what they are about.

Within each category, two demands are one topic when their titles read alike and they come from
the same compound (many residents reporting the broken pavilions of one compound), or when
their titles are all but the same wherever they come from. Each demand is a vector of its
title's character 1–2-gram counts (weight 0.8) and its compound (weight 0.6), so the cosine of
two demands is 0.64·(text similarity) + 0.36 when they share a compound and 0.64·(text
similarity) when not; demands closer than THRESHOLD are joined, and a topic is a connected group
of at least two.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from django.utils import timezone
from scipy.sparse import csr_matrix, hstack  # type: ignore[import-untyped]
from scipy.sparse.csgraph import connected_components  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
from sklearn.preprocessing import normalize  # type: ignore[import-untyped]

from genxi.demands.figures import needs
from genxi.demands.models import Demand, Status
from genxi.places.models import STREET_KINDS, AreaKind
from genxi.triage.text import normalise

THRESHOLD = 0.6
TEXT_WEIGHT, PLACE_WEIGHT = 0.8, 0.6
# Cells of the similarity product computed at once (rows of a block × all rows): bounds memory.
# Titles of one category share most of their characters, so a block is nearly dense; a fixed
# number of rows grew with the category (2,000 × a district quarter's 25,000 took 2.6 GB).
BLOCK_CELLS = 4_000_000


@dataclass
class Row:
    pk: int
    title: str
    category: str
    place: int  # the compound (or the area, outside compounds)
    place_name: str
    created: datetime


@dataclass
class Topic:
    category: str
    rows: list[Row]
    weekly: list[int] = field(default_factory=list)
    trend: str = "steady"  # rising, falling or steady: the period's second half against its first
    examples: list[str] = field(default_factory=list)  # the titles most like the rest, best first

    @property
    def size(self) -> int:
        return len(self.rows)

    @property
    def places(self) -> list[tuple[str, int]]:
        return Counter(r.place_name for r in self.rows).most_common(3)

    @property
    def spark(self) -> list[tuple[int, int]]:
        """Each week's count beside its height in percent of the busiest week (a sparkline)."""
        busiest = max(self.weekly, default=0) or 1
        return [(n, round(100 * n / busiest)) for n in self.weekly]


def cluster(rows: list[Row], threshold: float = THRESHOLD) -> list[list[int]]:
    """Indexes of `rows` grouped into topics of two or more, largest first."""
    by_category: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_category.setdefault(row.category, []).append(i)
    groups: list[list[int]] = []
    for members in by_category.values():
        if len(members) < 2:
            continue
        for component in _components([rows[i] for i in members], threshold):
            groups.append([members[i] for i in component])
    groups.sort(key=lambda g: (-len(g), g[0]))
    return groups


def _vectors(rows: list[Row]) -> csr_matrix:
    titles = [normalise(r.title) for r in rows]
    try:
        # Plain counts: a street's month of one category is too small a corpus for IDF, which
        # there mostly rewards the words two reports of one thing do not share.
        text = TfidfVectorizer(
            analyzer="char", ngram_range=(1, 2), lowercase=False, use_idf=False, dtype=np.float32
        ).fit_transform(titles)
    except ValueError:  # titles of nothing but spaces
        text = csr_matrix((len(rows), 0), dtype=np.float32)
    places = {p: i for i, p in enumerate(dict.fromkeys(r.place for r in rows))}
    place = csr_matrix(
        (
            np.ones(len(rows), dtype=np.float32),
            (np.arange(len(rows)), [places[r.place] for r in rows]),
        ),
        shape=(len(rows), len(places)),
    )
    return hstack([normalize(text) * TEXT_WEIGHT, place * PLACE_WEIGHT]).tocsr()


def _components(rows: list[Row], threshold: float) -> list[list[int]]:
    vectors = _vectors(rows)
    n = len(rows)
    nodes = np.arange(n)
    labels = nodes
    # The components are joined block by block, so no more than one block's edges are held:
    # titles that are all the same (a thousand "路灯不亮" of a district's quarter) make a
    # million pairs, and keeping every pair until the end took gigabytes.
    step = max(1, BLOCK_CELLS // max(n, 1))
    for start in range(0, n, step):
        block = (vectors[start : start + step] @ vectors.T).tocoo()
        keep = block.data >= threshold
        # Each row joined to the first row of its component so far, plus this block's pairs.
        first = np.full(n, n, dtype=np.int64)
        np.minimum.at(first, labels, nodes)
        src = np.concatenate([nodes, block.row[keep] + start])
        dst = np.concatenate([first[labels], block.col[keep]])
        graph = csr_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n))
        _count, labels = connected_components(graph, directed=False)
    members: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        members.setdefault(int(label), []).append(i)
    found = []
    for group in members.values():
        if len(group) >= 2:
            found.append(group)
    return found


def _examples(rows: list[Row], k: int = 3) -> list[str]:
    if len(rows) <= k:
        return list(dict.fromkeys(r.title for r in rows))
    vectors = normalize(_vectors(rows))
    # Each title's summed similarity to all the others, v_i · Σ_j v_j: the same as summing the
    # rows of vectors @ vectors.T, without the n × n product (a topic of 10,000 alike titles).
    centrality = np.asarray(vectors @ np.asarray(vectors.sum(axis=0)).ravel()).ravel()
    titles: list[str] = []
    # Most central first; equal ones (to float noise) in the rows' order, the newest first.
    for i in np.lexsort((np.arange(len(rows)), -np.round(centrality, 5))):
        if rows[i].title not in titles:
            titles.append(rows[i].title)
        if len(titles) == k:
            break
    return titles


def _trend(earlier: int, later: int) -> str:
    if later >= max(2, 1.5 * earlier) and later - earlier >= 2:
        return "rising"
    if earlier >= max(2, 1.5 * later) and earlier - later >= 2:
        return "falling"
    return "steady"


@dataclass
class Need:
    category: str
    count: int
    share: float
    example: str

    @property
    def percent(self) -> float:
        return round(self.share * 100, 1)


@dataclass
class Summary:
    start: date
    end: date
    total: int
    topics: list[Topic]
    frequent: list[Need]  # 高频需求
    rare: list[Need]  # 冷门需求


def summarise(
    rows: list[Row], *, start: date, end: date, top: int = 10, frequent: int = 5
) -> Summary:
    """Topics (largest first), the high-frequency categories and the rare ones, by the one
    definition the figures use (genxi.demands.figures.needs, docs/figures.md)."""
    weeks = max(1, ((end - start).days + 7) // 7)
    middle = start + (end - start) / 2
    topics = []
    for group in cluster(rows)[:top]:
        members = [rows[i] for i in group]
        weekly = [0] * weeks
        for r in members:
            weekly[min(weeks - 1, max(0, (r.created.date() - start).days // 7))] += 1
        later = sum(1 for r in members if r.created.date() > middle)
        topic = Topic(
            category=members[0].category,
            rows=members,
            weekly=weekly,
            trend=_trend(len(members) - later, later),
            examples=_examples(members),
        )
        topics.append(topic)
    counts = Counter(r.category for r in rows)
    example: dict[str, str] = {}
    for r in sorted(rows, key=lambda r: r.created, reverse=True):
        example.setdefault(r.category, r.title)
    total = len(rows)
    high, low = needs(dict(counts))
    return Summary(
        start=start,
        end=end,
        total=total,
        topics=topics,
        frequent=[Need(c, n, n / total, example[c]) for c, n in high][:frequent],
        rare=[Need(c, n, n / total, example[c]) for c, n in low],
    )


def rows_for(area: Any, *, start: date, end: date, limit: int = 50_000) -> list[Row]:
    """The demands recorded in `area` (a street or community) from `start` to `end`, merged
    duplicates and withdrawn ones left out."""
    if area.kind == AreaKind.DISTRICT:  # its streets' demands, by the street column's index
        where: dict[str, Any] = {"street__parent_id": area.pk}
    elif area.kind in STREET_KINDS:
        where = {"street_id": area.pk}
    else:
        where = {"community_id": area.pk}
    tz = timezone.get_current_timezone()
    since = datetime.combine(start, datetime.min.time(), tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    values = (
        Demand.objects.filter(**where, created_at__gte=since, created_at__lt=until)
        .exclude(status__in=[Status.MERGED, Status.WITHDRAWN])
        .order_by("-created_at")
        .values_list(
            "pk",
            "title",
            "category__name",
            "area_id",
            "area__kind",
            "area__name",
            "area__parent_id",
            "area__parent__kind",
            "area__parent__name",
            "created_at",
        )[:limit]
    )
    rows = []
    for pk, title, category, area_id, kind, name, parent, parent_kind, parent_name, at in values:
        if kind == AreaKind.COMPOUND:
            place, place_name = area_id, name
        elif parent_kind == AreaKind.COMPOUND and parent is not None:
            place, place_name = parent, parent_name
        else:
            place, place_name = area_id, name
        rows.append(Row(pk, title, category, place, place_name, timezone.localtime(at, tz)))
    return rows
