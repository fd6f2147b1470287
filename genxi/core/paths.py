"""The area tree's materialised paths: a leaf module every layer may import.

Each area's `path` is its ancestors' primary keys and its own, each zero-padded to PATH_STEP
digits. A subtree is one indexed range scan, `path >= P and path < P + "a"`, which sorts the
same way in SQLite's BINARY collation and in any PostgreSQL collation, because paths hold only
digits.
"""

from collections.abc import Iterable

from django.db.models import Q

PATH_STEP = 10


def path_segment(pk: int) -> str:
    return f"{pk:0{PATH_STEP}d}"


def path_upper_bound(path: str) -> str:
    return path + "a"


def path_ids(path: str) -> list[int]:
    """The ids a path is made of, from the root down to the area itself."""
    return [int(path[i : i + PATH_STEP]) for i in range(0, len(path), PATH_STEP)]


def outermost(paths: Iterable[str]) -> list[str]:
    """Drop paths already covered by an ancestor in the list."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def path_range_q(field: str, paths: Iterable[str]) -> Q:
    """Rows whose `field` (a path) lies in the subtree of any of `paths`; none when empty."""
    q = Q(pk__in=[])
    for path in outermost(paths):
        q |= Q(**{f"{field}__gte": path, f"{field}__lt": path_upper_bound(path)})
    return q


def ancestor_ids(paths: Iterable[str]) -> set[int]:
    """Ids of the areas above each path (not the areas themselves)."""
    return {pk for path in paths for pk in path_ids(path)[:-1]}
