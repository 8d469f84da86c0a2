"""Tests for toolkit.readers: one reader per format (Word, PDF, web page, tables, zip archives, old
Word/WPS), each on generated fixtures for what no real file covers, and on the real files of the
shared corpora where they are present (skipped, with the reason, where they are not)."""
from __future__ import annotations

import dataclasses
import hashlib
import html
import io
import json
import re
import struct
import zipfile
from pathlib import Path

import pytest

from toolkit.corpus import Removed, pages_of, read_report, read_reports
from toolkit.errors import EmptyReportError, FormatError, ReportError
from toolkit.paths import RAW_DIR, SHARED_DIR, shared_absent
from toolkit.readers import FORMATS, READERS, SUFFIXES, RawReport, ReadOptions, Source, discover, read_file
from toolkit.readers import archive, pdf as pdf_reader

SEED_TEXT = sorted(RAW_DIR.glob("*.txt"))[1].read_text(encoding="utf-8")  # a bureau report, 3,000 characters
PARAGRAPHS = [line for line in SEED_TEXT.split("\n") if line.strip()]
#: Paragraphs long enough to be a report by themselves (at least 20 Chinese characters; a shorter text is
#: refused as too short to tell its encoding, or not Chinese).
LONG = [p for p in PARAGRAPHS if len(re.findall(r"[\u4e00-\u9fff]", p)) >= 20]
CORPORA = SHARED_DIR / "corpora"
PROVINCIAL = CORPORA / "provincial-2025"
ARCHIVE = CORPORA / "archives" / "31省区市政府工作报告.zip"
BEIJING_PDF = CORPORA / "beijing-2024-pdf" / "2024年北京市政府工作报告.pdf"
NATIONAL_TSV = CORPORA / "national-1954-2022" / "gov_reports1954-2022.tsv"


def absent(path: Path) -> pytest.MarkDecorator:
    return pytest.mark.skipif(not path.exists(), reason=shared_absent(path))


def write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def reports(items: list) -> list[RawReport]:
    assert all(isinstance(item, RawReport) for item in items), [str(i) for i in items if isinstance(i, ReportError)]
    return items


def format_error(path: Path, options: ReadOptions | None = None) -> FormatError:
    with pytest.raises(FormatError) as caught:
        read_file(path, options)
    assert str(caught.value) == f"{caught.value.where}: {caught.value.reason}"
    return caught.value


# --------------------------------------------------------------------------- registry

def test_every_format_has_a_reader_and_a_folder_is_searched_for_all():
    assert set(SUFFIXES) == {".txt", ".docx", ".pdf", ".html", ".htm", ".csv", ".tsv", ".jsonl", ".parquet",
                             ".xlsx", ".dta", ".zip", ".doc", ".wps"}
    assert set(FORMATS) == {suffix.lstrip(".") for suffix in SUFFIXES}
    assert all(callable(READERS[suffix]) for suffix in SUFFIXES)


def test_discover_finds_every_format_in_a_folder(tmp_path):
    for name in ("a.docx", "b.PDF", "c.htm", "d.tsv", "e.zip", "f.doc", "notes.md", "README.txt"):
        write(tmp_path, name, b"x")
    found, errors = discover(tmp_path)
    assert [f.path.name for f in found] == ["a.docx", "b.PDF", "c.htm", "d.tsv", "e.zip", "f.doc"]
    assert errors == []


def test_a_folder_without_reports_lists_the_formats_searched(tmp_path):
    write(tmp_path, "notes.md", b"x")
    _, errors = discover(tmp_path)
    assert "it holds 1 .md" in errors[0].reason
    assert all(suffix in errors[0].reason for suffix in SUFFIXES)


# --------------------------------------------------------------------------- Word

def make_docx(header: str | None = "某某市人民政府文件", footer: str | None = "— 1 —", table: bool = True,
              title: str = "2024年某某市政府工作报告") -> bytes:
    import datetime

    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.core_properties.created = datetime.datetime(2024, 1, 20, 9, 30)
    section = document.sections[0]
    if header:
        section.header.paragraphs[0].text = header
    if footer:
        section.footer.paragraphs[0].text = footer
    document.add_paragraph("2024年政府工作报告")
    document.add_paragraph("各位代表：")
    document.add_paragraph("现在，我代表市人民政府，向大会报告工作，请予审议。")
    if table:
        grid = document.add_table(rows=2, cols=3)
        for (row, column), text in {(0, 0): "指标", (0, 1): "2023年", (0, 2): "增长",
                                    (1, 0): "地区生产总值", (1, 1): "4.4万亿元", (1, 2): "5.2%"}.items():
            grid.cell(row, column).text = text
        merged = grid.add_row().cells
        merged[0].merge(merged[2]).text = "注：增长按\n可比价格计算"
    document.add_paragraph("一、2023年工作回顾")
    document.add_paragraph("过去一年，全市经济持续回升向好，高质量发展扎实推进。")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_body_in_order_with_the_table_where_it_stands(tmp_path):
    [raw] = reports(read_file(write(tmp_path, "r.docx", make_docx())))
    assert raw.text.split("\n") == [
        "2024年政府工作报告", "各位代表：", "现在，我代表市人民政府，向大会报告工作，请予审议。",
        "指标\t2023年\t增长", "地区生产总值\t4.4万亿元\t5.2%", "注：增长按 可比价格计算",
        "一、2023年工作回顾", "过去一年，全市经济持续回升向好，高质量发展扎实推进。"]
    assert raw.encoding == "docx" and raw.source == Source(tmp_path / "r.docx")
    assert raw.sha256 == hashlib.sha256((tmp_path / "r.docx").read_bytes()).hexdigest()


def test_docx_headers_and_footers_are_left_out_and_recorded(tmp_path):
    [raw] = reports(read_file(write(tmp_path, "r.docx", make_docx())))
    assert "某某市人民政府文件" not in raw.text and "— 1 —" not in raw.text
    assert raw.removed == (("docx_header", "某某市人民政府文件"), ("docx_footer", "— 1 —"))
    report = read_report(tmp_path / "r.docx")
    assert report.removed[:2] == (Removed(0, "某某市人民政府文件", "docx_header"), Removed(0, "— 1 —", "docx_footer"))


