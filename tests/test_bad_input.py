"""The bad-input catalogue: every way a file or folder can be wrong, each a named test with the exact
message a user sees. Nothing hangs, nothing is dropped without a word, one bad report never takes the
others down, and the command line says it in one line (a traceback only with --debug)."""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from toolkit import dataset, load_corpus
from toolkit.corpus import (
    MAX_BYTES,
    BinaryReportError,
    EmptyReportError,
    ReportError,
    UndecodableReportError,
    read_report,
    read_reports,
)
from toolkit.paths import PROJECT_ROOT, RAW_DIR
from toolkit.readers import ReadOptions, read_file

SEEDS = sorted(RAW_DIR.glob("*.txt"))
SEED = SEEDS[1]  # 001: a bureau report with all three parts
SEED_TEXT = SEED.read_text(encoding="utf-8")
#: Three different reports (a corpus of copies of one report is a corpus of duplicates).
TEXTS = [path.read_text(encoding="utf-8") for path in SEEDS[:3]]
TRADITIONAL = ("市法治政府建設工作領導小組辦公室：\n根據《宜賓市法治政府建設關於報送2021年度法治政府建設情況報告的通知》要求，"
               "現將我局二零二一年法治政府建設工作情況報告如下。\n一、推進政務服務標準化，優化營商環境，打破數據孤島。\n"
               "二、存在的問題\n部門之間數據共享不夠，系統互不聯通。\n三、下一步工作打算\n我局將繼續推進跨省通辦。\n")


def write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def error_of(path: Path) -> ReportError:
    with pytest.raises(ReportError) as caught:
        read_report(path)
    assert caught.value.path == path
    assert str(caught.value) == f"{path}: {caught.value.reason}"
    return caught.value


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "toolkit", *args], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, timeout=timeout)


def one_error_line(out: subprocess.CompletedProcess) -> str:
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    return lines[0]


# --------------------------------------------------------------------------- contents

def test_empty_file(tmp_path):
    error = error_of(write(tmp_path, "empty.txt", b""))
    assert type(error) is EmptyReportError and error.reason == "empty file"


def test_whitespace_only(tmp_path):
    error = error_of(write(tmp_path, "blank.txt", " \r\n\t\u3000\n"))
    assert type(error) is EmptyReportError and error.reason == "only whitespace"


def test_nul_byte(tmp_path):
    error = error_of(write(tmp_path, "nul.txt", "报告正文".encode("utf-8") + b"\x00rest"))
    assert type(error) is BinaryReportError and error.reason == "NUL byte at offset 12: not text"


def test_binary_control_characters(tmp_path):
    error = error_of(write(tmp_path, "binary.txt", bytes(range(1, 9)) * 50 + "报告".encode("utf-8")))
    assert type(error) is BinaryReportError and error.reason == "400 control characters in 406 bytes: not text"


@pytest.mark.parametrize(("codec", "recorded"), [("utf-16", "utf-16-le"), ("utf-16-be", "utf-16-be"),
                                                  ("utf-32", "utf-32-le")])
def test_utf16_and_utf32_with_bom_are_read(tmp_path, codec, recorded):
    data = SEED_TEXT.encode(codec)
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = "\ufeff".encode(codec) + data
    report = read_report(write(tmp_path, "wide.txt", data))
    assert report.encoding == recorded
    assert report.text == read_report(SEED).text


def test_utf16_bom_but_not_utf16(tmp_path):
    error = error_of(write(tmp_path, "bad16.txt", b"\xff\xfe\x00\xd8"))
    assert type(error) is UndecodableReportError
    assert error.reason == "UTF-16-LE byte-order mark but not UTF-16 text"


def test_big5_is_read_as_big5_not_garbled_gb18030(tmp_path):
    report = read_report(write(tmp_path, "big5.txt", TRADITIONAL.encode("big5")))
    assert report.encoding == "big5" and report.encoding_confidence == 1.0
    assert report.text.startswith("市法治政府建設工作領導小組辦公室：")
    corpus = load_corpus(tmp_path)  # segmented (its headings' words are traditional: 問題 is not 问题)
    assert "".join(corpus.sections["text"]) == report.text


def test_gbk_is_read_as_gb18030(tmp_path):
    report = read_report(write(tmp_path, "gbk.txt", SEED_TEXT.encode("gbk")))
    assert report.encoding == "gb18030"
    assert report.text == read_report(SEED).text


def test_gb18030_with_crlf(tmp_path):
    report = read_report(write(tmp_path, "crlf.txt", SEED_TEXT.replace("\n", "\r\n").encode("gb18030")))
    assert report.encoding == "gb18030" and report.text == read_report(SEED).text


def test_big5_bytes_are_never_accepted_as_gb18030(tmp_path):
    """GB18030 decodes almost any bytes; the common-character check is what refuses the garble."""
    data = TRADITIONAL.encode("big5")
    garbled = data.decode("gb18030", errors="replace")
    from toolkit.corpus import MIN_COMMON_SHARE, common_share
    assert common_share(garbled)[0] < MIN_COMMON_SHARE <= common_share(TRADITIONAL)[0]


def test_mixed_encodings(tmp_path):
    """A line that is half UTF-8 and half GBK is read in no encoding: the file is refused, naming it."""
    half = len(SEED_TEXT) // 2
    error = error_of(write(tmp_path, "mixed.txt", SEED_TEXT[:half].encode("utf-8") + SEED_TEXT[half:].encode("gbk")))
    assert type(error) is UndecodableReportError
    assert error.reason == "line 7: neither UTF-8, GB18030 nor Big5 (a damaged file, or one that mixes encodings)"


