"""Chinese numerals, one parser for the whole package (corpus dates, section markers, target figures).

>>> number("二十一点七")      # 21.7
>>> number("两百")            # 200
>>> number("一百零五")        # 105
>>> number("二〇二六")        # 2026: a year written digit by digit (〇, ○ and 零 alike)
>>> number("12")              # 12: ASCII and full-width digits too

The reading is :mod:`cn2an`'s (``normal`` mode: 两, 零, 〇, 十百千万亿, 点 decimals, digit strings), after
writing the circle ○ (U+25CB, common in dates: 二○二六年) as 〇 and full-width digits as ASCII; a
numeral ending in 点 (三点) is refused rather than read as 3. The value is an ``int`` for a whole number
and a ``float`` for a decimal. Anything else is a ``ValueError`` naming the text.
"""
from __future__ import annotations

import re
from functools import lru_cache

import cn2an

#: The characters a Chinese numeral is written with (digits, units, the decimal point).
DIGITS = "零〇○一二两三四五六七八九"
UNITS = "十百千万亿"
CHARS = DIGITS + UNITS + "点"
_FULL_WIDTH = {c: c - 0xFF10 + 0x30 for c in range(0xFF10, 0xFF1A)}
_FULL_WIDTH[0xFF0E] = ord(".")
_ARABIC = re.compile(r"\d+(?:\.\d+)?")


@lru_cache(maxsize=8192)
def number(text: str) -> int | float:
    """The value of a numeral: Chinese (二十一点七, 两百, 二〇二六, 一亿零五十万) or Arabic (12, 3.5)."""
    s = text.strip().translate(_FULL_WIDTH).replace("○", "〇")
    if _ARABIC.fullmatch(s):
        return float(s) if "." in s else int(s)
    if not s or s.endswith("点") or s.startswith("点") or any(c not in CHARS for c in s):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    try:
        value = cn2an.cn2an(s, "normal")
    except ValueError:
        raise ValueError(f"not a Chinese numeral: {text!r}") from None
    if isinstance(value, float) and "点" not in s:
        value = int(value)
    return value


def year(text: str) -> int:
    """A year written digit by digit or in Arabic digits: 二〇二六, 二○二六, 一九九〇, 2026 → int."""
    value = number(text)
    if not isinstance(value, int):
        raise ValueError(f"not a year: {text!r}")
    return value


__all__ = ["CHARS", "DIGITS", "UNITS", "number", "year"]
