"""Fake Chinese personal names and mainland mobile numbers, for the generators and the demo.

`Names(rng)` draws names with realistic surname shares and computes their pinyin search keys
fast; `MobileNumbers` hands out numbers no resident holds yet, outside the demo's block;
`mobile_number` draws any valid number; `PhoneBook` hands out the demo's numbers, inside its
block. Every draw comes from the given random.Random, so the same seed gives the same people.
"""

import math
import random

from django.core.exceptions import ValidationError

from genxi.core.bulk import GenerateError
from genxi.core.phones import normalize_phone
from genxi.core.pinyin import pinyin_keys
from genxi.places.models import Resident

# Every demo number lies in this block, which the generators never hand out: the demo finds
# its residents by phone, so a generated city in the same database must not hold these numbers.
DEMO_PHONE_BLOCK = "139625"

# Mobile prefixes that phonenumbers accepts for every 8-digit suffix (154, 174, 194 are not).
MOBILE_PREFIXES = (
    *range(130, 140),
    *range(150, 154),
    *range(155, 160),
    166,
    173,
    175,
    176,
    177,
    178,
    *range(180, 190),
    191,
    198,
    199,
)

# Common surnames with rough population shares (per mille), most frequent first.
SURNAMES: tuple[tuple[str, float], ...] = tuple(
    (name, float(weight))
    for name, weight in (
        ("王", 71), ("李", 70), ("张", 67), ("刘", 54), ("陈", 45), ("杨", 31), ("黄", 20),
        ("赵", 20), ("吴", 16), ("周", 16), ("徐", 13), ("孙", 12), ("马", 12), ("朱", 11),
        ("胡", 10), ("郭", 10), ("何", 9), ("林", 9), ("高", 9), ("罗", 9), ("郑", 8), ("梁", 7),
        ("谢", 6), ("宋", 6), ("唐", 6), ("许", 5), ("韩", 5), ("邓", 5), ("冯", 5), ("曹", 5),
        ("彭", 5), ("曾", 5), ("肖", 4), ("田", 4), ("董", 4), ("潘", 4), ("袁", 4), ("蔡", 3),
        ("蒋", 3), ("余", 3), ("于", 3), ("杜", 3), ("叶", 3), ("程", 3), ("魏", 3), ("苏", 3),
        ("吕", 3), ("丁", 3), ("任", 3), ("卢", 3), ("姚", 3), ("沈", 3), ("钟", 3), ("姜", 3),
        ("崔", 2), ("谭", 2), ("陆", 2), ("范", 2), ("汪", 2), ("廖", 2), ("石", 2), ("金", 2),
        ("韦", 2), ("贾", 2), ("夏", 2), ("付", 2), ("方", 2), ("邹", 2), ("熊", 2), ("白", 2),
        ("孟", 2), ("秦", 2), ("邱", 2), ("侯", 2), ("江", 2), ("尹", 2), ("薛", 1), ("闫", 1),
        ("段", 1), ("雷", 1), ("龙", 1), ("黎", 1), ("史", 1), ("陶", 1), ("贺", 1), ("毛", 1),
        ("郝", 1), ("顾", 1), ("龚", 1), ("邵", 1), ("万", 1), ("覃", 1), ("武", 1), ("钱", 1),
        ("戴", 1), ("严", 1), ("莫", 1), ("孔", 1), ("向", 1), ("常", 1), ("汤", 1), ("康", 1),
        ("易", 1), ("乔", 1), ("赖", 1), ("文", 1), ("施", 1), ("洪", 1), ("欧阳", 0.3),
        ("上官", 0.1), ("诸葛", 0.1), ("司马", 0.1),
    )
)  # fmt: skip
GIVEN_MALE = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林洋国建"
    "志文东海峰晨阳博轩睿子梓然航泽铭思远一家嘉毅成德亮荣鸿振永忠兵春涵皓奕辰"
)
GIVEN_FEMALE = (
    "芳娜敏静丽艳娟霞燕玲桂英秀兰萍红梅琳雪慧婷晶倩颖琴云"
    "洁欣怡佳悦涵萱诗雨梦琪瑶婧璐丹蕾薇月嘉淑珍凤彤妍馨晓雯"
)
SINGLE_GIVEN_SHARE = 0.15
# A 1,000-slot table turns a weighted choice into one random() call.
_SURNAME_TABLE: tuple[str, ...] = tuple(
    name
    for name, weight in SURNAMES
    for _ in range(max(1, round(weight / sum(w for _, w in SURNAMES) * 1000)))
)