def test_a_file_pasted_from_utf8_and_gbk_lines_is_read_line_by_line(tmp_path):
    half = SEED_TEXT.index("\n", len(SEED_TEXT) // 2) + 1
    report = read_report(write(tmp_path, "pasted.txt", SEED_TEXT[:half].encode("utf-8") + SEED_TEXT[half:].encode("gbk")))
    assert report.text == read_report(SEED).text and report.encoding == "gb18030+utf-8"
    assert report.notes == ("lines 1, 2, 3, 4, 5 and 2 more in UTF-8, the rest in GB18030: each line read in its own "
                            "encoding",)


def test_garbled_text_that_decodes_is_refused(tmp_path):
    """Big5 bytes that Big5 cannot read (a damaged file) decode as GB18030, into rare characters."""
    data = TRADITIONAL.encode("big5") * 3 + b"\x81\x40"  # 0x81 leads no Big5 character; GB18030 reads 丂
    error = error_of(write(tmp_path, "garbled.txt", data))
    assert type(error) is UndecodableReportError
    assert error.reason == ("line 22 is not BIG5 as the rest is, and too short to tell its encoding (“丂” in GB18030): "
                            "a damaged file, or one that mixes encodings")
    error = error_of(write(tmp_path, "garbled.txt", TRADITIONAL.encode("big5").decode("gb18030").encode("utf-8")))
    assert error.reason.startswith("garbled in every encoding tried: too few common Chinese characters (utf-8 ")
    assert error.reason.endswith("Chinese prose has at least 90%): a wrong or mixed encoding")


def test_text_without_chinese(tmp_path):
    error = error_of(write(tmp_path, "english.txt", "Annual report of the city government.\n"))
    assert type(error) is UndecodableReportError
    assert error.reason == "no Chinese characters: too short to tell its encoding, or not Chinese"


@pytest.mark.parametrize(("data", "reason"), [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document, not text: name it .pdf to read it"),
    (b"PK\x03\x04\x14\x00\x00\x00", "a zip archive (or a .docx/.xlsx, which are zip archives), not text: give it "
                                   "its own suffix (.zip, .docx, .xlsx) to read it"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "an old binary Office document (.doc/.wps/.xls), not text: "
                                               "convert it to .docx first, e.g. soffice --headless --convert-to docx FILE"),
])
def test_pdf_zip_or_doc_named_txt(tmp_path, data, reason):
    error = error_of(write(tmp_path, "report.txt", data))
    assert type(error) is BinaryReportError and error.reason == reason


def test_html_in_a_txt_file_is_read_as_its_visible_text(tmp_path):
    page = ("<!DOCTYPE html><html><head><title>梅州市政务服务数据管理局2020年工作总结</title>"
            "<style>p{color:red}</style><script>var a='一、不是标题';</script></head><body>"
            "<p>2020年，我局扎实推进政务服务工作，取得明显成效。</p><p>一、主要工作成效</p><p>推进一网通办，办件量增长&nbsp;20%。</p>"
            "<p>二、存在的问题</p><p>部门之间数据共享不够，存在数据孤岛。</p><p>三、下一步工作打算</p>"
            "<p>我局将继续推进跨省通办。</p></body></html>")
    report = read_report(write(tmp_path, "page.txt", page))
    assert "<" not in report.text and "color" not in report.text and "不是标题" not in report.text
    assert report.notes == ("HTML markup removed (26 tags)",)
    assert report.text.split("\n")[3:5] == ["推进一网通办，办件量增长 20%。", "二、存在的问题"]
    corpus = load_corpus(tmp_path)
    assert corpus.sections.set_index("heading").loc["二、存在的问题", "kind"] == "problems"
    assert corpus.sections.set_index("heading").loc["三、下一步工作打算", "kind"] == "plans"
    assert corpus.reports.loc[0, "notes"] == "HTML markup removed (26 tags)"


def test_angle_brackets_in_prose_are_not_markup(tmp_path):
    text = SEED_TEXT + "\n指标<5%的项目，和 a<b 的比较。\n"
    assert read_report(write(tmp_path, "prose.txt", text)).notes == ()


def test_one_5_mb_line(tmp_path):
    line = SEED_TEXT.replace("\n", "")
    data = (line * (5_000_000 // len(line.encode("utf-8")) + 1)).encode("utf-8")
    report = read_report(write(tmp_path, "oneline.txt", data))
    assert report.text.count("\n") == 0 and len(data) > 5_000_000
    sections, units = dataset.segment_report(report)
    assert sections["start"].iloc[0] == 0 and sections["end"].iloc[-1] == len(report.text)
    assert (sections["start"].iloc[1:].to_numpy() == sections["end"].iloc[:-1].to_numpy()).all()


def test_a_report_over_the_size_limit(tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as handle:  # a sparse 60 MB file: nothing is written, nothing is read
        handle.truncate(60_000_000)
    error = error_of(path)
    assert type(error) is ReportError and MAX_BYTES == 50_000_000
    assert error.reason == "60.0 MB, over the 50.0 MB limit for one report (max_bytes)"
    with pytest.raises(ReportError, match=r"60.0 MB, over the 1.0 MB limit"):
        load_corpus(path, max_bytes=1_000_000)


def test_the_size_limit_can_be_raised_or_lifted(tmp_path):
    path = write(tmp_path, "r.txt", SEED_TEXT)
    with pytest.raises(ReportError, match=r"^.*: 10,472 bytes, over the 10 bytes limit for one report \(max_bytes\)$"):
        read_report(path, max_bytes=10)
    assert read_report(path, max_bytes=None).text == read_report(SEED).text


def test_10000_headings(tmp_path):
    items = "".join(f"{i}、第{i}项工作。推进政务服务标准化，取得成效。\n" for i in range(1, 10_001))
    text = ("梅州市政务服务数据管理局2020年工作总结\n一、主要工作\n" + items
            + "二、存在的问题\n数据共享不够。\n三、下一步工作打算\n我局将继续推进。\n")
    corpus = load_corpus(write(tmp_path, "many.txt", text))
    assert list(corpus.sections["kind"].iloc[-2:]) == ["problems", "plans"]
    assert len(corpus.units) >= 10_000


# --------------------------------------------------------------------------- paths

def test_missing_path(tmp_path):
    with pytest.raises(ReportError) as caught:
        load_corpus(tmp_path / "nowhere")
    assert caught.value.reason == "no such file or folder"


def test_empty_folder(tmp_path):
    with pytest.raises(ReportError) as caught:
        load_corpus(tmp_path)
    assert caught.value.path == tmp_path
    assert caught.value.reason == ("no report file in this folder or its subfolders: it holds no files (reports are "
                                   "read from .txt .docx .pdf .html .htm .csv .tsv .jsonl .parquet .xlsx .dta .zip "
                                   ".doc .wps)")


def test_folder_of_other_formats_says_what_it_holds(tmp_path):
    for name in ("a.md", "b.md", "c.rtf", "README.md", "d.JPG"):
        write(tmp_path, name, b"x")
    with pytest.raises(ReportError) as caught:
        load_corpus(tmp_path)
    assert caught.value.reason.startswith("no report file in this folder or its subfolders: it holds 1 .jpg, "
                                          "2 .md, 1 .rtf (reports are read from .txt .docx")


def test_corpus_documentation_is_not_a_report(tmp_path):
    write(tmp_path, "r.txt", SEED_TEXT)
    for name in ("README.txt", "LICENSE.txt", "MANIFEST.txt", "MANIFEST.tsv", ".hidden.txt"):
        write(tmp_path, name, "说明文件，不是报告。")
    write(tmp_path, "metadata.csv", "file,city\nr.txt,宜宾\n")
    assert list(load_corpus(tmp_path).reports["report_id"]) == ["r"]


OLD_WORD = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)  # an OLE compound file: .doc, .wps


def test_a_doc_beside_its_converted_copy_is_passed_over_with_a_note(tmp_path):
    """A folder of .doc files converted in place (soffice --convert-to docx, .txt, .pdf ...): each copy is
    read, the .doc of the same name beside it passed over and named in the copy's notes, no error; a .doc
    with no copy beside it is still the error it was, and a .doc given by name is read as given."""
    write(tmp_path, "a.doc", OLD_WORD)
    write(tmp_path, "a.txt", TEXTS[0])
    write(tmp_path, "sub/b.wps", OLD_WORD)
    write(tmp_path, "sub/b.txt", TEXTS[1])
    write(tmp_path, "c.txt", TEXTS[2])
    reports, errors = read_reports(tmp_path)
    assert errors == [] and [r.report_id for r in reports] == ["a", "c", "b"]
    assert reports[0].notes == ("passed over a.doc beside it: an old Word/WPS document of the same name, of which "
                                "this .txt is read instead",)
    assert reports[2].notes[-1].startswith("passed over b.wps beside it") and reports[1].notes == ()
    write(tmp_path, "sub/b.doc", OLD_WORD)  # a .doc and a .wps of one name: both passed over for the copy
    assert read_reports(tmp_path)[0][2].notes[-1].startswith("passed over b.doc, b.wps beside it")
    write(tmp_path, "d.doc", OLD_WORD)
    with pytest.raises(ReportError, match=r"d\.doc: an old binary Word/WPS document: convert it to \.docx first"):
        read_reports(tmp_path)
    with pytest.raises(ReportError, match=r"a\.doc: an old binary Word/WPS document"):
        read_reports([tmp_path / "a.doc"])


def test_subfolders_are_read_recursively_and_ids_stay_unique(tmp_path):
    write(tmp_path, "2020/report.txt", TEXTS[0])
    write(tmp_path, "2021/report.txt", TEXTS[1])
    write(tmp_path, "2021/other.txt", TEXTS[2])
    corpus = load_corpus(tmp_path)
    assert list(corpus.reports["report_id"]) == ["2020/report", "other", "2021/report"]
    unit = corpus.units[corpus.units["report_id"] == "2021/report"].iloc[0]
    assert corpus.quote("2021/report", unit["start"], unit["end"]) == unit["text"]


def test_same_name_in_two_folders_given_separately(tmp_path):
    a, b = write(tmp_path, "a/report.txt", TEXTS[0]), write(tmp_path, "b/report.txt", TEXTS[1])
    corpus = load_corpus([a, b])
    assert list(corpus.reports["report_id"]) == ["a/report", "b/report"]
    for report_id in corpus.reports["report_id"]:
        unit = corpus.units[corpus.units["report_id"] == report_id].iloc[-1]
        assert corpus.quote(report_id, unit["start"], unit["end"]) == unit["text"]


def test_upper_case_suffix_spaces_and_emoji_in_names(tmp_path):
    for name in ("REPORT.TXT", "my report.Txt", "报告 📄.txt"):
        write(tmp_path, name, SEED_TEXT)
    assert sorted(load_corpus(tmp_path).reports["report_id"]) == sorted(["REPORT", "my report", "报告 📄"])


def test_symlink_leaving_the_folder_is_not_followed(tmp_path):
    corpus_dir = tmp_path / "corpus"
    write(corpus_dir, "good.txt", SEED_TEXT)
    outside = write(tmp_path, "elsewhere.txt", SEED_TEXT)
    (corpus_dir / "link.txt").symlink_to(outside)
    (corpus_dir / "zero.txt").symlink_to("/dev/zero")
    with pytest.raises(ReportError) as caught:
        load_corpus(corpus_dir)
    assert caught.value.reason == f"symlink to {outside}, outside the corpus folder: not followed"
    corpus = load_corpus(corpus_dir, skip_bad=True)
    assert list(corpus.reports["report_id"]) == ["good"]
    assert [str(e) for e in corpus.errors] == [
        f"{corpus_dir / 'link.txt'}: symlink to {outside}, outside the corpus folder: not followed",
        f"{corpus_dir / 'zero.txt'}: symlink to /dev/zero, outside the corpus folder: not followed"]


def test_symlink_inside_the_folder_is_followed(tmp_path):
    write(tmp_path, "real/r.txt", SEED_TEXT)
    (tmp_path / "alias.txt").symlink_to(tmp_path / "real" / "r.txt")
    assert sorted(load_corpus(tmp_path).reports["report_id"]) == ["alias", "r"]


def test_symlink_loop(tmp_path):
    write(tmp_path, "good.txt", SEED_TEXT)
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to(tmp_path)
    corpus = load_corpus(tmp_path, skip_bad=True)
    assert list(corpus.reports["report_id"]) == ["good"]
    reasons = sorted(e.reason for e in corpus.errors)
    assert reasons[0] == f"a second path to the folder {tmp_path.resolve()} (a symlink loop?): not read twice"
    assert [r.split(":")[0] for r in reasons[1:]] == ["broken symlink or symlink loop"] * 2


def test_fifo_never_hangs(tmp_path):
    fifo = tmp_path / "x.txt"
    os.mkfifo(fifo)
    started = time.monotonic()
    error = error_of(fifo)
    assert error.reason == "a FIFO (named pipe), not a regular file: not read"
    assert time.monotonic() - started < 5


def test_device_given_by_name(tmp_path):
    error = error_of(Path("/dev/zero"))
    assert error.reason == "a character device, not a regular file: not read"


def test_permission_error(tmp_path, monkeypatch):
    path = write(tmp_path, "secret.txt", SEED_TEXT)
    real_open = os.open

    def denied(file, flags, *args, **kwargs):
        if Path(file) == path:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)  # as root a chmod 000 file is still readable
    assert error_of(path).reason == "cannot read: Permission denied"


# --------------------------------------------------------------------------- isolation

def _fail_on(report_id: str, monkeypatch):
    real = dataset.section_table

    def failing(rid, text, year=None):
        if rid == report_id:
            raise IndexError("list index out of range")
        return real(rid, text, year)

    monkeypatch.setattr(dataset, "section_table", failing)


def test_a_segmenter_failure_takes_only_its_report_down(tmp_path, monkeypatch):
    for name, text in zip("abc", TEXTS):
        write(tmp_path, f"{name}.txt", text)
    _fail_on("b", monkeypatch)
    with pytest.raises(ReportError) as caught:
        load_corpus(tmp_path)
    assert str(caught.value) == f"{tmp_path / 'b.txt'}: internal error while reading: IndexError: list index out of range"
    corpus = load_corpus(tmp_path, skip_bad=True)
    assert list(corpus.reports["report_id"]) == ["a", "c"]
    assert set(corpus.units["report_id"]) == {"a", "c"}
    assert [e.path.name for e in corpus.errors] == ["b.txt"]


def test_a_reading_failure_takes_only_its_report_down(tmp_path, monkeypatch):
    from toolkit import corpus as corpus_module
    for name in ("a", "b"):
        write(tmp_path, f"{name}.txt", SEED_TEXT)
    real = corpus_module.extract_metadata
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise KeyError("boom")
        return real(*args, **kwargs)

    monkeypatch.setattr(corpus_module, "extract_metadata", failing)
    reports, errors = read_reports(tmp_path, skip_bad=True)
    assert [r.report_id for r in reports] == ["b"]
    assert [e.reason for e in errors] == ["internal error while reading: KeyError: 'boom'"]


def test_cli_names_the_file_in_one_line(tmp_path):
    write(tmp_path, "a.txt", SEED_TEXT)
    write(tmp_path, "b.txt", b"")
    line = one_error_line(cli("sections", str(tmp_path), "--jsonl"))
    assert line == f"error: {tmp_path / 'b.txt'}: empty file"


def test_cli_skip_bad_lists_each_and_goes_on(tmp_path):
    write(tmp_path, "a.txt", SEED_TEXT)
    write(tmp_path, "b.txt", b"")
    write(tmp_path, "c.txt", b"%PDF-1.4")
    out = cli("reports", str(tmp_path), "--jsonl", "--skip-bad")
    assert out.returncode == 0
    assert out.stderr.splitlines() == [f"skipped {tmp_path / 'b.txt'}: empty file",
                                       f"skipped {tmp_path / 'c.txt'}: a PDF document, not text: name it .pdf to read it"]
    assert len(out.stdout.splitlines()) == 1


def test_cli_nothing_readable_is_an_error(tmp_path):
    write(tmp_path, "b.txt", b"")
    out = cli("reports", str(tmp_path), "--jsonl", "--skip-bad")
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr.splitlines() == [f"skipped {tmp_path / 'b.txt'}: empty file",
                                       f"error: {tmp_path}: no report could be read (1 skipped, listed above)"]


def test_cli_empty_folder(tmp_path):
    line = one_error_line(cli("sections", str(tmp_path)))
    assert line.startswith(f"error: {tmp_path}: no report file in this folder or its subfolders: it holds no files")


def test_cli_fifo(tmp_path):
    os.mkfifo(tmp_path / "x.txt")
    line = one_error_line(cli("tokens", str(tmp_path / "x.txt"), timeout=60))
    assert line == f"error: {tmp_path / 'x.txt'}: a FIFO (named pipe), not a regular file: not read"


def test_cli_max_mb(tmp_path):
    write(tmp_path, "r.txt", SEED_TEXT)
    line = one_error_line(cli("reports", str(tmp_path), "--max-mb", "0.001"))
    assert line == f"error: {tmp_path / 'r.txt'}: 10,472 bytes, over the 1,000 bytes limit for one report (max_bytes)"


def test_cli_debug_shows_the_traceback(tmp_path):
    write(tmp_path, "b.txt", b"")
    out = cli("reports", str(tmp_path), "--debug")
    assert out.returncode == 1
    assert "Traceback" in out.stderr and out.stderr.strip().endswith(f"error: {tmp_path / 'b.txt'}: empty file")


def test_an_archive_larger_than_one_report_is_read_report_by_report(tmp_path):
    """max_bytes bounds one report; an archive or a table of many is bounded by max_unpacked."""
    import zipfile

    archive = tmp_path / "reports.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as z:
        for i, text in enumerate(TEXTS[:2]):
            z.writestr(f"r{i}.txt", text[:300])
    limit = max(len(t[:300].encode("utf-8")) for t in TEXTS[:2]) + 10
    assert archive.stat().st_size > limit
    reports, errors = read_reports(archive, max_bytes=limit)
    assert [r.report_id for r in reports] == ["r0", "r1"] and not errors
    with pytest.raises(ReportError, match=r"over the .* limit for one report \(max_bytes\)"):
        read_reports(write(tmp_path, "big.txt", TEXTS[0]), max_bytes=limit)


# --------------------------------------------------------------------------- left out on purpose, and said (issue 25)
def test_an_export_folder_inside_the_corpus_is_not_read_and_said(tmp_path):
    """Exported into the corpus folder, an export's tables were read as reports next time (6 became 1,810)."""
    import pandas as pd

    from toolkit.exported import EXPORT_MARKER

    corpus = tmp_path / "corpus"
    for i, text in enumerate(TEXTS):
        write(corpus, f"r{i}.txt", text)
    out = corpus / "export"
    out.mkdir()
    pd.DataFrame({"text": [t[::-1] for t in TEXTS]}).to_csv(out / "reports.csv", index=False)
    assert len(load_corpus(corpus).reports) == 6  # unmarked, the table's rows are reports
    for mark, content in ((EXPORT_MARKER, "{}"), ("MANIFEST.json", '{"toolkit": {"name": "gov-report-toolkit"}}')):
        for name in (EXPORT_MARKER, "MANIFEST.json"):
            (out / name).unlink(missing_ok=True)
        write(out, mark, content)
        loaded = load_corpus(corpus)
        assert sorted(loaded.reports["report_id"]) == ["r0", "r1", "r2"]
        note = f"{out}: an export of this toolkit (it holds {mark}): not read as reports"
        assert loaded.notes == [note]
        done = cli("reports", str(corpus), "--jsonl")
        assert done.returncode == 0 and len(done.stdout.splitlines()) == 3
        assert done.stderr.splitlines() == [f"note: {note}"]
        line = one_error_line(cli("reports", str(out)))
        assert line == (f"error: {out}: an export of this toolkit (it holds {mark}): its tables are not read as "
                        "reports; give one of its tables itself to read it")
    assert len(load_corpus(out / "reports.csv").reports) == 3  # a table given itself is read


def test_duplicates_left_out_are_said_in_one_line(tmp_path):
    """sections, units and every verb left duplicates out and said nothing (8 of 399 files vanished)."""
    for i, text in enumerate(TEXTS):
        write(tmp_path, f"r{i}.txt", text)
    write(tmp_path, "r0-copy.txt", TEXTS[0])
    write(tmp_path, "r1-again.txt", TEXTS[1] + "\n")
    line = "note: left out 2 duplicates (listed with `reports --jsonl`; `--keep-duplicates` keeps them)"
    for verb in ("sections", "units", "targets"):
        done = cli(verb, str(tmp_path), "--jsonl")
        assert done.returncode == 0 and done.stderr.splitlines() == [line], (verb, done.stderr)
        kept = cli(verb, str(tmp_path), "--jsonl", "--keep-duplicates")
        assert kept.returncode == 0 and kept.stderr == "", (verb, kept.stderr)
    done = cli("reports", str(tmp_path), "--jsonl")  # reports lists every one, duplicates flagged: nothing left out
    assert done.returncode == 0 and done.stderr == "" and len(done.stdout.splitlines()) == 5
    assert load_corpus(tmp_path).notes == ["left out 2 duplicates of earlier reports from sections and units "
                                           "(listed in reports.duplicate_of; keep_duplicates=True keeps them)"]
    assert load_corpus(tmp_path, keep_duplicates=True).notes == []
    write(tmp_path, "r2-copy.txt", TEXTS[2])
    assert cli("units", str(tmp_path), "--jsonl").stderr.splitlines() == [line.replace("2 duplicates", "3 duplicates")]


# =========================================================================== hardening, round two (issue 25)
# Builders shared with the readers' tests (a Word file, a PDF with a text layer, a zip).
from test_readers import LONG, make_docx, make_pdf  # noqa: E402

INTRO = "现在，我代表市人民政府，向大会报告工作，请予审议，并请市政协委员提出意见。"  # 32 Chinese characters
ENGLISH = "Annual report of the city government on the work of the year, with the plans for the next one.\n" * 3
GREEK = "Ετήσια έκθεση της δημοτικής αρχής για το έργο της χρονιάς και τα σχέδια για την επόμενη.\n" * 3
RUSSIAN = "Годовой отчёт городского правительства о работе за год и о планах на следующий год.\n" * 3
SHORT = "二〇二四年工作报告（摘要），2024 Annual Report (summary)"  # 10 Chinese characters: too few to tell


def bounded(function, *args, seconds: float = 5, megabytes: float = 500):
    """``function(*args)`` (or the ReportError it raises), checked to take under ``seconds`` and to
    allocate under ``megabytes`` at its peak (tracemalloc: every Python buffer, the inflated data too)."""
    import tracemalloc

    tracemalloc.start()
    started = time.monotonic()
    try:
        result = function(*args)
    except ReportError as error:
        result = error
    finally:
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    assert elapsed < seconds and peak < megabytes, (elapsed, peak)
    return result


def one_line(error) -> str:
    assert isinstance(error, ReportError), error
    text = str(error)
    assert "\n" not in text and "internal error" not in text and "Traceback" not in text
    return error.reason


# --------------------------------------------------------------------------- decompression bombs

def _deflated(pieces) -> tuple[bytes, int, int]:
    """The raw deflate stream, CRC-32 and size of the concatenation of ``pieces`` (bytes, or ``(bytes,
    times)`` for a chunk repeated), built without holding the whole: after a full flush deflate's state
    is reset, so a chunk repeated compresses to the same bytes repeated."""
    import zlib

    compressor, out, crc, size = zlib.compressobj(9, zlib.DEFLATED, -15), [], 0, 0
    for piece in pieces:
        chunk, times = piece if isinstance(piece, tuple) else (piece, 1)
        out.append((compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)) * times)
        for _ in range(times):
            crc = zlib.crc32(chunk, crc)
        size += len(chunk) * times
    out.append(compressor.flush())
    return b"".join(out), crc, size


def bomb_zip(members: dict[str, list], stated: dict[str, int] | None = None, links: tuple[str, ...] = ()) -> bytes:
    """A zip written by hand from deflated members (see :func:`_deflated`), small on disk however large
    they unpack; ``stated`` makes a member state another unpacked size than its own (in both headers),
    ``links`` makes members symbolic links (their data the link's target)."""
    import struct
    import zlib

    local, central = bytearray(), bytearray()
    for name, pieces in members.items():
        data, crc, size = _deflated(pieces) if name not in links else (b"", 0, 0)
        method = zlib.DEFLATED
        if name in links:
            data, crc, size, method = pieces[0], zlib.crc32(pieces[0]), len(pieces[0]), 0
        size = (stated or {}).get(name, size)
        raw = name.encode("utf-8")
        attributes = ((0o120777 if name in links else 0o100644) << 16)
        offset = len(local)
        local += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0x800, method, 0, 0x21, crc, len(data), size,
                             len(raw), 0) + raw + data
        central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", (3 << 8) | 20, 20, 0x800, method, 0, 0x21,
                               crc, len(data), size, len(raw), 0, 0, 0, 0, attributes, offset) + raw
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), len(local), 0)
    return bytes(local + central + end)


