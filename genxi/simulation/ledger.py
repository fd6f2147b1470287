"""The simulation's ground truth: what it did, written down as it did it, apart from the
database. The check (`simulation.check`) sums it over an area and a period and compares every
figure of the dashboards with it: counts exactly, money to the cent.

Each entry is (figure key, community id, local day, numerator, denominator): the day is the
one the figure's definition dates the record by (docs/figures.md). A stock (venues, pioneers
serving) is an entry on the day it starts counting with +1 and, if it stops, one with -1.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any


@dataclass
class Entry:
    key: str
    community: int
    day: date
    value: Decimal
    denominator: Decimal = Decimal(0)
    # Counts only when this day too is within the period (the resolution rate's numerator:
    # recorded in the period and resolved by its end).
    until: date | None = None
    # Counts once per item over a period (a demand resolved twice in one period counts once).
    item: int | None = None


@dataclass
class Ledger:
    entries: list[Entry] = field(default_factory=list)

    def add(
        self,
        key: str,
        community: int,
        day: date,
        value: int | Decimal = 1,
        denominator: int | Decimal = 0,
        *,
        until: date | None = None,
        item: int | None = None,
    ) -> None:
        self.entries.append(
            Entry(key, community, day, Decimal(value), Decimal(denominator), until, item)
        )

    def total(
        self, key: str, communities: set[int], start: date, end: date
    ) -> tuple[Decimal, Decimal]:
        """(numerator, denominator) of `key` over the communities and days start..end."""
        num = den = Decimal(0)
        seen: set[int] = set()
        for e in self.entries:
            if e.key != key or e.community not in communities or not start <= e.day <= end:
                continue
            if e.until is not None and e.until > end:
                continue
            if e.item is not None:
                if e.item in seen:
                    continue
                seen.add(e.item)
            num += e.value
            den += e.denominator
        return num, den

    def keys(self) -> set[str]:
        return {e.key for e in self.entries}

    def by_key(self) -> dict[str, list[Entry]]:
        grouped: dict[str, list[Entry]] = defaultdict(list)
        for e in self.entries:
            grouped[e.key].append(e)
        return grouped

    def save(self, path: Path) -> None:
        rows: list[list[Any]] = [
            [
                e.key,
                e.community,
                e.day.isoformat(),
                str(e.value),
                str(e.denominator),
                e.until.isoformat() if e.until else None,
                e.item,
            ]
            for e in self.entries
        ]
        path.write_text(json.dumps(rows, ensure_ascii=False))

    @classmethod
    def load(cls, path: Path) -> Ledger:
        ledger = cls()
        for key, community, day, value, den, *rest in json.loads(path.read_text()):
            until, item = [*rest, None, None][:2]
            ledger.entries.append(
                Entry(
                    key,
                    community,
                    date.fromisoformat(day),
                    Decimal(value),
                    Decimal(den),
                    date.fromisoformat(until) if until else None,
                    item,
                )
            )
        return ledger
