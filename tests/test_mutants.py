"""Mutants of the shared corpora (slow; one fixed seed): files of every format the corpora hold, damaged
the ways files are damaged (truncated, bytes flipped, broken XML in a Word file, a broken xref in a PDF,
a bad CRC in a zip, zips inside zips, a symbolic link in a zip, merged cells and formulas in an Excel
file, NUL bytes in a CSV). Every mutant gives the same text (what the damage leaves of it: a prefix of a
truncated text, the text around a flipped byte, the pages a PDF still has) or one clear line, within
30 s and 2 GB, each measured in a worker process (time per mutant, peak memory sampled while it is read).

The corpora's texts are never copied into the project: the mutants are made in a temporary folder from
../shared/corpora, and the test is skipped, saying so, where they are absent."""
from __future__ import annotations

import io
import json
import os
import random
import re
import select
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from toolkit.paths import PROJECT_ROOT, SHARED_DIR
from toolkit.readers import RawReport, discover, read_file
from toolkit.readers.archive import member_name
from toolkit.readers.html import decode_page
from toolkit.readers.txt import strip_markup

CORPORA = SHARED_DIR / "corpora"
#: The fixed seed of the sample and of the damage; MUTANT_SEED=N checks another seed by hand.
SEED = int(os.environ.get("MUTANT_SEED", "25"))
TIME_LIMIT = 30.0
MEMORY_LIMIT = 2e9
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not CORPORA.exists(), reason=f"{CORPORA} is absent (the shared corpora sit beside "
                                                              f"the project; TOOLKIT_SHARED points elsewhere)")]


@dataclass
class Mutant:
    """A damaged copy of a corpus file: its name, path, the damage, and the texts it may still give, by
    (member, row): the original's (``expected``), compared as the damage allows (``compare``)."""

    name: str
    path: Path
    compare: str  # "same": equal texts; "prefix": each a prefix of its original; "near": equal but near a flip
    expected: dict = field(default_factory=dict)
    flips: int = 0
    visible: frozenset = frozenset()  # a web page's visible lines: what a damaged page may fall back to


def _name(member: str | None) -> str | None:
    """A member's own name (``a.zip!b/c.docx`` → ``c.docx``): how a mutant's items meet the original's."""
    return member.rsplit("!", 1)[-1].rsplit("/", 1)[-1] if member else None


def _key(item) -> tuple:
    return (_name(item.source.member), item.source.row)


def _texts(path: Path) -> dict:
    return {_key(item): item.text for item in read_file(path) if isinstance(item, RawReport)}


# --------------------------------------------------------------------------- damage

