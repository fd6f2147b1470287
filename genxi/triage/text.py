"""Chinese text as the classifier and the duplicate finder read it.

NFKC folds full-width letters, digits and punctuation to half-width (Ｗｉｆｉ → wifi, ３ → 3);
OpenCC's t2s turns traditional characters into simplified ones (電梯壞了 → 电梯坏了), so a
message typed on a traditional-Chinese keyboard meets the same features. Runs of digits become
one "0": a room number or a date says nothing about the kind of demand.
"""

import re
import unicodedata
from collections.abc import Set as AbstractSet
from functools import lru_cache

import opencc

_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[\W_]+")


@lru_cache(maxsize=1)
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def normalise(text: str) -> str:
    """Half-width, simplified, lower case, digits folded, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _to_simplified().convert(text).lower()
    text = _DIGITS.sub("0", text)
    return _SPACE.sub(" ", text).strip()


_SEPARATOR = "\ue000"  # a private-use character: no normalisation step touches it


def normalise_many(texts: list[str]) -> list[str]:
    """`normalise` of each text, in one pass over them all (one call into OpenCC, not one each)."""
    if not texts:
        return []
    joined = _SEPARATOR.join(t.replace(_SEPARATOR, "") if t else "" for t in texts)
    return [part.strip() for part in normalise(joined).split(_SEPARATOR)]


def bigrams(text: str) -> set[str]:
    """The character pairs of a normalised text, without spaces and punctuation (for similarity)."""
    chars = _NOT_WORD.sub("", text)
    if len(chars) < 2:
        return {chars} if chars else set()
    return {chars[i : i + 2] for i in range(len(chars) - 1)}


def dice(a: AbstractSet[str], b: AbstractSet[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))