def _package_with(data: bytes, part: str, pieces: list, stated: int | None = None) -> bytes:
    """A copy of a Word or Excel file whose ``part`` is replaced by the concatenation of ``pieces``."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        members = {info.filename: [package.read(info)] for info in package.infolist()}
    members[part] = pieces
    return bomb_zip(members, stated={part: stated} if stated is not None else None)


def _docx_bomb(megabytes: int, stated: int | None = None) -> bytes:
    xml = zipfile.ZipFile(io.BytesIO(make_docx())).read("word/document.xml")
    head, tail = xml.split(b"</w:body>")
    return _package_with(make_docx(), "word/document.xml", [head, (b" " * (1 << 20), megabytes), b"</w:body>" + tail],
                         stated)


def test_a_word_file_that_unpacks_to_400_mb_is_refused_before_unpacking(tmp_path):
    path = write(tmp_path, "bomb.docx", _docx_bomb(400))
    assert path.stat().st_size < 1_000_000
    reason = one_line(bounded(read_report, path))
    assert reason == "would unpack to 420.3 MB, over the 50.0 MB limit (max_bytes): not read (a zip bomb?)"


def test_max_mb_bounds_what_a_word_file_unpacks_to_not_only_its_size(tmp_path):
    path = write(tmp_path, "r.docx", make_docx())
    unpacked = sum(i.file_size for i in zipfile.ZipFile(path).infolist())
    assert path.stat().st_size < 40_000 < unpacked
    error = bounded(lambda: read_report(path, max_bytes=40_000))
    assert one_line(error) == f"would unpack to {unpacked / 1e6:.1f} MB, over the 40,000 bytes limit (max_bytes): not " \
                              f"read (a zip bomb?)"
    line = one_error_line(cli("reports", str(path), "--max-mb", "0.04"))
    assert line == f"error: {path}: {error.reason}"


def test_a_word_file_whose_part_lies_about_its_size_stops_at_the_size_it_states(tmp_path):
    """document.xml states 1,000 bytes and inflates to 100 MB: unpacked in bounded chunks, it stops at
    1,000 bytes (its CRC then fails), never handing python-docx the 100 MB."""
    path = write(tmp_path, "liar.docx", _docx_bomb(100, stated=1000))
    reason = one_line(bounded(read_report, path))
    assert reason == ("not a readable Word file: its part word/document.xml is damaged, or unpacks to more than the "
                      "1,000 bytes it states (a bad CRC-32)")


def test_an_excel_file_whose_sheet_unpacks_1000_times_its_size_is_refused(tmp_path):
    import pandas as pd

    table = tmp_path / "t.xlsx"
    pd.DataFrame({"text": LONG[:2]}).to_excel(table, index=False)
    path = write(tmp_path, "bomb.xlsx", _package_with(table.read_bytes(), "xl/worksheets/sheet1.xml",
                                                      [(b" " * (1 << 20), 300)]))
    reason = one_line(bounded(read_file, path))
    assert re.fullmatch(r"its part xl/worksheets/sheet1\.xml would unpack to 314\.6 MB, [\d,]+ times its packed size "
                        r"\(at most 100 times, max_ratio\): not read \(a zip bomb\?\)", reason), reason


def test_a_zip_of_12_members_of_45_mb_each_is_refused_in_one_line(tmp_path):
    members = {f"{i:02d}.txt": [SEED_TEXT.encode("utf-8"), (b" " * (1 << 20), 45)] for i in range(12)}
    path = write(tmp_path, "bomb.zip", bomb_zip(members))
    assert path.stat().st_size < 1_000_000
    reason = one_line(bounded(read_file, path))
    assert re.fullmatch(r"its member 00\.txt would unpack to 47\.2 MB, [\d,]+ times its packed size \(at most 100 "
                        r"times, max_ratio\): not read \(a zip bomb\?\)", reason), reason
    assert one_error_line(cli("reports", str(path))) == f"error: {path}: {reason}"
    out = cli("reports", str(path), "--skip-bad")
    assert out.stderr.splitlines() == [f"skipped {path}: {reason}",
                                       f"error: {path}: no report could be read (1 skipped, listed above)"]


def test_a_zip_member_that_is_a_symbolic_link_is_refused_member_by_member(tmp_path):
    path = write(tmp_path, "links.zip", bomb_zip({"etc.txt": [b"../../../../etc/passwd"], "r.txt": [SEED_TEXT.encode()]},
                                               links=("etc.txt",)))
    first, second = read_file(path)
    assert str(first) == f"{path}!etc.txt: a symbolic link, not a file: not read"
    assert second.text == SEED_TEXT
    reports, errors = read_reports(path, skip_bad=True)
    assert [r.report_id for r in reports] == ["r"] and [e.reason for e in errors] == ["a symbolic link, not a file: not read"]


# --------------------------------------------------------------------------- huge and sparse files

SPARSE = 1_900_000_000  # under the 2 GB limit of a table or an archive: nothing but its bytes can refuse it


@pytest.mark.parametrize(("name", "reason"), [
    ("t.tsv", "NUL byte at offset 0: not text"),
    ("t.csv", "NUL byte at offset 0: not text"),
    ("t.jsonl", "NUL byte at offset 0: not text"),
    ("t.zip", "not a readable zip archive: File is not a zip file"),
    ("t.xlsx", "not a readable Excel file: not a zip package (File is not a zip file)"),
    ("t.parquet", "not a readable Parquet file: not a Parquet file (Parquet magic bytes not found in footer. Either the "
                  "file is corrupted or this is not a parquet file.)"),
])
def test_a_sparse_2_gb_table_or_archive_is_refused_from_its_bytes_not_read_whole(tmp_path, name, reason):
    path = tmp_path / name
    with open(path, "wb") as handle:  # sparse: nothing is written, and it must not be read
        handle.truncate(SPARSE)
    assert one_line(bounded(read_file, path, ReadOptions(max_bytes=None), megabytes=100)) == reason
    over = tmp_path / f"over{path.suffix}"
    with open(over, "wb") as handle:
        handle.truncate(2_100_000_000)
    assert one_line(bounded(read_file, over, megabytes=100)) == ("2.1 GB, over the 2.0 GB limit for a table or an "
                                                                 "archive (max_unpacked)")


def test_a_table_with_a_sparse_tail_is_refused_where_its_bytes_stop_being_text(tmp_path):
    path = write(tmp_path, "t.tsv", f"year\ttext\n2021\t{LONG[0]}\n")
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        handle.truncate(SPARSE)
    assert one_line(bounded(read_file, path, ReadOptions(max_bytes=None), megabytes=100)) == \
        f"NUL byte at offset {size}: not text"


def test_a_large_text_table_is_read_in_chunks_with_the_same_rows(tmp_path, monkeypatch):
    """Over ``WHOLE_TEXT`` (8 MB; 200 KB here) a text table is decoded and parsed a chunk at a time, in
    the encoding of its start: the same rows as when read whole; a NUL byte past the start found where
    it is."""
    from toolkit.readers import table

    rows = [f"{2000 + i % 20}\t{LONG[i % len(LONG)]}{i}\n" for i in range(800)]
    path = write(tmp_path, "big.tsv", "year\ttext\n" + "".join(rows))
    whole = read_file(path)
    monkeypatch.setattr(table, "WHOLE_TEXT", 200_000)
    assert path.stat().st_size > 2 * table.WHOLE_TEXT
    chunked = read_file(path)
    assert [(raw.source, raw.text, raw.fields) for raw in chunked] == [(raw.source, raw.text, raw.fields) for raw in whole]
    assert [raw.text for raw in chunked] == [row.split("\t", 1)[1].rstrip("\n") for row in rows]
    jsonl = write(tmp_path, "big.jsonl", "".join(json.dumps({"year": 2000 + i, "text": LONG[i % len(LONG)]},
                                                            ensure_ascii=False) + "\n" for i in range(300)))
    assert [raw.text for raw in read_file(jsonl)] == [LONG[i % len(LONG)] for i in range(300)]
    with open(path, "r+b") as handle:  # a NUL byte past the start: found while reading, named by its offset
        handle.seek(450_000)
        handle.write(b"\x00")
    assert one_line(bounded(read_file, path)) == "NUL byte at offset 450000: not text"


def test_a_large_text_table_is_read_in_the_encoding_of_its_start(tmp_path, monkeypatch):
    from toolkit.readers import table

    monkeypatch.setattr(table, "WHOLE_TEXT", 200_000)
    body = "".join(f"{2000 + i % 20}\t{LONG[i % len(LONG)]}\n" for i in range(900))
    data = ("year\ttext\n" + body).encode("gb18030") + "2020\t这一行是UTF-8，与前面的GB18030不同。\n".encode("utf-8")
    path = write(tmp_path, "big.tsv", data)
    assert len(data) > 2 * table.WHOLE_TEXT
    reason = one_line(bounded(read_file, path))
    assert re.fullmatch(r"not GB18030 throughout \(as its first 0\.2 MB are\): bytes near offset [\d,]+ do not "
                        r"decode \(a damaged file, or one that mixes encodings\)", reason), reason


# --------------------------------------------------------------------------- Word text that was dropped

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
TEXT_BOX = (
    '<w:r {W} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" xmlns:v="urn:schemas-microsoft-com:vml">'
    '<mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic><a:graphicData '
    'uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp><wps:txbx><w:txbxContent>'
    '<w:p><w:r><w:t>文本框里的第一行</w:t></w:r></w:p><w:p><w:r><w:t>文本框里的第二行</w:t></w:r></w:p>'
    '</w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>'
    '<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent><w:p><w:r><w:t>文本框里的第一行</w:t></w:r></w:p>'
    '<w:p><w:r><w:t>文本框里的第二行</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback>'
    '</mc:AlternateContent></w:r>').replace("{W}", W)


def _docx_with(*runs: str, before: tuple[str, ...] = (INTRO,)) -> bytes:
    """A Word file: paragraphs ``before``, then one paragraph of the given run-level XML elements (each
    given its namespace), then a last one."""
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    for text in before:
        document.add_paragraph(text)
    paragraph = document.add_paragraph()
    for run in runs:
        paragraph._p.append(parse_xml(run if "xmlns:w=" in run.split(">", 1)[0] else run.replace(">", f" {W}>", 1)))
    document.add_paragraph("请予审议。")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _run(text: str) -> str:
    return f"<w:r><w:t>{text}</w:t></w:r>"


@pytest.mark.parametrize(("element", "line"), [
    (f'<w:ins w:id="1" w:author="审核人" w:date="2024-01-01T00:00:00Z">{_run("修订时插入的文字")}</w:ins>',
     "前文修订时插入的文字后文"),
    (f'<w:smartTag w:uri="urn:schemas-microsoft-com:office:smarttags" w:element="place">{_run("宜宾市")}</w:smartTag>',
     "前文宜宾市后文"),
    (f'<w:fldSimple w:instr=" DATE \\@ &quot;yyyy年M月d日&quot; ">{_run("2024年1月20日")}</w:fldSimple>',
     "前文2024年1月20日后文"),
    (f'<w:sdt><w:sdtPr><w:alias w:val="单位"/></w:sdtPr><w:sdtContent>{_run("内容控件里的文字")}</w:sdtContent></w:sdt>',
     "前文内容控件里的文字后文"),
    (f'<w:customXml w:element="unit">{_run("自定义标记里的文字")}</w:customXml>', "前文自定义标记里的文字后文"),
    (f'<w:moveTo w:id="2" w:author="审核人">{_run("移动到这里的文字")}</w:moveTo>', "前文移动到这里的文字后文"),
    (f'<w:del w:id="3" w:author="审核人"><w:r><w:delText>删除的文字</w:delText></w:r></w:del>', "前文后文"),
    (f'<w:moveFrom w:id="4" w:author="审核人">{_run("移走的文字")}</w:moveFrom>', "前文后文"),
    ('<w:hyperlink r:id="rId99" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
     f'{_run("链接文字")}</w:hyperlink>', "前文链接文字后文"),
])
def test_every_run_of_visible_word_text_reaches_the_report(tmp_path, element, line):
    [raw] = read_file(write(tmp_path, "r.docx", _docx_with(_run("前文"), element, _run("后文"))))
    assert raw.text.split("\n") == [INTRO, line, "请予审议。"]


def test_a_word_text_box_is_read_once_not_from_both_branches(tmp_path):
    [raw] = read_file(write(tmp_path, "r.docx", _docx_with(_run("正文段落："), TEXT_BOX)))
    assert raw.text.split("\n") == [INTRO, "正文段落：", "文本框里的第一行", "文本框里的第二行", "请予审议。"]


# --------------------------------------------------------------------------- one text check for every format

def _every_format(tmp_path: Path, text: str) -> list[Path]:
    """The same text as a .txt, .docx, .pdf, .html, and a row of a .csv, .xlsx, .parquet and .jsonl."""
    import docx
    import pandas as pd

    lines = [line for line in text.split("\n") if line.strip()]
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    html = "<html><head><meta charset='utf-8'></head><body>" + "".join(f"<p>{line}</p>" for line in lines) + \
           "</body></html>"
    frame = pd.DataFrame({"year": [2024], "text": [text]})
    frame.to_excel(tmp_path / "t.xlsx", index=False)
    frame.to_parquet(tmp_path / "t.parquet", index=False)
    return [write(tmp_path, "r.txt", text), write(tmp_path, "r.docx", buffer.getvalue()),
            write(tmp_path, "r.pdf", make_pdf([[(40, 800 - 20 * i, line[:60]) for i, line in enumerate(lines)]])),
            write(tmp_path, "r.html", html), write(tmp_path, "t.csv", frame.to_csv(index=False)),
            tmp_path / "t.xlsx", tmp_path / "t.parquet",
            write(tmp_path, "t.jsonl", frame.to_json(orient="records", lines=True, force_ascii=False))]


@pytest.mark.parametrize(("text", "reason"), [
    (ENGLISH, "no Chinese characters: too short to tell its encoding, or not Chinese"),
    (GREEK, "no Chinese characters: too short to tell its encoding, or not Chinese"),
    (RUSSIAN, "no Chinese characters: too short to tell its encoding, or not Chinese"),
    (SHORT, "only 10 Chinese characters: too short to tell its encoding, or not Chinese"),
    (RUSSIAN + INTRO, r"not Chinese: \d+ letters of other scripts against 32 Chinese characters"),
])
def test_every_format_refuses_a_text_that_is_not_chinese_the_same_way(tmp_path, text, reason):
    """One rule for .txt, .docx, .pdf, .html and a table's rows: reports here are Chinese."""
    for path in _every_format(tmp_path, text):
        try:
            [item] = read_file(path)
        except ReportError as error:  # a .txt is one report: its error is the file's
            item = error
        assert isinstance(item, UndecodableReportError), (path.name, item)
        assert re.fullmatch(reason, one_line(item)), (path.name, item.reason)


