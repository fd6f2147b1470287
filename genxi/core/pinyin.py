from pypinyin import Style, lazy_pinyin


def pinyin_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a Chinese name, for search: 周建昌 → (zhoujianchang, zjc)."""
    syllables = [s.lower() for s in lazy_pinyin(name, errors="default") if s.strip()]
    initials = [
        s.lower()
        for s in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
        if s.strip()
    ]
    return "".join(syllables)[:200], "".join(initials)[:50]