def test_docx_core_properties_become_fields(tmp_path):
    [raw] = reports(read_file(write(tmp_path, "r.docx", make_docx())))
    assert raw.fields == {"title": "2024年某某市政府工作报告", "date": "2024-01-20"}
    [raw] = reports(read_file(write(tmp_path, "untitled.docx", make_docx(title=""))))
    assert raw.fields == {"date": "2024-01-20"}


def test_docx_paragraphs_inside_content_controls(tmp_path):
    import docx
    from docx.oxml import OxmlElement

    document = docx.Document()
    document.add_paragraph("各位代表：")
    inside = document.add_paragraph("现在，我代表市人民政府，向大会报告工作。")
    control, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
    control.append(content)
    inside._p.addprevious(control)
    content.append(inside._p)
    document.add_paragraph("请予审议。")
    buffer = io.BytesIO()
    document.save(buffer)
    [raw] = reports(read_file(write(tmp_path, "r.docx", buffer.getvalue())))
    assert raw.text == "各位代表：\n现在，我代表市人民政府，向大会报告工作。\n请予审议。"


@pytest.mark.parametrize(("data", "reason"), [
    (b"PK\x03\x04 not really a zip", "not a readable Word file: not a zip package (File is not a zip file)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500),
     "not a readable Word file: an old binary .doc (or a password-protected .docx) inside: convert it to .docx "
     "first, e.g. soffice --headless --convert-to docx FILE"),
])
def test_corrupt_docx(tmp_path, data, reason):
    error = format_error(write(tmp_path, "bad.docx", data))
    assert error.reason == reason


def test_a_zip_that_is_not_a_word_file(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("hello.txt", "hi")
    error = format_error(write(tmp_path, "bad.docx", buffer.getvalue()))
    assert error.reason.startswith("not a readable Word file: ")
    assert "[Content_Types].xml" in error.reason


def test_an_empty_word_file(tmp_path):
    import docx

    buffer = io.BytesIO()
    docx.Document().save(buffer)
    with pytest.raises(EmptyReportError, match="no text in the Word file's body"):
        read_file(write(tmp_path, "empty.docx", buffer.getvalue()))


@absent(PROVINCIAL)
def test_real_provincial_docx_files():
    reports_, errors = read_reports(PROVINCIAL)
    assert len(reports_) == 31 and errors == []
    zhejiang = next(r for r in reports_ if r.report_id == "2025年浙江省政府工作报告")
    assert zhejiang.encoding == "docx" and zhejiang.fields["date"] == "2025-01-25"
    assert zhejiang.text.startswith("2025年浙江省政府工作报告\n")
    assert "现在，我代表省人民政府向大会报告工作" in zhejiang.text


# --------------------------------------------------------------------------- PDF

def make_pdf(pages: list[list[tuple[int, int, str]]], encrypt=None, trailer: bytes = b"") -> bytes:
    """A PDF whose pages hold the given lines ``(x, y, text)`` in a text layer: a Type0 font (STSong-Light,
    the UniGB-UTF16-H CMap, not embedded) that a reader maps back to Unicode. ``encrypt(object number,
    bytes)`` encrypts the content streams; ``trailer`` adds to the trailer dictionary."""
    count = len(pages)
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (5 + 2 * i) for i in range(count))
           + b"] /Count %d >>" % count,
        3: b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UTF16-H /DescendantFonts [4 0 R] >>",
        4: b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) "
           b"/Ordering (GB1) /Supplement 4 >> /FontDescriptor << /Type /FontDescriptor /FontName /STSong-Light "
           b"/Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 "
           b"/StemV 93 >> /DW 1000 >>",
    }
    streams = {}
    for i, lines in enumerate(pages):
        objects[5 + 2 * i] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R "
                              b">> >> /Contents %d 0 R >>" % (6 + 2 * i))
        streams[6 + 2 * i] = b"\n".join(b"BT /F1 12 Tf %d %d Td <%s> Tj ET" % (x, y, text.encode("utf-16-be").hex().encode())
                                        for x, y, text in lines)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in range(1, 5 + 2 * count):
        offsets[number] = len(out)
        if number in streams:
            data = encrypt(number, streams[number]) if encrypt else streams[number]
            out += b"%d 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (number, len(data), data)
        else:
            out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
    out += b"".join(b"%010d 00000 n \n" % offsets[number] for number in sorted(offsets))
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(offsets) + 1, trailer, xref)
    return bytes(out)


def rc4(key: bytes, data: bytes) -> bytes:
    state, j = list(range(256)), 0
    for i in range(256):
        j = (j + state[i] + key[i % len(key)]) % 256
        state[i], state[j] = state[j], state[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + state[i]) % 256
        state[i], state[j] = state[j], state[i]
        out.append(byte ^ state[(state[i] + state[j]) % 256])
    return bytes(out)


def make_encrypted_pdf(user_password: str, owner_password: str = "owner") -> bytes:
    """A PDF encrypted with the standard security handler (revision 2, RC4 40-bit), as the PDF reference
    describes it (algorithms 3.1-3.4): opening it needs ``user_password``."""
    padding = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")
    padded = lambda password: (password.encode("latin-1") + padding)[:32]  # noqa: E731
    file_id, permissions = b"0123456789abcdef", -44
    owner = rc4(hashlib.md5(padded(owner_password)).digest()[:5], padded(user_password))
    key = hashlib.md5(padded(user_password) + owner + permissions.to_bytes(4, "little", signed=True)
                      + file_id).digest()[:5]
    user = rc4(key, padding)

    def encrypt(number: int, data: bytes) -> bytes:
        return rc4(hashlib.md5(key + number.to_bytes(3, "little") + b"\0\0").digest()[:10], data)

    trailer = (b"/ID [<%s><%s>] /Encrypt << /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >> "
               % (file_id.hex().encode(), file_id.hex().encode(), owner.hex().encode(), user.hex().encode(),
                  permissions))
    return make_pdf([[(72, 800, "加密的报告：现在，我代表市人民政府，向大会报告工作。")]], encrypt=encrypt, trailer=trailer)