def test_every_format_reads_a_chinese_report(tmp_path):
    for path in _every_format(tmp_path, "\n".join(LONG[:3])):
        [raw] = read_file(path)
        assert LONG[0][:30] in raw.text, path.name


@pytest.mark.parametrize(("line", "shown"), [
    ("2023年完成ϮϬϮϯ项目ϭϮ个", "ϮϬϮϯ"), ("本市ੴ位代 ：北京ᐲ人民ᔕᗨᘏ", "ੴ"), ("\ue000\ue001\ue002\ue003政府工作", "\ue000")])
def test_a_pdf_page_with_a_garbled_text_layer_is_left_out_and_noted(tmp_path, line, shown):
    good = [[(40, 800 - 20 * i, paragraph[:40]) for i, paragraph in enumerate(LONG[3 * p:3 * p + 3])] for p in range(3)]
    garbled = [(40, 800 - 20 * i, line * 3) for i in range(3)]
    path = write(tmp_path, "r.pdf", make_pdf([good[0], garbled, good[1], good[2]]))
    [raw] = read_file(path)
    assert shown not in raw.text and LONG[3][:40] in raw.text
    assert raw.notes[0].startswith("page 2 of 4: the text layer is garbled (“")
    assert raw.notes[0].endswith(": a broken font map), left out; OCR would read it")
    mostly = write(tmp_path, "bad.pdf", make_pdf([garbled, garbled, good[0]]))
    reason = one_line(bounded(read_file, mostly))
    assert reason.startswith("the text layer of 2 of 3 pages is garbled (“") and reason.endswith(
        ": broken font maps): the PDF needs OCR")


