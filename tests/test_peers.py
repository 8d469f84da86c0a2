"""Another project's reader tests, as equivalents built here: every kind of file in the test data of
readtext (the R package; its files cannot be downloaded here): a text in each of its 70-odd encodings,
each of its formats, and odd layouts. Every outcome is either "read right" (a Chinese report, its text
exactly) or "one clear line" (a ReportError whose message is one line naming the file and the reason,
never an internal error); nothing is read as garbled text."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from test_readers import LONG, SEED_TEXT, gov_page, make_docx, make_pdf, make_zip
from toolkit.errors import ReportError
from toolkit.readers import RawReport, ReadOptions, read_file
from toolkit.readers.check import judge

TRADITIONAL = ("根據《宜賓市法治政府建設關於報送2021年度法治政府建設情況報告的通知》要求，現將我局二零二一年法治政府建設工作"
               "情況報告如下。\n一、推進政務服務標準化，優化營商環境，打破數據孤島。\n二、存在的問題\n部門之間數據共享不夠，"
               "系統互不聯通。\n三、下一步工作打算\n我局將繼續推進跨省通辦。\n")
#: A text in each script readtext's encodings serve (written here, not copied).
SAMPLES = {
    "latin": "Rapport annuel de la ville : déjà fait, à venir ; Größe, Müßiggang, Þórður, façade, año, øre.\n",
    "central": "Roczne sprawozdanie miasta: zażółć gęślą jaźń; Příliš žluťoučký kůň úpěl ďábelské ódy.\n",
    "turkish": "Şehrin yıllık raporu: çalışmalar, öğrenciler, ığdır ve güzel İstanbul için planlar.\n",
    "baltic": "Miesto metinė ataskaita: ąčęėįšųūž; pilsētas gada pārskats: āčēģīķļņšūž.\n",
    "celtic": "Adroddiad blynyddol y ddinas: ŵ ŷ â ê î ô û, ẁ ẃ ẅ ỳ.\n",
    "vietnamese": "Báo cáo thường niên của thành phố về công việc trong năm.\n",
    "cyrillic": "Годовой отчёт городского правительства о работе за год; Київ, ґанок, їжак, єнот.\n",
    "kazakh": "Қаланың жылдық есебі: әкімдік, өңір, ұлттық, үкімет, һәм.\n",
    "greek": "Ετήσια έκθεση της δημοτικής αρχής για το έργο της χρονιάς και τα σχέδια.\n",
    "hebrew": "דוח שנתי של העירייה על העבודה בשנה החולפת והתוכניות לשנה הבאה.\n",
    "arabic": "التقرير السنوي للبلدية عن العمل في العام الماضي والخطط للعام القادم.\n",
    "thai": "รายงานประจำปีของเทศบาลเกี่ยวกับงานในปีที่ผ่านมาและแผนสำหรับปีหน้า\n",
    "japanese": "市政府の年次報告書です。昨年の仕事と来年の計画について、市民の皆さんにお知らせします。\n",
    "korean": "시 정부의 연례 보고서입니다. 지난해의 업무와 내년의 계획을 알려 드립니다.\n",
    "ascii": "Annual report of the city government on the work of the year and the plans for the next.\n",
}
#: readtext's encodings (tests/data/encoding/*__bytes.tsv), as Python names them, each with the script
#: of the text written in it; "chinese" and "traditional" texts must be read right.
ENCODINGS = {
    "cp437": "latin", "cp850": "latin", "cp852": "central", "cp855": "cyrillic", "cp857": "turkish", "cp860": "latin",
    "cp861": "latin", "cp862": "hebrew", "cp863": "latin", "cp865": "latin", "cp866": "cyrillic", "cp869": "greek",
    "ascii": "ascii", "iso8859_6": "arabic", "big5hkscs": "traditional", "gb2312": "chinese", "cp1125": "cyrillic",
    "cp1250": "central", "cp1251": "cyrillic", "cp1252": "latin", "cp1253": "greek", "cp1254": "turkish",
    "cp1255": "hebrew", "cp1256": "arabic", "cp1257": "baltic", "cp1258": "vietnamese", "ptcp154": "kazakh",
    "cp737": "greek", "cp775": "baltic", "cp819": "latin", "cp856": "hebrew", "cp858": "latin", "cp864": "arabic",
    "cp874": "thai", "cp949": "korean", "cp950": "traditional", "iso8859_5": "cyrillic", "iso8859_7": "greek",
    "euc_jisx0213": "japanese", "euc_jp": "japanese", "gbk": "chinese", "iso8859_8": "hebrew", "hp_roman8": "latin",
    "iso2022_jp_1": "japanese", "iso2022_jp_2": "japanese", "iso2022_jp_3": "japanese", "iso2022_jp": "japanese",
    "iso2022_kr": "korean", "iso8859_10": "baltic", "iso8859_11": "thai", "iso8859_13": "baltic",
    "iso8859_14": "celtic", "iso8859_15": "latin", "iso8859_16": "central", "iso8859_2": "central",
    "iso8859_3": "turkish", "iso8859_4": "baltic", "iso8859_9": "turkish", "koi8_r": "cyrillic", "koi8_t": "cyrillic",
    "koi8_u": "cyrillic", "mac_latin2": "central", "mac_cyrillic": "cyrillic", "mac_greek": "greek",
    "mac_iceland": "latin", "mac_turkish": "turkish", "shift_jis": "japanese", "shift_jisx0213": "japanese",
    "utf_32_le": "chinese", "tis_620": "thai", "euc_kr": "korean", "cp932": "japanese", "big5": "traditional",
    "gb18030": "chinese", "utf_8": "chinese", "utf_16_le": "chinese", "utf_16_be": "chinese", "utf_32_be": "chinese",
    "utf_8_sig": "chinese", "utf_16": "chinese", "utf_32": "chinese",
}


def text_of(script: str) -> str:
    if script == "chinese":
        return SEED_TEXT
    if script == "traditional":
        return TRADITIONAL
    return SAMPLES[script] * 3


def encoded(text: str, codec: str) -> bytes:
    """``text`` in ``codec``; a character the codec lacks (a Chinese codec's rare one) is left out."""
    return "".join(c for c in text if _encodes(c, codec)).encode(codec)


def _encodes(character: str, codec: str) -> bool:
    try:
        character.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def outcome(path: Path, options: ReadOptions | None = None) -> list:
    """What reading a file gives: its items, or the one error that refuses it."""
    try:
        return read_file(path, options)
    except ReportError as error:
        return [error]


def clear(item) -> str:
    """The reason of an item that must be one clear line."""
    assert isinstance(item, ReportError), f"read, but it should not be: {item.text[:60]!r}"
    line = str(item)
    assert "\n" not in line and "internal error" not in line and line.endswith(item.reason) and item.reason.strip()
    return item.reason


def read_right(items: list, texts: list[str]) -> None:
    assert all(isinstance(item, RawReport) for item in items), [clear(i) for i in items if isinstance(i, ReportError)]
    assert [item.text for item in items] == texts
    assert all(judge(item.text) is None for item in items)


def write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# --------------------------------------------------------------------------- encodings

@pytest.mark.parametrize("codec", sorted(ENCODINGS))
def test_a_text_in_each_of_readtexts_encodings(tmp_path, codec):
    """As a .txt file and as the text column of a .tsv (readtext's files are TSVs): a Chinese text in a
    Chinese encoding (or UTF-8/16/32, with or without a byte-order mark) is read right; a text in any
    other script, in its own encoding, is one clear line (never garbled Chinese)."""
    script = ENCODINGS[codec]
    text = "".join(c for c in text_of(script) if _encodes(c, codec))
    table = "year\ttext\n" + "".join(f"{2024 - i}\t{line}\n" for i, line in enumerate(text.split("\n")) if line)
    txt = outcome(write(tmp_path, "r.txt", encoded(text, codec)))
    tsv = outcome(write(tmp_path, "r.tsv", encoded(table, codec)))
    if script in ("chinese", "traditional"):
        read_right(txt, [text])
        lines = [line for line in text.split("\n") if line]
        for item, line in zip(tsv, lines):  # a row too short to judge (a heading) is one clear line
            if isinstance(item, RawReport):
                assert item.text == line
            else:
                assert clear(item).endswith("too short to tell its encoding, or not Chinese")
        assert len(tsv) == len(lines) and any(isinstance(item, RawReport) for item in tsv)
    else:
        for item in txt + tsv:
            clear(item)


# --------------------------------------------------------------------------- formats

def _docx_of(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _odf(kind: str) -> bytes:
    """An OpenDocument file (.odt/.ods): a zip whose first member is its mimetype."""
    return make_zip({"mimetype": f"application/vnd.oasis.opendocument.{kind}", "content.xml": "<office:document/>"},
                    zipfile.ZIP_STORED)


def test_readtexts_formats_read_right(tmp_path):
    """csv with one column, two columns, a document id; a tsv; JSON Lines (named .json, read with
    --format jsonl, as readtext's tweets); docx; pdf; html5; a .TXT in capitals: read right."""
    import pandas as pd

    texts = LONG[:3]
    cases = {
        "data_onecol.csv": (pd.DataFrame({"text": texts}).to_csv(index=False), None),
        "data_twocol.csv": (pd.DataFrame({"year": [2022, 2021, 2020], "text": texts}).to_csv(index=False), None),
        "withdocid.csv": (pd.DataFrame({"doc_id": ["a", "b", "c"], "text": texts}).to_csv(index=False), None),
        "t.tsv": (pd.DataFrame({"text": texts}).to_csv(sep="\t", index=False), None),
        "stream.json": ("".join(json.dumps({"id": i, "text": t}, ensure_ascii=True) + "\n" for i, t in enumerate(texts)),
                        ReadOptions(format="jsonl")),
        "testfile_one.TXT": ("\n".join(texts), None),
    }
    for name, (data, options) in cases.items():
        items = outcome(write(tmp_path, name, data), options)
        read_right(items, ["\n".join(texts)] if name.endswith(".TXT") else texts)
    read_right(outcome(write(tmp_path, "test.docx", _docx_of(texts))), ["\n".join(texts)])
    [raw] = outcome(write(tmp_path, "test.pdf", make_pdf([[(40, 800 - 20 * i, t[:40]) for i, t in enumerate(texts)]])))
    assert raw.text.split("\n") == [t[:40] for t in texts]
    [raw] = outcome(write(tmp_path, "html5.html", gov_page(texts)))
    assert all(t in raw.text for t in texts)


def test_readtexts_malformed_html_reads_right_or_says_why(tmp_path):
    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>报告</title><body><div><p>"
            + "<p>".join(LONG[:3]) + "<table><tr><td>未闭合的单元格<tr><td>又一行</div></span></body>")
    [raw] = outcome(write(tmp_path, "malformed_html5.html", page))
    assert all(t in raw.text for t in LONG[:3])


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("test.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
     "an old binary Word/WPS document: convert it to .docx first, e.g. soffice --headless --convert-to docx FILE"),
    ("test.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
     "an old binary Office document (.doc/.wps/.xls), not text: convert it to .docx first, e.g. soffice --headless "
     "--convert-to docx FILE"),
    ("test1.rtf", b"{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}} \\f0 Annual report \\par }", "an RTF document, not text"),
    ("test.odt", _odf("text"), "a zip archive (or a .docx/.xlsx, which are zip archives), not text: give it its own "
                               "suffix (.zip, .docx, .xlsx) to read it"),
    ("test.ods", _odf("spreadsheet"), "a zip archive (or a .docx/.xlsx, which are zip archives), not text: give it its "
                                      "own suffix (.zip, .docx, .xlsx) to read it"),
])
def test_readtexts_formats_the_toolkit_does_not_read_are_one_clear_line(tmp_path, name, data, reason):
    [item] = outcome(write(tmp_path, name, data))
    assert clear(item) == reason


