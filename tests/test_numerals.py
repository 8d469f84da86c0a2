"""toolkit.numerals: the one Chinese-numeral parser of the package, property-tested against a writer of
our own (below) and against cn2an's writer (an2cn), and what the corpus, sections and targets each read
with it (the three parsers it replaced disagreed on 两, 百, 千, 万, 零, decimals and 〇 in years)."""
from __future__ import annotations

import cn2an
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit import numerals
from toolkit.corpus import _number as corpus_number
from toolkit.sections import _cn_number, _marker_number
from toolkit.targets import cn_number

DIGITS = "零一二三四五六七八九"


def _group(n: int, two: str) -> str:
    """A number below 10,000 in Chinese, zeros inside read once as 零 (1005 → 一千零五)."""
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // value % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += (two if d == 2 and unit in ("千", "百") else DIGITS[d]) + unit
    return out


def write(n: int, two: str = "二") -> str:
    """Our own writer of a non-negative integer (an independent reference for the parser): groups of
    four digits under 亿 and 万, 零 for a gap, 十 alone for 10-19 at the start; ``two`` is 二 or 两
    (两 before 百 and 千)."""
    if n == 0:
        return "零"
    groups = [(n // 10 ** 8) % 10 ** 4, (n // 10 ** 4) % 10 ** 4, n % 10 ** 4]
    units = ["亿", "万", ""]
    out, pending_zero = "", False
    for g, unit in zip(groups, units):
        if g == 0:
            pending_zero = bool(out)
            continue
        if out and (pending_zero or g < 1000):
            out += "零"
        pending_zero = False
        out += _group(g, two) + unit
    if n >= 10 ** 12:
        raise ValueError("too large for this writer")
    return out[1:] if out.startswith("一十") else out


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.integers(min_value=0, max_value=10 ** 12 - 1), st.sampled_from(["二", "两"]))
def test_integers_read_back_from_our_writer(n, two):
    text = write(n, two)
    assert numerals.number(text) == n, text


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.integers(min_value=0, max_value=10 ** 12 - 1))
def test_integers_read_back_from_cn2an_writer(n):
    assert numerals.number(cn2an.an2cn(n, "low")) == n


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.integers(min_value=0, max_value=99_999), st.integers(min_value=1, max_value=999))
def test_decimals_read_back(whole, frac):
    digits = str(frac).rstrip("0") or "0"
    text = write(whole) + "点" + "".join(DIGITS[int(d)] for d in digits)
    assert numerals.number(text) == pytest.approx(float(f"{whole}.{digits}"))
    assert isinstance(numerals.number(text), float)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.integers(min_value=1000, max_value=2999), st.sampled_from(["〇", "○", "零"]))
def test_years_written_digit_by_digit(y, zero):
    text = "".join(zero if d == "0" else DIGITS[int(d)] for d in str(y))
    assert numerals.year(text) == y
    assert corpus_number(text) == y


@pytest.mark.parametrize("text, value", [
    ("两百", 200), ("两千", 2000), ("一百零五", 105), ("三点五", 3.5), ("二十一点七", 21.7), ("十", 10),
    ("十二", 12), ("二〇二六", 2026), ("二○二六", 2026), ("一九九〇", 1990), ("一亿零五十万", 100_500_000),
    ("五千万", 50_000_000), ("零点五", 0.5), ("两点五", 2.5), ("１２", 12), ("3.5", 3.5), ("〇二〇", 20),
])
def test_known_numerals(text, value):
    assert numerals.number(text) == value


@pytest.mark.parametrize("text", ["", "三点", "点五", "十十", "百", "第三", "二十一日", "abc"])
def test_not_numerals_are_value_errors(text):
    with pytest.raises(ValueError, match="not a Chinese numeral"):
        numerals.number(text)


def test_the_three_readers_now_agree():
    """The corpus (dates), sections (markers) and targets (figures) read through the one parser: the
    cases on which their own parsers differed."""
    assert corpus_number("二十八") == 28 and corpus_number("二〇二六") == 2026 and corpus_number("二○二六") == 2026
    assert _cn_number("十二") == 12 and _cn_number("二十") == 20 and _cn_number("十十") == 0
    assert _marker_number("（十二）") == 12 and _marker_number("三、") == 3
    assert cn_number("两百") == 200 and cn_number("一千零五") == 1005 and cn_number("三点五") == 3.5
    assert cn_number("一万") == 10_000