def test_a_garbled_line_in_a_word_file_is_noted_not_hidden(tmp_path):
    garbled = "二、存在的問題".encode("big5").decode("gb18030") + "部門之間數據共享不夠".encode("big5").decode("gb18030")
    [raw] = read_file(write(tmp_path, "r.docx", _docx_with(_run(garbled), before=(INTRO, *LONG[:2]))))
    assert raw.notes == (f"line 4 reads as garbled text (“{garbled[:12]}…”): kept as the file has it",)


# --------------------------------------------------------------------------- garbled text accepted in silence

def test_a_gb18030_file_with_one_big5_line_is_read_line_by_line(tmp_path):
    lines = SEED_TEXT.split("\n")
    data = "\n".join(lines[:5]).encode("gb18030") + b"\n" + TRADITIONAL.split("\n")[1].encode("big5") + b"\n" + \
        "\n".join(lines[5:]).encode("gb18030")
    report = read_report(write(tmp_path, "one-big5.txt", data))
    assert report.encoding == "gb18030+big5"
    assert report.notes == ("line 6 in BIG5, the rest in GB18030: each line read in its own encoding",)
    assert TRADITIONAL.split("\n")[1] in report.text


def test_a_line_no_encoding_reads_is_refused_by_its_number(tmp_path):
    lines = SEED_TEXT.split("\n")
    bad = "部門之間數據共享不夠，系統互不聯通。".encode("big5")[:-1] + "部门数据共享".encode("utf-8")
    data = "\n".join(lines[:5]).encode("gb18030") + b"\n" + bad + b"\n" + "\n".join(lines[5:]).encode("gb18030")
    error = error_of(write(tmp_path, "damaged.txt", data))
    assert type(error) is UndecodableReportError
    assert error.reason == "line 6: neither UTF-8, GB18030 nor Big5 (a damaged file, or one that mixes encodings)"
    garbled = "部門之間數據共享不夠，系統互不聯通。".encode("big5").decode("gb18030").encode("utf-8")  # garbled in UTF-8
    data = "\n".join(lines[:5]).encode("utf-8") + b"\n" + garbled + b"\n" + "\n".join(lines[5:]).encode("utf-8")
    error = error_of(write(tmp_path, "mojibake.txt", data))
    assert error.reason.startswith("line 6 reads as garbled text in every encoding tried (“")
    assert error.reason.endswith("”, tried UTF-8, GB18030, BIG5): a damaged file, or one that mixes encodings")