def paged_report(pages: int = 5) -> list[list[tuple[int, int, str]]]:
    """A report over several pages with a running header (a bulletin's name and issue), a running footer
    and page numbers, as a PDF of a 政府公报 has them; the first page has no header."""
    body = PARAGRAPHS[:3 * pages]
    out = []
    for i in range(pages):
        lines = [] if i == 0 else [(72, 810, "某某市人民政府公报"), (400, 795, f"2024年第{i + 2}期")]
        if i == 0:
            lines.append((200, 760, "2024年某某市政府工作报告"))
        y = 720
        for paragraph in body[3 * i:3 * i + 3]:
            lines.append((72, y, paragraph[:40]))
            y -= 20
        lines += [(72, 60, "某某市人民政府办公室印发"), (280, 40, f"— {i + 1} —")]
        out.append(lines)
    return out


def test_pdf_pages_and_their_first_lines(tmp_path):
    [raw] = reports(read_file(write(tmp_path, "r.pdf", make_pdf(paged_report()))))
    lines = raw.text.split("\n")
    assert len(raw.pages) == 5 and raw.pages[0] == 1
    assert lines[raw.pages[0] - 1] == "2024年某某市政府工作报告"
    assert all(lines[start - 1] == "某某市人民政府公报" for start in raw.pages[1:])
    assert raw.encoding == "pdf" and raw.source == Source(tmp_path / "r.pdf")


def test_pdf_running_headers_footers_and_page_numbers_are_marked_not_removed(tmp_path):
    [raw] = reports(read_file(write(tmp_path, "r.pdf", make_pdf(paged_report()))))
    lines = raw.text.split("\n")
    marked = {lines[number - 1]: rule for number, rule in raw.chrome.items()}
    assert marked == {"某某市人民政府公报": "running_header", "2024年第3期": "running_header",
                      "2024年第4期": "running_header", "2024年第5期": "running_header",
                      "2024年第6期": "running_header", "某某市人民政府办公室印发": "running_footer",
                      "— 1 —": "page_number", "— 2 —": "page_number", "— 3 —": "page_number",
                      "— 4 —": "page_number", "— 5 —": "page_number"}
    assert sorted(raw.chrome.values()).count("running_header") == 8  # two lines on each of pages 2-5
    assert "2024年某某市政府工作报告" in raw.text  # the first page's title is not a header


def test_pdf_chrome_is_removed_by_the_cleaner_and_pages_map_offsets(tmp_path):
    report = read_report(write(tmp_path, "r.pdf", make_pdf(paged_report())))
    assert "公报" not in report.text and "— 3 —" not in report.text and "印发" not in report.text
    assert {r.rule for r in report.removed} == {"running_header", "running_footer", "page_number"}
    assert [page for _, page in report.pages] == [1, 2, 3, 4, 5]
    last = PARAGRAPHS[14][:40]
    start = report.text.index(last)
    assert pages_of(report, start, start + len(last)) == (5,)


@pytest.mark.parametrize("number", ["— 3 —", "- 3 -", "-3-", "3", "第3页", "第 3 页 共 20 页", "共20页 第3页", "3/20",
                                    "Page 3"])
def test_page_number_forms(number):
    lines = [[(1, "正文第一行，内容。"), (2, "正文第二行，内容。"), (3, number)]]
    assert pdf_reader.find_chrome(lines) == {3: "page_number"}


def test_a_number_inside_the_page_is_not_a_page_number():
    lines = [[(1, "正文第一行，内容。"), (2, "12"), (3, "正文第二行，内容。"), (4, "正文第三行。"), (5, "正文第四行。")]]
    assert pdf_reader.find_chrome(lines) == {}


def test_odd_and_even_running_headers():
    pages = [[(10 * i + 1, "各位代表：" if i == 0 else ("北京市人民政府" if i % 2 else "政府工作报告")),
              (10 * i + 2, f"正文第{i}页的内容，各不相同{'。' * i}")] for i in range(7)]
    assert pdf_reader.find_chrome(pages) == {11: "running_header", 21: "running_header", 31: "running_header",
                                             41: "running_header", 51: "running_header", 61: "running_header"}


def test_a_scanned_pdf_without_text_layer(tmp_path):
    from PIL import Image, ImageDraw

    images = []
    for _ in range(2):
        image = Image.new("L", (620, 877), 255)
        draw = ImageDraw.Draw(image)
        for y in range(80, 800, 24):
            draw.rectangle((60, y, 560, y + 10), fill=40)  # lines of "print"
        images.append(image)
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", save_all=True, append_images=images[1:], resolution=72)
    error = format_error(write(tmp_path, "scan.pdf", buffer.getvalue()))
    assert error.reason == "no text layer: a scanned PDF needs OCR first"


def test_an_encrypted_pdf(tmp_path):
    import pypdfium2

    data = make_encrypted_pdf("secret")
    document = pypdfium2.PdfDocument(data, password="secret")  # a real encrypted PDF: the password opens it
    assert "加密的报告" in document[0].get_textpage().get_text_range()
    document.close()
    error = format_error(write(tmp_path, "locked.pdf", data))
    assert error.reason == ("encrypted PDF: it needs a password to open; save an unprotected copy first "
                            "(e.g. qpdf --decrypt --password=PASSWORD IN.pdf OUT.pdf)")


def test_an_encrypted_pdf_with_an_empty_user_password_is_read(tmp_path):
    [raw] = reports(read_file(write(tmp_path, "restricted.pdf", make_encrypted_pdf(""))))
    assert raw.text == "加密的报告：现在，我代表市人民政府，向大会报告工作。"


@pytest.mark.parametrize(("data", "reason"), [
    (b"%PDF-1.7\n" + b"garbage " * 100, "not a readable PDF: Data format error"),
    (b"", "not a readable PDF: Data format error"),
])
def test_a_broken_pdf(tmp_path, data, reason):
    assert format_error(write(tmp_path, "broken.pdf", data)).reason == reason