def test_readtexts_english_files_are_one_clear_line_in_every_format(tmp_path):
    """readtext's test files are English: each of them, in any format, is refused the same way here."""
    import pandas as pd

    english = SAMPLES["ascii"] * 3
    frame = pd.DataFrame({"text": [english]})
    frame.to_parquet(tmp_path / "t.parquet", index=False)
    frame.to_excel(tmp_path / "t.xlsx", index=False)
    paths = [write(tmp_path, "fox.txt", english), write(tmp_path, "test.docx", _docx_of([english])),
             write(tmp_path, "test.pdf", make_pdf([[(40, 800, english[:80])]])),
             write(tmp_path, "html5.html", f"<html><body><p>{english}</p></body></html>"),
             write(tmp_path, "t.csv", frame.to_csv(index=False)), tmp_path / "t.parquet", tmp_path / "t.xlsx",
             write(tmp_path, "t.jsonl", frame.to_json(orient="records", lines=True))]
    for path in paths:
        [item] = outcome(path)
        assert clear(item) == "no Chinese characters: too short to tell its encoding, or not Chinese", path.name


# --------------------------------------------------------------------------- odd layouts

@pytest.mark.parametrize("layout", ["crlf", "cr", "no_final_newline", "one_line", "blank_lines", "bom_inside", "tabs",
                                    "form_feed", "zero_width", "nbsp_and_ideographic", "trailing_spaces",
                                    "unicode_nfd", "character_classes", "kangxi_radicals", "fullwidth"])