@pytest.mark.parametrize(("text", "codec"), [
    ("Rapport annuel: Zürich Müller, Genève 2024", "latin-1"),
    ("Jahresbericht der Stadtverwaltung Köln für 2024: Überblick", "latin-1"),
    ("דוח שנתי של עיריית תל אביב לשנת 2024", "iso-8859-8"),
    ("Годовой отчёт мэрии за 2024 год", "koi8-r"),
    ("年度報告書 2024年 東京都", "shift_jis"),
])
def test_short_texts_in_other_encodings_are_too_short_to_tell(tmp_path, text, codec):
    error = error_of(write(tmp_path, "short.txt", text.encode(codec)))
    assert type(error) is UndecodableReportError
    assert error.reason.endswith(": too short to tell its encoding, or not Chinese"), error.reason


@pytest.mark.parametrize(("codec", "recorded"), [("utf-16-le", "utf-16-le"), ("utf-16-be", "utf-16-be"),
                                                  ("utf-32-le", "utf-32-le"), ("utf-32-be", "utf-32-be")])
def test_utf16_and_utf32_without_a_bom_are_read_when_certain(tmp_path, codec, recorded):
    report = read_report(write(tmp_path, "wide.txt", SEED_TEXT.encode(codec)))
    assert report.encoding == recorded and report.text == read_report(SEED).text
    name = recorded.upper()
    assert report.notes == (f"{name} without a byte-order mark: read as {name}, as its NUL bytes and its text show",)