def truncated(data: bytes, rng: random.Random) -> bytes:
    return data[:rng.randrange(len(data) // 10, len(data) - 1)]


def flipped(data: bytes, rng: random.Random, flips: int = 3) -> bytes:
    out = bytearray(data)
    for _ in range(flips):
        out[rng.randrange(len(out))] ^= rng.randrange(1, 256)
    return bytes(out)


def _rezipped(data: bytes, change) -> bytes:
    """A zip package with each member's bytes passed through ``change(name, bytes)``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr(info.filename, change(info.filename, source.read(info)))
    return buffer.getvalue()


def broken_xml(data: bytes, rng: random.Random) -> bytes:
    """A Word file whose document.xml closes a paragraph with the wrong tag, somewhere."""
    def change(name: str, part: bytes) -> bytes:
        if name != "word/document.xml":
            return part
        ends = [i for i in range(len(part)) if part.startswith(b"</w:p>", i)]
        at = rng.choice(ends)
        return part[:at] + b"</w:q>" + part[at + 6:]
    return _rezipped(data, change)


def broken_xref(data: bytes, rng: random.Random) -> bytes:
    """A PDF whose startxref points elsewhere and whose xref entries are shifted."""
    at = data.rindex(b"startxref")
    end = data.index(b"%%EOF", at)
    wrong = str(int(data[at + 9:end].split()[0]) + rng.randrange(3, 500)).encode()
    out = data[:at] + b"startxref\n" + wrong + b"\n" + data[end:]
    return out.replace(b" 00000 n", b" 00001 n", 5)


def bad_crc(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """A zip whose central directory states a wrong CRC-32 for one member; returns the member too."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
    info = rng.choice([i for i in infos if i.file_size])
    out = bytearray(data)
    central = data.index(b"PK\x01\x02")
    for _ in range(infos.index(info)):
        central = data.index(b"PK\x01\x02", central + 4)
    out[central + 16] ^= 0xFF
    return bytes(out), info.filename


def _zip(members: dict[str, bytes], links: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in links:
                info.external_attr = 0o120777 << 16
            out.writestr(info, data)
    return buffer.getvalue()


def merged_xlsx(rows: list[tuple[str, str]], path: Path) -> dict:
    """An Excel file of report rows with merged cells (a note across rows) and formulas (a number column,
    and one text cell that is a formula, which has no value until Excel computes it); returns the texts
    it may give by row."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["year", "text", "note", "next"])
    for i, (year, text) in enumerate(rows, 2):
        sheet.append([int(year), text, "合并的备注" if i == 2 else None, f"=A{i}+1"])
    sheet.merge_cells(start_row=2, start_column=3, end_row=len(rows) + 1, end_column=3)
    sheet.cell(row=len(rows) + 1, column=2, value='=CONCATENATE("公式","文本")')
    book.save(path)
    return {(None, i): text for i, (_, text) in enumerate(rows[:-1], 1)}


# --------------------------------------------------------------------------- the mutants

def _sample(folder: str, suffix: str, n: int, rng: random.Random) -> list[Path]:
    found, _ = discover(CORPORA / folder)  # the reports, not the folder's MANIFEST or LICENSE
    files = [f.path for f in found if f.path.suffix == suffix]
    return rng.sample(files, min(n, len(files)))


def make_mutants(tmp: Path) -> list[Mutant]:
    rng = random.Random(SEED)
    mutants: list[Mutant] = []

    def add(name: str, data: bytes, original: Path | None, compare: str, expected: dict | None = None, flips=0):
        path = tmp / name
        path.write_bytes(data)
        mutants.append(Mutant(name, path, compare, expected if expected is not None else _texts(original), flips))

    for original in (_sample("municipal-2024", ".txt", 2, rng) + _sample("bureau-fujian", ".txt", 1, rng)
                     + _sample("bureau-fujian", ".html", 1, rng)):
        data = original.read_bytes()
        add(f"truncated-{original.name}", truncated(data, rng), original, "prefix")
        add(f"flipped-{original.name}", flipped(data, rng), original, "near", flips=3)
        if original.suffix == ".html":  # a damaged page may lose its main text: the whole visible text, noted
            page, _, _ = decode_page(data, None)
            visible = frozenset(line.strip() for line in strip_markup(page)[0].split("\n") if line.strip())
            visible |= {page}  # attributes and the title, which a damaged page's text may show
            for mutant in mutants[-2:]:
                mutant.visible = visible
    for original in _sample("provincial-2025", ".docx", 2, rng):
        data = original.read_bytes()
        add(f"truncated-{original.name}", truncated(data, rng), original, "prefix")
        add(f"flipped-{original.name}", flipped(data, rng), original, "near", flips=3)
        add(f"broken-xml-{original.name}", broken_xml(data, rng), original, "same")
    for original in _sample("beijing-2024-pdf", ".pdf", 1, rng):
        data = original.read_bytes()
        add(f"truncated-{original.name}", truncated(data, rng), original, "pages")
        add(f"flipped-{original.name}", flipped(data, rng), original, "same")
        add(f"broken-xref-{original.name}", broken_xref(data, rng), original, "same")
    for original in _sample("archives", ".zip", 1, rng):
        data = original.read_bytes()
        texts = _texts(original)
        add(f"truncated-{original.name}", truncated(data, rng), original, "same", texts)
        add(f"flipped-{original.name}", flipped(data, rng), original, "same", texts)
        crc, member = bad_crc(data, rng)
        add(f"bad-crc-{original.name}", crc, original, "same", {k: v for k, v in texts.items() if k[0] != member})
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = rng.sample(archive.infolist(), 2)
            members = {member_name(info): archive.read(info) for info in infos}
            names = list(members)
        inner = _zip({names[0]: members[names[0]]})
        add("nested.zip", _zip({"middle.zip": _zip({"inner.zip": inner}), "one-deep.zip": inner,
                                names[1]: members[names[1]]}), None, "same",
            {k: v for k, v in texts.items() if k[0] in names})
        add("symlink.zip", _zip({"link.docx": b"../../../../etc/passwd", names[1]: members[names[1]]}, links=("link.docx",)),
            None, "same", {k: v for k, v in texts.items() if k[0] == names[1]})
    for original in _sample("national-1954-2022", ".tsv", 1, rng):
        data = original.read_bytes()
        add(f"truncated-{original.name}", truncated(data, rng), original, "prefix")
        add(f"flipped-{original.name}", flipped(data, rng), original, "near", flips=3)
        rows = [line.split("\t", 1) for line in data.decode("utf-8").split("\n")[1:] if line.strip()]
        chosen = [rows[i] for i in sorted(rng.sample(range(len(rows)), 4))]
        # a cell holds at most 32,767 characters (Excel's limit; the reader notes a text that long)
        expected = merged_xlsx([(year, text.replace("\t", "\n")[:32767]) for year, text in chosen], tmp / "merged.xlsx")
        mutants.append(Mutant("merged.xlsx", tmp / "merged.xlsx", "same", expected))
        csv = "year,text\n" + "".join(f'{year},"{text}"\n' for year, text in chosen[:2])
        at = rng.randrange(len(csv) // 2, len(csv))
        add("nul.csv", (csv[:at] + "\x00" + csv[at:]).encode("utf-8"), None, "same", {})
    return mutants


# --------------------------------------------------------------------------- reading each in a worker

WORKER = r"""
import json, resource, sys, threading, time
import psutil
from toolkit.readers import RawReport, read_file
from toolkit.errors import ReportError

process = psutil.Process()
peak = [0]
def sample():
    while True:
        peak[0] = max(peak[0], process.memory_info().rss)
        time.sleep(0.005)
threading.Thread(target=sample, daemon=True).start()
for line in sys.stdin:
    path = json.loads(line)
    peak[0] = process.memory_info().rss
    started = time.monotonic()
    try:
        items = read_file(path)
    except ReportError as error:
        items = [error]
    except BaseException as error:
        items = [f"UNEXPECTED {type(error).__name__}: {error}"]
    elapsed = time.monotonic() - started
    out = []
    for item in items:
        if isinstance(item, RawReport):
            member = item.source.member.rsplit("!", 1)[-1].rsplit("/", 1)[-1] if item.source.member else None
            out.append({"member": member, "row": item.source.row, "text": item.text, "notes": list(item.notes)})
        elif isinstance(item, ReportError):
            out.append({"error": str(item), "reason": item.reason})
        else:
            out.append({"unexpected": item})
    print(json.dumps({"elapsed": elapsed, "peak": max(peak[0], process.memory_info().rss),
                      "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "items": out}), flush=True)
"""


def _near(text: str, original: str, flips: int) -> bool:
    """True when ``text`` differs from ``original`` only within a few characters of each flipped byte."""
    prefix = len(os.path.commonprefix([text, original]))
    suffix = len(os.path.commonprefix([text[prefix:][::-1], original[prefix:][::-1]]))
    return max(len(text), len(original)) - prefix - suffix <= 8 * flips


def _accepted(mutant: Mutant, item: dict) -> str | None:
    """Why an item a mutant gives is neither the same text nor one clear line (None: it is fine)."""
    if "unexpected" in item:
        return item["unexpected"]
    if "error" in item:
        line = item["error"]
        if "\n" in line or "internal error" in line or "Traceback" in line or not item["reason"].strip():
            return f"not one clear line: {line[:300]}"
        return None
    key = (item["member"], item["row"])
    original = mutant.expected.get(key)
    text = item["text"]
    if original is None:
        return f"a text that was not in the original: {key} {text[:80]!r}"
    if text == original:
        return None
    if mutant.compare == "prefix" and original.startswith(text.rstrip("\n")):
        return None
    if mutant.visible and any(note.startswith(("trafilatura found", "the page ends before")) for note in item["notes"]):
        # a damaged page, and a note that says so: its text is the page's own (no run of Chinese it does not hold)
        page = "".join("".join(mutant.visible).split())
        if all(run in page for run in re.findall(r"[\u4e00-\u9fff]{4,}", text)):
            return None
    if mutant.compare in ("prefix", "near") and _near(text, original, max(mutant.flips, 1)):
        return None
    if mutant.compare == "pages":  # what is left of a damaged PDF: its lines are the original's
        lines = set(original.split("\n"))
        invented = [line for line in text.split("\n") if line.strip() and line not in lines]
        if not invented:
            return None
        return f"lines that were not in the original: {invented[:3]}"
    return f"a text that differs from the original ({mutant.compare}): {text[:80]!r}"


def test_mutants_of_the_shared_corpora_give_the_same_text_or_one_clear_line(tmp_path):
    mutants = make_mutants(tmp_path)
    assert len(mutants) >= 20
    worker = subprocess.Popen([sys.executable, "-c", WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=PROJECT_ROOT)
    problems, measured = [], []
    try:
        for mutant in mutants:
            worker.stdin.write(json.dumps(str(mutant.path)) + "\n")
            worker.stdin.flush()
            started = time.monotonic()
            ready, _, _ = select.select([worker.stdout], [], [], TIME_LIMIT + 30)
            if not ready:
                problems.append(f"{mutant.name}: no answer in {TIME_LIMIT + 30:.0f} s")
                break
            line = worker.stdout.readline()
            if not line:
                problems.append(f"{mutant.name}: the worker died: {worker.stderr.read()[-2000:]}")
                break
            result = json.loads(line)
            items = result["items"]
            errors = [item["reason"] for item in items if "reason" in item]
            same = sum(1 for item in items if "text" in item and mutant.expected.get((item["member"], item["row"]))
                       == item["text"])
            outcome = f"{same} same, {len(items) - same - len(errors)} what is left, {len(errors)} errors" + (
                f" ({errors[0][:90]})" if errors else "")
            measured.append((mutant.name, round(result["elapsed"], 2), round(result["peak"] / 1e6), outcome))
            if result["elapsed"] > TIME_LIMIT or result["peak"] > MEMORY_LIMIT or result["maxrss"] > MEMORY_LIMIT:
                problems.append(f"{mutant.name}: {result['elapsed']:.1f} s, {result['peak'] / 1e6:.0f} MB")
            for item in result["items"]:
                if (why := _accepted(mutant, item)) is not None:
                    problems.append(f"{mutant.name}: {why}")
    finally:
        worker.kill()
        worker.wait()
    print("\n".join(f"{name}\t{elapsed} s\t{peak} MB\t{outcome}" for name, elapsed, peak, outcome in measured))
    assert not problems, "\n".join(problems)
    assert len(measured) == len(mutants)