class Names:
    """Chinese personal names and their pinyin search keys, fast enough for millions of rows.

    pinyin_keys costs ~35 µs a call, so keys are cached per surname and per given name and
    concatenated. That equals pinyin_keys(full name) unless pypinyin reads a phrase across the
    surname/given-name boundary (于思 is read yúsāi); such pairs are detected once and their
    names computed whole.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._keys: dict[str, tuple[str, str]] = {}
        self._boundary_ok: dict[tuple[str, str], bool] = {}
        self._whole: dict[str, tuple[str, str]] = {}

    def surname(self) -> str:
        table = _SURNAME_TABLE
        return table[int(self.rng.random() * len(table))]

    def given(self) -> str:
        rng = self.rng
        pool = GIVEN_MALE if rng.random() < 0.5 else GIVEN_FEMALE
        if rng.random() < SINGLE_GIVEN_SHARE:
            return rng.choice(pool)
        return rng.choice(pool) + rng.choice(pool)

    def full(self) -> str:
        return self.surname() + self.given()

    def keys(self, surname: str, given: str) -> tuple[str, str]:
        pair = (surname, given[0])
        ok = self._boundary_ok.get(pair)
        if ok is None:
            whole = pinyin_keys(surname + given[0])
            ok = whole == _concat(self._part(surname), self._part(given[0]))
            self._boundary_ok[pair] = ok
        if ok:
            return _concat(self._part(surname), self._part(given))
        name = surname + given
        if name not in self._whole:
            self._whole[name] = pinyin_keys(name)
        return self._whole[name]

    def _part(self, text: str) -> tuple[str, str]:
        keys = self._keys.get(text)
        if keys is None:
            keys = self._keys[text] = pinyin_keys(text)
        return keys


def _concat(a: tuple[str, str], b: tuple[str, str]) -> tuple[str, str]:
    return (a[0] + b[0])[:200], (a[1] + b[1])[:50]


class MobileNumbers:
    """Unique mobile numbers that no resident in the database holds yet.

    The i-th number is (a·i + b) mod S over the S = 3.8 billion numbers of the valid prefixes,
    with a and b drawn from the seed and a coprime to S. That is a permutation: numbers never
    repeat and nothing has to be remembered. Numbers already stored are skipped.
    """

    def __init__(self, rng: random.Random, using: str) -> None:
        self.space = len(MOBILE_PREFIXES) * 10**8
        a = rng.randrange(self.space // 3, 2 * self.space // 3)
        while math.gcd(a, self.space) != 1:
            a += 1
        self.a, self.b = a, rng.randrange(self.space)
        self.index = 0
        taken = Resident.objects.using(using).exclude(phone=None).values_list("phone", flat=True)
        self.taken: set[str] = {phone for phone in taken if phone}

    def next(self) -> str:
        while self.index < self.space:
            n = (self.a * self.index + self.b) % self.space
            self.index += 1
            phone = f"{MOBILE_PREFIXES[n // 10**8]}{n % 10**8:08d}"
            if phone not in self.taken and not phone.startswith(DEMO_PHONE_BLOCK):
                return phone
        raise GenerateError("No unused mobile numbers left.")


def mobile_number(rng: random.Random) -> str:
    """A valid mobile number for contacts, who need not be unique."""
    return f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"


class PhoneBook:
    """Unique, valid, deterministic mainland mobile numbers in the demo's block."""

    def __init__(self, rng: random.Random, reserved: set[str]) -> None:
        self.rng = rng
        self.used = set(reserved)

    def next(self) -> str:
        while True:
            number = DEMO_PHONE_BLOCK + f"{self.rng.randrange(10**5):05d}"
            if number in self.used:
                continue
            try:
                if normalize_phone(number) != number:
                    continue
            except ValidationError:
                continue
            self.used.add(number)
            return number