def test_utf16_without_a_bom_that_is_not_chinese_says_what_it_probably_is(tmp_path):
    error = error_of(write(tmp_path, "english16.txt", ENGLISH.encode("utf-16-le")))
    assert type(error) is BinaryReportError
    assert error.reason == ("NUL byte at offset 1: probably UTF-16-LE text without a byte-order mark (its NUL bytes sit "
                            "where UTF-16-LE puts them), but read so it is not a report: no Chinese characters: too "
                            "short to tell its encoding, or not Chinese")


# --------------------------------------------------------------------------- one bad row, and "internal error"

def _jsonl_with(bad_line: str) -> str:
    rows = [json.dumps({"year": 2022 - i, "text": LONG[i]}, ensure_ascii=False) for i in range(3)]
    return "\n".join([rows[0], "", bad_line, rows[1], rows[2]]) + "\n"


@pytest.mark.parametrize(("bad_line", "reason"), [
    ('{"year": 2021, "text": ' + "[" * 100_000 + "]" * 100_000 + "}",
     "line 3: not a JSON object Python can read: nested too deeply (more than about 1,000 levels)"),
    ('{"year": ' + "9" * 5000 + ', "text": "x"}',
     "line 3: not a JSON object Python can read: a number too long (5,000 digits; at most 4,300 are read)"),
])
def test_one_bad_jsonl_row_loses_only_itself(tmp_path, bad_line, reason):
    path = write(tmp_path, "t.jsonl", _jsonl_with(bad_line))
    reports, errors = read_reports(path, skip_bad=True)
    assert [r.report_id for r in reports] == ["t#1", "t#3", "t#4"]
    assert [str(e) for e in errors] == [f"{path}#row 2: {reason}"]
    with pytest.raises(ReportError) as caught:
        read_reports(path)
    assert str(caught.value) == f"{path}#row 2: {reason}"
    out = cli("reports", str(path), "--jsonl", "--skip-bad")
    assert out.returncode == 0 and out.stderr.splitlines() == [f"skipped {path}#row 2: {reason}"]
    assert len(out.stdout.splitlines()) == 3
    assert one_error_line(cli("reports", str(path))) == f"error: {path}#row 2: {reason}"


