"""Recompute a Genxi draw (RFC 3797) from what was published. Python 3 standard library only.

    python3 recompute_draw.py draw.json                  # the draw's published JSON
    python3 recompute_draw.py roster.json 9319 "2 5 12 8 10" ...   # the roster and each value

Prints the roster's SHA-256 (compare it with the hash published at the freeze), the key and
the ranking: roster numbers, first admitted first. A source's numbers are sorted, each written
without leading zeroes and followed by "." ("007" is "7."), the source closed by "/"; step i
takes MD5(i as 2 bytes + key + i as 2 bytes) modulo the pool left; tiers (0 first) then order
the result, keeping chance's order within a tier.
"""

import hashlib
import json
import re
import sys


def number(text: str) -> tuple[int, str]:
    if not re.fullmatch(r"[0-9]{1,30}", text):
        sys.exit(f"not a whole number: {text!r}")
    return int(text), f"{int(text)}."


def make_key(values: list[str]) -> str:
    key = ""
    for value in values:
        parts = sorted(number(t) for t in re.split(r"[\s,，、;；]+", value.strip()) if t)
        if not parts:
            sys.exit("a source has no value")
        key += "".join(text for _, text in parts) + "/"
    return key


def rank(key: str, roster: list[list[int]]) -> list[int]:
    remaining = list(range(1, len(roster) + 1))
    order: list[int] = []
    for i in range(len(roster)):
        index = i.to_bytes(2, "big")
        digest = hashlib.md5(index + key.encode("ascii") + index).digest()
        order.append(remaining.pop(int.from_bytes(digest, "big") % len(remaining)))
    tiers = {n: tier for n, tier in roster}
    return sorted(order, key=lambda n: tiers[n])


def main(args: list[str]) -> None:
    with open(args[0], "rb") as f:
        raw = f.read()
    data = json.loads(raw)
    if isinstance(data, dict):  # the draw's published JSON
        roster, values = data["roster"], data["values"]
        raw = json.dumps(roster, separators=(",", ":")).encode("ascii")
    else:
        roster, values = data, args[1:]
    if not values:
        sys.exit("no values: the draw has not been made")
    if [n for n, _ in roster] != list(range(1, len(roster) + 1)):
        sys.exit("the roster's numbers must be 1..N in order")
    key = make_key(values)
    ranking = rank(key, roster)
    print("roster_sha256:", hashlib.sha256(raw).hexdigest())
    print("key:", key)
    print("ranking:", " ".join(map(str, ranking)))
    if isinstance(data, dict) and data.get("ranking") not in (None, ranking):
        sys.exit("DIFFERENT from the published ranking")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