@absent(BEIJING_PDF)
def test_real_beijing_pdf():
    [raw] = reports(read_file(BEIJING_PDF))
    assert len(raw.pages) == 13 > 1
    assert "北京市" in raw.text and "我代表北京市人民政府，向大会报告政府工作" in raw.text.replace("\n", "")
    # this PDF (WPS 文字 export) has no running header, footer or page number in its text layer: nothing
    # of the body may be taken for chrome
    assert raw.chrome == {}
    report, = read_reports(BEIJING_PDF)[0]
    assert [page for _, page in report.pages] == list(range(1, 14))
    end = report.text.rindex("为推进中国式现代化作出首都贡献")
    assert pages_of(report, end, end + 10) == (13,)
    middle = report.text.index("着力做好以下十一个方面工作")
    assert pages_of(report, middle, middle + 5) == (6,)
    assert pages_of(report, 0, len(report.text)) == tuple(range(1, 14))


# --------------------------------------------------------------------------- web pages

def gov_page(paragraphs: list[str], charset: str = "utf-8", title: str = "宜宾市政务服务管理局2021年法治政府建设情况报告",
             meta: bool = True, body: str | None = None) -> str:
    """A page as a Chinese government website serves a report: the site's top bar, search, navigation and
    breadcrumb, the article's info line with font and share widgets, the report, print/close links, the
    previous/next pager, related links and the site footer."""
    nav = "".join(f'<li><a href="/c{i}/">{w}</a></li>' for i, w in enumerate(
        ["首页", "要闻动态", "政务公开", "政务服务", "互动交流", "走进宜宾", "专题专栏", "数据开放"]))
    related = "".join(f'<li><a href="/t/{i}.html">{w}</a><span>2022-01-{10 + i}</span></li>' for i, w in enumerate(
        ["市政府召开常务会议研究部署近期重点工作", "我市召开优化营商环境工作推进会", "关于开展2022年政务公开工作的通知",
         "市政务服务中心春节期间工作安排", "宜宾市2021年国民经济和社会发展统计公报"]))
    text = body if body is not None else "\n".join(
        f'<p style="text-indent:2em">{html.escape(p)}</p>' for p in paragraphs)
    head_meta = (f'<meta name="ArticleTitle" content="{title}">\n<meta name="PubDate" content="2022-01-28 16:31">\n'
                 if meta else "")
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{title}_宜宾市人民政府</title>
<meta name="SiteName" content="宜宾市人民政府">
<meta name="ColumnName" content="法治政府建设">
{head_meta}<meta name="Keywords" content="法治政府,年度报告">
<script>var _hmt = _hmt || []; (function() {{ var hm = document.createElement("script"); }})();</script>
<style>.nav li {{ float: left; }}</style>
</head>
<body>
<div class="top-bar"><span>欢迎访问宜宾市人民政府门户网站！</span><a href="#">无障碍</a> <a href="#">长者模式</a> <a href="#">登录</a></div>
<div class="header"><img src="/logo.png" alt="宜宾市人民政府"><form action="/search"><input name="q" placeholder="请输入关键词"><button>搜索</button></form></div>
<div class="nav"><ul>{nav}</ul></div>
<div class="main">
<div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/fzzf/">法治政府建设</a> &gt; 正文</div>
<div class="article">
<h1 class="title">{title}</h1>
<div class="info"><span>来源：宜宾市政务服务管理局</span><span>发布时间：2021-12-30 16:31</span><span>浏览次数：1024</span>
<span class="font">字号：<a>大</a> <a>中</a> <a>小</a></span> <a href="javascript:window.print()">打印本页</a></div>
<div class="share">分享到：<a class="wx">微信</a><a class="wb">微博</a><a class="qq">QQ空间</a></div>
<div class="TRS_Editor">
{text}
<table border="1"><tr><td>指标</td><td>2020年</td><td>2021年</td></tr><tr><td>办件量（万件）</td><td>120.5</td><td>156.3</td></tr></table>
</div>
<div class="tools"><a href="javascript:window.print()">【打印本页】</a> <a href="#">【关闭窗口】</a> <a href="#">【我要纠错】</a></div>
<div class="pager"><p>上一篇：<a href="/t/1.html">市政府召开常务会议研究部署近期重点工作</a></p><p>下一篇：<a href="/t/2.html">关于开展2022年政务公开工作的通知</a></p></div>
</div>
<div class="related"><h3>相关阅读</h3><ul>{related}</ul></div>
</div>
<div class="footer"><div class="links"><a href="#">网站地图</a> | <a href="#">联系我们</a> | <a href="#">网站声明</a></div>
<p>主办单位：宜宾市人民政府办公室　承办单位：宜宾市大数据中心</p>
<p>网站标识码：5115000001　蜀ICP备05003285号　川公网安备 51150202000001号</p>
<p>Copyright © 2022 宜宾市人民政府 版权所有</p></div>
<script src="/js/jquery.min.js"></script>
</body></html>"""


SITE_CHROME = ("首页", "要闻动态", "当前位置", "分享到", "微信", "字号", "打印本页", "上一篇", "相关阅读", "网站地图",
               "ICP备", "版权所有", "主办单位", "欢迎访问", "请输入关键词", "市政府召开常务会议")


def test_html_main_text_without_the_site_around_it(tmp_path):
    [raw] = reports(read_file(write(tmp_path, "page.html", gov_page(PARAGRAPHS))))
    lines = raw.text.split("\n")
    assert lines[0] == "宜宾市政务服务管理局2021年法治政府建设情况报告"
    assert lines[1:1 + len(PARAGRAPHS)] == PARAGRAPHS
    assert lines[-2:] == ["指标\t2020年\t2021年", "办件量（万件）\t120.5\t156.3"]
    assert not [word for word in SITE_CHROME if word in raw.text]
    assert raw.notes == (f"main text found by trafilatura {__import__('trafilatura').__version__}",)
    assert raw.encoding == "html:utf-8"


def test_html_title_and_date_from_the_page_metadata(tmp_path):
    [raw] = reports(read_file(write(tmp_path, "page.html", gov_page(PARAGRAPHS))))
    assert raw.fields == {"title": "宜宾市政务服务管理局2021年法治政府建设情况报告", "date": "2022-01-28"}


def test_html_date_is_never_guessed_from_the_body(tmp_path):
    [raw] = reports(read_file(write(tmp_path, "page.htm", gov_page(PARAGRAPHS, meta=False))))
    assert raw.fields == {"title": "宜宾市政务服务管理局2021年法治政府建设情况报告"}  # <title>, site name cut off
    assert "发布时间：2021-12-30" not in raw.text  # the info line is site chrome


def test_html_declared_charset_gb2312(tmp_path):
    data = gov_page(PARAGRAPHS, charset="gb2312").encode("gb18030")
    [raw] = reports(read_file(write(tmp_path, "page.html", data)))
    assert raw.encoding == "html:gb18030" and PARAGRAPHS[3] in raw.text


def test_html_wrongly_declared_charset_is_detected(tmp_path):
    data = gov_page(PARAGRAPHS, charset="utf-8").encode("gb18030")  # says UTF-8, is GBK
    [raw] = reports(read_file(write(tmp_path, "page.html", data)))
    assert raw.encoding == "html:gb18030" and PARAGRAPHS[3] in raw.text


def test_xhtml_page_with_an_xml_declaration(tmp_path):
    page = gov_page(PARAGRAPHS, charset="gb2312").replace("<!DOCTYPE html>", '<?xml version="1.0" encoding="gb2312"?>')
    [raw] = reports(read_file(write(tmp_path, "page.htm", page.encode("gb18030"))))
    assert raw.encoding == "html:gb18030" and PARAGRAPHS[3] in raw.text
    assert raw.fields == {"title": "宜宾市政务服务管理局2021年法治政府建设情况报告", "date": "2022-01-28"}


def test_html_layout_table_of_an_old_site(tmp_path):
    body = ("<table width='100%'><tr><td class='bt_content'>"
            + "".join(f"<font size=3>{html.escape(p)}</font><br/>" for p in PARAGRAPHS) + "</td></tr></table>")
    [raw] = reports(read_file(write(tmp_path, "page.html", gov_page(PARAGRAPHS, body=body))))
    assert raw.text.split("\n")[1:1 + len(PARAGRAPHS)] == PARAGRAPHS


def test_html_falls_back_to_the_visible_text(tmp_path):
    # the report sits in a container trafilatura takes for readers' comments, which it leaves out
    body = "<div id='comments' class='comment-list'>" + "".join(f"<p>{html.escape(p)}</p>" for p in PARAGRAPHS) + "</div>"
    [raw] = reports(read_file(write(tmp_path, "page.html", gov_page(PARAGRAPHS, body=body))))
    assert len(raw.notes) == 1 and raw.notes[0].startswith("trafilatura found little main text (")
    assert raw.notes[0].endswith("of the page's Chinese characters): the whole visible text is used")
    assert all(p.strip() in raw.text for p in PARAGRAPHS) and "网站地图" in raw.text
    report = read_report(tmp_path / "page.html")  # the cleaner's chrome rules take what they can
    assert "网站地图" not in report.text and "当前位置" not in report.text


def test_html_where_trafilatura_finds_nothing(tmp_path, monkeypatch):
    import trafilatura

    monkeypatch.setattr(trafilatura, "extract", lambda *args, **kwargs: None)
    [raw] = reports(read_file(write(tmp_path, "page.html", gov_page(PARAGRAPHS))))
    assert raw.notes == ("trafilatura found no main text: the whole visible text is used",)
    assert PARAGRAPHS[5] in raw.text


def test_html_without_text(tmp_path):
    page = "<html><head><meta charset='utf-8'><title>报告</title></head><body><div id='app'></div></body></html>"
    with pytest.raises(EmptyReportError) as caught:
        read_file(write(tmp_path, "app.html", page))
    assert caught.value.reason == "no visible text in the page (does it load its text with JavaScript?)"


# --------------------------------------------------------------------------- tables

def frame(rows: int = 3):
    import pandas as pd

    return pd.DataFrame({"year": [2022 - i for i in range(rows)], "city": ["宜宾市", None, "成都市"][:rows],
                         "text": [PARAGRAPHS[i] * 3 for i in range(rows)]})


def expected(path: Path, encoding: str, member: str | None = None) -> list[tuple]:
    return [(Source(path, member, 1), {"year": "2022", "city": "宜宾市"}, encoding),
            (Source(path, member, 2), {"year": "2021"}, encoding),
            (Source(path, member, 3), {"year": "2020", "city": "成都市"}, encoding)]


def summary(items: list) -> list[tuple]:
    return [(raw.source, raw.fields, raw.encoding) for raw in reports(items)]


@pytest.mark.parametrize(("name", "encoding", "save"), [
    ("r.csv", "table:utf-8", lambda f, p: f.to_csv(p, index=False)),
    ("r.tsv", "table:utf-8", lambda f, p: f.to_csv(p, sep="\t", index=False)),
    ("r.jsonl", "table:utf-8", lambda f, p: f.to_json(p, orient="records", lines=True, force_ascii=False)),
    ("r.parquet", "parquet", lambda f, p: f.to_parquet(p, index=False)),
    ("r.xlsx", "xlsx", lambda f, p: f.to_excel(p, index=False)),
    ("r.dta", "dta", lambda f, p: f.to_stata(p, version=118, write_index=False, convert_strl=["text", "city"])),
])
def test_a_report_per_row(tmp_path, name, encoding, save):
    save(frame(), tmp_path / name)
    items = read_file(tmp_path / name)
    assert summary(items) == expected(tmp_path / name, encoding)
    assert [raw.text for raw in items] == [PARAGRAPHS[i] * 3 for i in range(3)]
    assert items[0].sha256 == hashlib.sha256(items[0].text.encode("utf-8")).hexdigest()


def test_csv_with_bom_and_gb18030(tmp_path):
    text = frame().to_csv(index=False)
    assert summary(read_file(write(tmp_path, "bom.csv", "\ufeff" + text))) == expected(tmp_path / "bom.csv", "table:utf-8-sig")
    assert summary(read_file(write(tmp_path, "gbk.csv", text.encode("gb18030")))) == expected(tmp_path / "gbk.csv", "table:gb18030")


def test_headerless_tsv_with_columns_named(tmp_path):
    path = write(tmp_path, "r.tsv", "".join(f"{2022 - i}\t{LONG[i]}\n" for i in range(3)))
    items = reports(read_file(path, ReadOptions(columns=("year", "text"))))
    assert [(raw.source.row, raw.fields, raw.text) for raw in items] == [
        (i + 1, {"year": str(2022 - i)}, LONG[i]) for i in range(3)]
    error = format_error(path)
    assert error.reason == ("no text column, and the first row reads as a report, not a header: name the columns "
                            "with --columns (e.g. --columns year,text)")
    assert format_error(path, ReadOptions(columns=("text",))).reason == "2 columns, but --columns names 1: text"


def test_a_table_saved_as_txt_with_format_tsv(tmp_path):
    path = write(tmp_path, "reports.txt", frame().to_csv(sep="\t", index=False))
    assert summary(read_file(path, ReadOptions(format="tsv"))) == expected(path, "table:utf-8")
    [raw] = reports(read_file(path))  # without it, a .txt is one report
    assert raw.source == Source(path)


def test_a_row_with_empty_text_is_an_error_and_the_others_go_on(tmp_path):
    path = write(tmp_path, "r.csv", f'year,text\n2022,"{LONG[0]}"\n2021,\n2020,  \n2019,"{LONG[1]}"\n')
    items = read_file(path)
    assert [type(item).__name__ for item in items] == ["RawReport", "EmptyReportError", "EmptyReportError", "RawReport"]
    assert str(items[1]) == f"{path}#row 2: empty text in column 'text'"
    assert items[3].source.row == 4


@pytest.mark.parametrize("name", ["内容", "正文", "Full_Text", "CONTENT"])
def test_text_column_names(tmp_path, name):
    path = write(tmp_path, "r.csv", f'标题,{name}\n报告,"{LONG[0]}"\n')
    [raw] = reports(read_file(path))
    assert raw.text == LONG[0] and raw.fields == {"标题": "报告"}


def test_text_column_named_by_option(tmp_path):
    path = write(tmp_path, "r.csv", f'title,wenben\n报告,"{LONG[0]}"\n')
    error = format_error(path)
    assert error.reason == ("no text column (one named text, content, full_text, 正文 …) in this table: its columns "
                            "are 'title', 'wenben'; pass --text-column NAME")
    [raw] = reports(read_file(path, ReadOptions(text_column="wenben")))
    assert raw.text == LONG[0]
    assert format_error(path, ReadOptions(text_column="body")).reason == (
        "no column 'body' (--text-column) in this table: its columns are 'title', 'wenben'")


def test_long_fields_over_the_csv_module_limit(tmp_path):
    long = SEED_TEXT.replace("\n", "") * 60  # about 180,000 characters, over csv's 131,072 limit
    path = write(tmp_path, "r.csv", f'year,text\n2022,"{long}"\n')
    [raw] = reports(read_file(path))
    assert raw.text == long


def test_tsv_whose_texts_hold_tabs(tmp_path):
    path = write(tmp_path, "r.tsv", f"year\ttext\n2022\t{LONG[0]}\t{LONG[1]}\n2021\t{LONG[2]}\n")
    first, second = reports(read_file(path))
    assert first.text == f"{LONG[0]}\n{LONG[1]}" and first.fields == {"year": "2022"}
    assert first.notes == ("1 tab inside the text (more fields than the header has) read as line breaks",)
    assert second.text == LONG[2] and second.notes == ()


def test_jsonl_bad_line_is_an_error_for_that_row(tmp_path):
    lines = [json.dumps({"year": 2022, "text": PARAGRAPHS[0]}, ensure_ascii=False), "{broken", "[1, 2]",
             json.dumps({"year": 2020, "text": PARAGRAPHS[1], "tags": ["a", "b"]}, ensure_ascii=False)]
    path = write(tmp_path, "r.jsonl", "\n".join(lines) + "\n")
    items = read_file(path)
    assert [str(item) for item in items[1:3]] == [
        f"{path}#row 2: not a JSON object: Expecting property name enclosed in double quotes at column 2",
        f"{path}#row 3: not a JSON object but a list"]
    assert items[3].fields == {"year": "2020", "tags": '["a", "b"]'}


def test_xlsx_first_sheet_and_empty_cells(tmp_path):
    import pandas as pd

    table = pd.DataFrame({"year": pd.array([2022, None], dtype="Int64"), "text": LONG[0:2],
                          "date": [pd.Timestamp("2022-01-28"), pd.NaT]})
    with pd.ExcelWriter(tmp_path / "r.xlsx") as writer:
        table.to_excel(writer, sheet_name="报告", index=False)
        table.to_excel(writer, sheet_name="备份", index=False)
    first, second = reports(read_file(tmp_path / "r.xlsx"))
    assert first.fields == {"year": "2022", "date": "2022-01-28"} and second.fields == {}
    assert first.notes == ("the first sheet ('报告') is read; 1 other sheet is not",)


def test_broken_tables(tmp_path):
    assert format_error(write(tmp_path, "r.parquet", b"PAR1 not really")).reason.startswith("not a readable Parquet file: ")
    assert format_error(write(tmp_path, "r.xlsx", b"PK\x03\x04 no")).reason.startswith("not a readable Excel file: ")
    assert format_error(write(tmp_path, "r.dta", b"\x00" * 100)).reason.startswith("not a readable Stata file: ")


@absent(NATIONAL_TSV)
def test_real_national_tsv():
    items = reports(read_file(NATIONAL_TSV))
    assert len(items) == 53
    assert items[0].fields == {"year": "2022"} and items[-1].fields == {"year": "1954"}
    assert items[0].source == Source(NATIONAL_TSV, row=1) and items[0].text.startswith("各位代表：")
    reports_, errors = read_reports(NATIONAL_TSV, options=ReadOptions())
    assert len(reports_) == 53 and errors == []
    assert reports_[0].report_id == "gov_reports1954-2022#1" and reports_[0].fields == {"year": "2022"}


# --------------------------------------------------------------------------- zip archives

def make_zip(members: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buffer.getvalue()


class _RawName(zipfile.ZipInfo):
    """A ZipInfo whose name is written as the bytes given, without the UTF-8 flag (as Windows' zip does)."""

    def __init__(self, raw: bytes) -> None:
        super().__init__(raw.decode("cp437"))
        self.raw = raw

    def _encodeFilenameFlags(self):
        return self.raw, self.flag_bits & ~0x800


def test_members_read_in_name_order_by_their_readers(tmp_path):
    members = {"b/二.txt": SEED_TEXT, "a.docx": make_docx(), "c.csv": frame().to_csv(index=False),
               "README.md": "说明", "LICENSE": "text", "__MACOSX/._a.docx": b"x", "d/": b"", "e.jpg": b"\xff\xd8\xff"}
    path = write(tmp_path, "r.zip", make_zip(members))
    items = reports(read_file(path))
    assert [str(raw.source) for raw in items] == [f"{path}!a.docx", f"{path}!b/二.txt", f"{path}!c.csv#row 1",
                                                  f"{path}!c.csv#row 2", f"{path}!c.csv#row 3"]
    assert items[2].source == Source(path, "c.csv", 1) and items[2].fields == {"year": "2022", "city": "宜宾市"}
    assert items[1].encoding == "utf-8" and items[0].encoding == "docx"


def test_reports_in_a_zip_get_member_ids(tmp_path):
    write(tmp_path, "r.zip", make_zip({"甲.txt": SEED_TEXT, "乙/甲.txt": SEED_TEXT.replace("2021", "2020"),
                                      "丙.txt": SEED_TEXT.replace("2021", "2019")}))
    reports_, errors = read_reports(tmp_path)
    assert [r.report_id for r in reports_] == ["丙", "r!乙/甲", "r!甲"] and errors == []


def test_gbk_member_names_are_decoded(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(_RawName("2025年浙江省政府工作报告.txt".encode("gbk")), SEED_TEXT)
        z.writestr(_RawName("utf8名字.txt".encode("utf-8")), SEED_TEXT)  # UTF-8 bytes, flag not set
        z.writestr("flagged名字.txt", SEED_TEXT)  # zipfile sets the UTF-8 flag
    infos = zipfile.ZipFile(io.BytesIO(buffer.getvalue())).infolist()
    assert [info.flag_bits & 0x800 for info in infos] == [0, 0, 0x800]
    assert infos[0].filename != "2025年浙江省政府工作报告.txt"  # what Python makes of it (CP437)
    items = reports(read_file(write(tmp_path, "gbk.zip", buffer.getvalue())))
    assert sorted(raw.source.member for raw in items) == ["2025年浙江省政府工作报告.txt", "flagged名字.txt", "utf8名字.txt"]


def test_a_zip_bomb_is_refused_by_its_stated_size(tmp_path):
    path = write(tmp_path, "bomb.zip", make_zip({"zeros.txt": bytes(100_000_000)}))
    assert path.stat().st_size < 200_000
    error = format_error(path, ReadOptions(max_unpacked=10_000_000))
    assert error.reason == "would unpack to more than 10.0 MB (max_unpacked): not read (a zip bomb?)"


def _lie(data: bytes, size: int) -> bytes:
    """A zip whose first member states ``size`` as its unpacked size, in the local header and the central directory."""
    data = bytearray(data)
    local, central = data.index(b"PK\x03\x04"), data.index(b"PK\x01\x02")
    data[local + 22:local + 26] = struct.pack("<I", size)
    data[central + 24:central + 28] = struct.pack("<I", size)
    return bytes(data)


@pytest.mark.parametrize(("compression", "reason"), [
    (zipfile.ZIP_DEFLATED, "not a readable member of the archive: Bad CRC-32 for file 'zeros.txt'"),
    (zipfile.ZIP_BZIP2, "not a readable member of the archive: 'zeros.txt' unpacks to more than the 1,000 bytes it states"),
    (zipfile.ZIP_LZMA, "not a readable member of the archive: 'zeros.txt' unpacks to more than the 1,000 bytes it states"),
])
def test_a_zip_bomb_that_lies_about_its_size_stops_at_the_size_it_states(tmp_path, compression, reason):
    # 50 MB of zeros that the central directory says are 1,000 bytes: zipfile stops a deflated member at
    # its stated size (its CRC then fails); bzip2 and LZMA members (50 MB of zeros pack into 81 bytes of
    # bzip2), which zipfile would decompress unbounded, are decompressed in bounded chunks and stopped there
    data = _lie(make_zip({"zeros.txt": bytes(50_000_000), "ok.txt": SEED_TEXT}, compression), 1000)
    path = write(tmp_path, "liar.zip", data)
    ok, liar = read_file(path, ReadOptions(max_unpacked=5_000_000))
    assert isinstance(ok, RawReport) and str(liar) == f"{path}!zeros.txt: {reason}"


def test_zips_inside_a_zip_share_its_unpacking_limit(tmp_path):
    inner = make_zip({f"{i}.txt": SEED_TEXT for i in range(3)})  # 3 x 9,312 bytes unpacked
    path = write(tmp_path, "outer.zip", make_zip({"a.zip": inner, "b.zip": inner}))
    assert len(reports(read_file(path))) == 6
    error = format_error(path, ReadOptions(max_unpacked=50_000))
    assert error.reason == "would unpack to more than 50,000 bytes (max_unpacked): not read (a zip bomb?)"
    assert error.where == Source(path)


def test_bzip2_and_lzma_members_are_read(tmp_path):
    for compression in (zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
        [raw] = reports(read_file(write(tmp_path, "r.zip", make_zip({"a.txt": SEED_TEXT}, compression))))
        assert raw.text == SEED_TEXT


def test_too_many_members(tmp_path):
    path = write(tmp_path, "many.zip", make_zip({f"{i}.txt": SEED_TEXT for i in range(5)}))
    assert format_error(path, ReadOptions(max_members=3)).reason == "holds 5 members, over the limit of 3 (max_members): not read"


def test_a_member_over_max_bytes(tmp_path):
    path = write(tmp_path, "r.zip", make_zip({"a.txt": SEED_TEXT, "b.txt": SEED_TEXT * 100}))
    first, second = read_file(path, ReadOptions(max_bytes=100_000))
    assert isinstance(first, RawReport)
    assert str(second) == f"{path}!b.txt: 1.0 MB, over the 0.1 MB limit for one report (max_bytes)"


def test_unsafe_member_names_are_not_read(tmp_path):
    path = write(tmp_path, "evil.zip", make_zip({"../evil.txt": SEED_TEXT, "/etc/passwd.txt": SEED_TEXT,
                                                 "ok.txt": SEED_TEXT}))
    items = read_file(path)
    errors = [str(item) for item in items if isinstance(item, ReportError)]
    assert sorted(errors) == [f"{path}: unsafe member name: ../evil.txt: not read",
                              f"{path}: unsafe member name: /etc/passwd.txt: not read"]
    assert [raw.source.member for raw in items if isinstance(raw, RawReport)] == ["ok.txt"]


def test_an_encrypted_member(tmp_path):
    data = bytearray(make_zip({"a.txt": SEED_TEXT, "secret.txt": SEED_TEXT}, zipfile.ZIP_STORED))
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # the second member's flags, both places
        at = data.index(signature, data.index(signature) + 1)
        data[at + flag_offset] |= 0x1
    path = write(tmp_path, "r.zip", bytes(data))
    first, second = read_file(path)
    assert isinstance(first, RawReport)
    assert str(second) == f"{path}!secret.txt: an encrypted member (a password is needed): not read"


def test_nested_zips_two_deep(tmp_path):
    inner = make_zip({"a.txt": SEED_TEXT})
    path = write(tmp_path, "outer.zip", make_zip({"inner.zip": inner, "b.txt": SEED_TEXT}))
    items = reports(read_file(path))
    assert [str(raw.source) for raw in items] == [f"{path}!b.txt", f"{path}!inner.zip!a.txt"]
    assert items[1].source.name == "inner.zip!a"
    deeper = write(tmp_path, "deep.zip", make_zip({"middle.zip": make_zip({"inner.zip": inner}), "b.txt": SEED_TEXT}))
    first, second = read_file(deeper)
    assert isinstance(first, RawReport)
    assert str(second) == (f"{deeper}!middle.zip: no member in a format the toolkit reads: it holds 1 .zip "
                           f"(zips more than 2 deep are not read)")


def test_a_zip_without_reports_says_what_it_holds(tmp_path):
    path = write(tmp_path, "photos.zip", make_zip({"a.jpg": b"x", "b.jpg": b"x", "README.md": b"x", "notes": b"x"}))
    assert format_error(path).reason == "no member in a format the toolkit reads: it holds 1 (no suffix), 2 .jpg"


@pytest.mark.parametrize(("data", "reason"), [
    (b"PK\x03\x04" + bytes(100), "not a readable zip archive: File is not a zip file"),
    (b"PK\x05\x06" + bytes(18), "an empty zip archive: no members"),
])
def test_a_broken_zip(tmp_path, data, reason):
    assert format_error(write(tmp_path, "broken.zip", data)).reason == reason


def test_a_bad_member_does_not_stop_the_others(tmp_path):
    path = write(tmp_path, "r.zip", make_zip({"a.pdf": b"%PDF-1.4 garbage", "b.doc": b"\xd0\xcf", "c.txt": SEED_TEXT}))
    items = read_file(path)
    assert [str(item) for item in items[:2]] == [
        f"{path}!a.pdf: not a readable PDF: Data format error",
        f"{path}!b.doc: an old binary Word/WPS document: convert it to .docx first, e.g. soffice --headless "
        f"--convert-to docx FILE"]
    assert isinstance(items[2], RawReport)
    reports_, errors = read_reports(path, skip_bad=True)
    assert [r.report_id for r in reports_] == ["c"] and len(errors) == 2


@absent(ARCHIVE)
def test_real_archive_of_31_provincial_reports():
    items = reports(read_file(ARCHIVE))
    names = [raw.source.member for raw in items]
    assert len(names) == 31 and "2025年浙江省政府工作报告.docx" in names and "2025年北京市政府工作报告.docx" in names
    assert all(re.fullmatch(r"2025年[\u4e00-\u9fff]+政府工作报告\.docx", name) for name in names)
    reports_, errors = read_reports(ARCHIVE)
    assert len(reports_) == 31 and errors == []
    assert "2025年浙江省政府工作报告" in {r.report_id for r in reports_}


# --------------------------------------------------------------------------- old Word / WPS

@pytest.mark.parametrize("name", ["r.doc", "r.wps", "R.DOC"])
def test_old_binary_word_and_wps(tmp_path, name):
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000)
    error = format_error(write(tmp_path, name, data))
    assert error.reason == ("an old binary Word/WPS document: convert it to .docx first, e.g. soffice --headless "
                            "--convert-to docx FILE")


def test_a_docx_named_doc(tmp_path):
    error = format_error(write(tmp_path, "r.doc", make_docx()))
    assert error.reason == "a zip package (a .docx?) named as an old Word/WPS document: rename it to .docx"


# --------------------------------------------------------------------------- a folder of every format

def test_a_folder_of_every_format(tmp_path):
    write(tmp_path, "a.txt", SEED_TEXT)
    write(tmp_path, "b.docx", make_docx())
    write(tmp_path, "c.pdf", make_pdf(paged_report(3)))
    write(tmp_path, "d.html", gov_page(PARAGRAPHS))
    write(tmp_path, "e.tsv", frame(2).to_csv(sep="\t", index=False))
    write(tmp_path, "f.zip", make_zip({"g.txt": SEED_TEXT.replace("2021", "2019")}))
    write(tmp_path, "h.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    reports_, errors = read_reports(tmp_path, skip_bad=True)
    assert [r.report_id for r in reports_] == ["a", "b", "c", "d", "e#1", "e#2", "g"]
    assert [e.reason for e in errors] == ["an old binary Word/WPS document: convert it to .docx first, e.g. "
                                          "soffice --headless --convert-to docx FILE"]
    assert {r.report_id: r.encoding for r in reports_} == {"a": "utf-8", "b": "docx", "c": "pdf", "d": "html:utf-8",
                                                           "e#1": "table:utf-8", "e#2": "table:utf-8", "g": "utf-8"}


def test_options_format_does_not_reach_into_an_archive(tmp_path):
    path = write(tmp_path, "r.zip", make_zip({"a.txt": SEED_TEXT}))
    options = dataclasses.replace(ReadOptions(), format="zip")
    [raw] = reports(read_file(path, options))
    assert raw.source.member == "a.txt"