def test_a_parquet_file_with_flipped_bytes_is_a_damaged_parquet_file(tmp_path):
    import random

    import pandas as pd

    pd.DataFrame({"year": [2022, 2021], "text": LONG[:2]}).to_parquet(tmp_path / "t.parquet", index=False)
    data = (tmp_path / "t.parquet").read_bytes()
    seen = set()
    for seed in range(40):
        flipped = bytearray(data)
        rng = random.Random(seed)
        for _ in range(3):
            flipped[rng.randrange(4, len(data) - 8)] ^= 0xFF
        path = write(tmp_path, f"flip{seed}.parquet", bytes(flipped))
        try:
            items = read_file(path)
        except ReportError as error:
            seen.add(one_line(error).split(" (")[0])
            continue
        for item in items:
            if isinstance(item, ReportError):
                one_line(item)
    assert seen <= {"not a readable Parquet file: a damaged Parquet file", "not a readable Parquet file: not a Parquet file"}
    assert "not a readable Parquet file: a damaged Parquet file" in seen
    out = cli("reports", str(tmp_path), "--skip-bad")
    assert "internal error" not in out.stderr and "Traceback" not in out.stderr


def test_a_file_name_that_is_not_utf8_is_shown_escaped(tmp_path):
    folder = os.fsencode(tmp_path)
    with open(os.path.join(folder, b"r\xff.txt"), "wb") as handle:
        handle.write(SEED_TEXT.encode("utf-8"))
    with open(os.path.join(folder, b"bad\xfe.txt"), "wb") as handle:
        handle.write(b"")
    corpus = load_corpus(tmp_path, skip_bad=True)
    assert list(corpus.reports["report_id"]) == ["r\\xff"]
    assert [str(e) for e in corpus.errors] == [f"{tmp_path}/bad\\xfe.txt: empty file"]
    out = cli("reports", str(tmp_path), "--jsonl", "--skip-bad")
    assert out.returncode == 0, out.stderr
    assert out.stderr.splitlines() == [f"skipped {tmp_path}/bad\\xfe.txt: empty file"]
    assert json.loads(out.stdout)["report"] == "r\\xff" and json.loads(out.stdout)["path"] == f"{tmp_path}/r\\xff.txt"
    assert one_error_line(cli("sections", str(tmp_path))) == f"error: {tmp_path}/bad\\xfe.txt: empty file"


def test_a_lone_surrogate_in_a_jsonl_text_is_a_row_error(tmp_path):
    rows = [json.dumps({"text": LONG[0] + "\ud800"}), json.dumps({"text": LONG[1], "note": "\udcff"})]
    path = write(tmp_path, "t.jsonl", "\n".join(rows) + "\n")
    first, second = read_file(path)
    assert one_line(first) == f"a lone surrogate (\\ud800) at character {len(LONG[0]):,}: not valid Unicode (a damaged file)"
    assert second.fields == {"note": "\\xff"}


# --------------------------------------------------------------------------- found by the mutants

def _compressed_pdf(damage: bool) -> bytes:
    """A PDF whose page contents are a FlateDecode stream (as most PDFs' are), one byte of it flipped
    when ``damage``: PDFium then reads the page without the characters the rest of the stream held."""
    import zlib

    data = make_pdf([[(40, 800 - 20 * i, paragraph[:40]) for i, paragraph in enumerate(LONG[:6])]])
    start = data.index(b"stream\n", data.index(b"6 0 obj")) + 7
    end = data.index(b"\nendstream", start)
    packed = bytearray(zlib.compress(data[start:end]))
    if damage:
        packed[len(packed) // 2] ^= 0x55
    head = data[:start].replace(b"<< /Length %d >>" % (end - start), b"<< /Length %d /Filter /FlateDecode >>" % len(packed))
    return head + bytes(packed) + data[end:]


def test_a_pdf_whose_compressed_stream_is_damaged_is_refused_not_read_without_its_characters(tmp_path):
    [raw] = read_file(write(tmp_path, "whole.pdf", _compressed_pdf(False)))
    assert raw.text.split("\n") == [paragraph[:40] for paragraph in LONG[:6]]
    reason = one_line(bounded(read_file, write(tmp_path, "damaged.pdf", _compressed_pdf(True))))
    assert reason == ("a damaged PDF: 1 of its compressed streams (object 6) do not decompress, so characters would be "
                      "missing from its text: not read")


def test_a_utf8_file_cut_inside_its_last_character_is_read_and_noted(tmp_path):
    data = SEED_TEXT.encode("utf-8")
    cut = data[:data.rindex("。".encode("utf-8")) + 2]  # 2 of the 3 bytes of the last 。
    report = read_report(write(tmp_path, "cut.txt", cut))
    assert report.encoding == "utf-8" and SEED_TEXT.startswith(read_file(tmp_path / "cut.txt")[0].text)
    assert report.notes == ("the file ends inside a character (cut short?): its last 2 bytes left out",)


def test_a_web_page_cut_short_is_noted(tmp_path):
    from test_readers import gov_page

    page = gov_page(LONG[:4])
    [raw] = read_file(write(tmp_path, "cut.html", page[:page.index(LONG[3][:10])]))
    assert raw.notes[-1] == "the page ends before its </html>: cut short? its text may be incomplete"
    [raw] = read_file(write(tmp_path, "whole.html", page))
    assert not any("cut short" in note for note in raw.notes)


def test_an_excel_cell_as_long_as_excel_allows_is_noted(tmp_path):
    import pandas as pd

    long = (SEED_TEXT.replace("\n", "") * 12)[:32_767]
    assert len(long) == 32_767
    pd.DataFrame({"text": [long, LONG[0]]}).to_excel(tmp_path / "t.xlsx", index=False)
    first, second = read_file(tmp_path / "t.xlsx")
    assert first.text == long and first.notes == ("a text of 32,767 characters, as many as an Excel cell holds: it may "
                                                  "have been cut",)
    assert second.notes == ()
