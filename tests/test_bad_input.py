"""The bad-input catalogue: every way a file or folder can be wrong, each a named test with the exact
message a user sees. Nothing hangs, nothing is dropped without a word, one bad report never takes the
others down, and the command line says it in one line (a traceback only with --debug)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
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
    half = len(SEED_TEXT) // 2
    error = error_of(write(tmp_path, "mixed.txt", SEED_TEXT[:half].encode("utf-8") + SEED_TEXT[half:].encode("gbk")))
    assert type(error) is UndecodableReportError
    assert error.reason == ("neither UTF-8, GB18030 nor Big5 throughout: a damaged file, or one that mixes "
                            "encodings")


def test_garbled_text_that_decodes_is_refused(tmp_path):
    """Big5 bytes that Big5 cannot read (a damaged file) decode as GB18030, into rare characters."""
    data = TRADITIONAL.encode("big5") * 3 + b"\x81\x40"  # 0x81 leads no Big5 character; GB18030 reads 丂
    error = error_of(write(tmp_path, "garbled.txt", data))
    assert type(error) is UndecodableReportError
    assert error.reason.startswith("garbled in every encoding tried: too few common Chinese characters (gb18030 ")
    assert error.reason.endswith("Chinese prose has at least 90%): a wrong or mixed encoding")


def test_text_without_chinese(tmp_path):
    error = error_of(write(tmp_path, "english.txt", "Annual report of the city government.\n"))
    assert type(error) is UndecodableReportError
    assert error.reason == "no Chinese characters in utf-8 text: not a Chinese report"


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