def test_odd_layouts_are_read_right(tmp_path, layout):
    text = SEED_TEXT
    variants = {
        "crlf": text.replace("\n", "\r\n"), "cr": text.replace("\n", "\r"), "no_final_newline": text.rstrip("\n"),
        "one_line": text.replace("\n", ""), "blank_lines": text.replace("\n", "\n\n\n"),
        "bom_inside": text[:100] + "\ufeff" + text[100:], "tabs": text.replace("，", "\t", 5),
        "form_feed": text.replace("\n", "\n\f", 3), "zero_width": text.replace("，", "，\u200b", 10),
        "nbsp_and_ideographic": text.replace(" ", "\u00a0").replace("\n", "\n\u3000\u3000"),
        "trailing_spaces": text.replace("\n", "   \n"), "unicode_nfd": text + "\nCafé Zürich São Paulo\n",
        "character_classes": text + "\n①②③ ㈠㈡ ⅠⅡⅢ ℃ ㎡ № § ± × ÷ ≥ ≤ ← → ★ ☆ ■ □ ▲ ● ○ ◎ ※ 〇 々 😀\n",
        "kangxi_radicals": text.replace("一", "\u2f00"), "fullwidth": text.replace("2021", "２０２１"),
    }
    variant = variants[layout]
    if layout == "unicode_nfd":
        import unicodedata

        variant = unicodedata.normalize("NFD", variant)
    for codec in ("utf-8", "gb18030", "utf-16"):
        if not all(_encodes(c, codec) for c in variant):
            continue
        read_right(outcome(write(tmp_path, f"{layout}.txt", variant.encode(codec))), [variant.removeprefix("\ufeff")])


def test_a_zip_of_readtexts_kinds_reads_each_member_right_or_in_one_line(tmp_path):
    members = {"a.txt": SEED_TEXT.encode("gb18030"), "b.docx": make_docx(), "c.TXT": TRADITIONAL.encode("big5"),
               "d.txt": SAMPLES["japanese"].encode("shift_jis") * 3, "e.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(9),
               "f.txt": SAMPLES["latin"].encode("cp1252") * 3}
    items = outcome(write(tmp_path, "kinds.zip", make_zip(members)))
    by_member = {item.source.member if isinstance(item, RawReport) else str(item).split("!")[1].split(":")[0]: item
                 for item in items}
    assert by_member["a.txt"].text == SEED_TEXT and by_member["c.TXT"].text == TRADITIONAL
    assert isinstance(by_member["b.docx"], RawReport)
    for member in ("d.txt", "e.doc", "f.txt"):
        clear(by_member[member])
