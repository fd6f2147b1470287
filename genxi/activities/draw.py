"""A draw anyone can check: RFC 3797's verifiable random selection, as pure functions.

The published script (`recompute_draw.py`) does the same with the standard library alone; the
tests hold the two to each other and to RFC 3797's worked example (its section 6).

- The roster is `[[roster number, tier], ...]` in roster-number order (numbers 1..N, no
  names); `roster_json` is its one canonical text and `roster_sha256` the hash published at
  the freeze.
- Each announced source gives one value at the draw: its numbers, separated by spaces or
  commas. `source_key` writes them the RFC's way (section 4): each number in decimal without
  leading zeroes and followed by ".", a source's numbers sorted from smallest to largest and
  the source closed by "/". Only whole numbers are taken (lottery balls, dice): the RFC's
  fractions ("0.5", no closing ".") would make "0.5" then "3." read as "0.53.".
  The key is the sources' parts joined in the announced order.
- `rfc3797_order` is the RFC's selection run over the whole pool: for i = 0, 1, ..., the MD5
  of (i as two bytes, big-endian) + key + (i again), read as an unsigned 128-bit number,
  modulo the number still in the pool, picks (remainder + 1)-th of those remaining.
- `rank` then serves the tiers first: a stable sort of that order by tier (0 priority, 5
  normal, 9 lowered), so chance orders people only within a tier.
"""

import hashlib
import json
import re

# The index is two bytes, so the RFC's loop can order at most this many.
MAX_POOL = 65536

_SEPARATORS = re.compile(r"[\s,，、;；]+")
_NUMBER = re.compile(r"[0-9]{1,30}")


class BadValue(ValueError):
    """A source's value that is not a list of whole numbers (0 or more, up to 30 digits)."""


def canonical_number(text: str) -> tuple[int, str]:
    """`text` as a number and its RFC 3797 form ("007" → "7.")."""
    if not _NUMBER.fullmatch(text):
        raise BadValue(text)
    return int(text), f"{int(text)}."


def source_key(value: str) -> str:
    """One source's part of the key: its numbers sorted, each in canonical form, then "/"."""
    tokens = [t for t in _SEPARATORS.split(value.strip()) if t]
    if not tokens:
        raise BadValue(value)
    numbers = sorted(canonical_number(t) for t in tokens)
    return "".join(text for _, text in numbers) + "/"


def make_key(values: list[str]) -> str:
    """The key from the sources' values, in the order the sources were announced."""
    return "".join(source_key(v) for v in values)


def digest(key: str, index: int) -> bytes:
    """MD5 of the key bracketed by the two-byte index."""
    prefix = index.to_bytes(2, "big")
    return hashlib.md5(prefix + key.encode("ascii") + prefix, usedforsecurity=False).digest()


def rfc3797_order(key: str, pool_size: int) -> list[int]:
    """Every member of the pool 1..pool_size, in the order RFC 3797's loop selects them."""
    if pool_size > MAX_POOL:
        raise ValueError(f"RFC 3797 orders at most {MAX_POOL}")
    remaining = list(range(1, pool_size + 1))
    order = []
    for index in range(pool_size):
        number = int.from_bytes(digest(key, index), "big")
        order.append(remaining.pop(number % len(remaining)))
    return order


def rank(key: str, roster: list[list[int]]) -> list[int]:
    """The draw's ranking of roster numbers: tiers first, then RFC 3797's order within each."""
    tiers = {number: tier for number, tier in roster}
    order = rfc3797_order(key, len(roster))
    return sorted(order, key=lambda number: tiers[number])


def roster_json(roster: list[list[int]]) -> bytes:
    """The roster's one canonical text: compact JSON, what is published and hashed."""
    return json.dumps(roster, separators=(",", ":")).encode("ascii")


def roster_sha256(roster: list[list[int]]) -> str:
    return hashlib.sha256(roster_json(roster)).hexdigest()
