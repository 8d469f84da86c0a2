"""Command line: ``python -m toolkit sections|reports|tokens PATH... --jsonl``.

The JSON Lines output is a contract other tools read; its keys and their order stay stable.
Bad input ends with exit status 1 and one line on stderr naming the file and the reason.
"""
from __future__ import annotations

import argparse
import json
import sys

from .corpus import ReportError, read_reports
from .sections import section_table

SECTION_KEYS = ("report", "index", "kind", "heading", "start", "end", "text", "found")
TOKEN_KEYS = ("report", "section_index", "kind", "unit_index", "tokens")
REPORT_KEYS = ("report", "agency", "city", "province", "year", "issued", "doc_number", "encoding")


def _reports(args):
    reports, errors = read_reports(args.paths, skip_bad=args.skip_bad)
    for e in errors:
        print(f"skipped {e}", file=sys.stderr)
    return reports


def _emit(rows, jsonl: bool, keys) -> None:
    for row in rows:
        if jsonl:
            print(json.dumps({k: row[k] for k in keys}, ensure_ascii=False))
        else:
            print("\t".join("" if row[k] is None else str(row[k]).replace("\n", " ")[:60] for k in keys))


def cmd_sections(args) -> None:
    for r in _reports(args):
        table, _ = section_table(r.report_id, r.text, r.meta.get("year"))
        rows = ({"report": r.report_id, **rec} for rec in table.drop(columns="report_id").to_dict("records"))
        _emit(rows, args.jsonl, SECTION_KEYS)


def cmd_reports(args) -> None:
    rows = ({"report": r.report_id, **r.meta, "encoding": r.encoding} for r in _reports(args))
    _emit(rows, args.jsonl, REPORT_KEYS)


def cmd_tokens(args) -> None:
    from .dataset import build_corpus
    from .tokenize import Tokenizer

    corpus = build_corpus(_reports(args))
    tokenizer = Tokenizer(backend=args.backend, cache=not args.no_cache)
    units = tokenizer.tokenize_units(corpus.units)
    rows = ({"report": rec["report_id"], **rec} for rec in units.to_dict("records"))
    _emit(rows, args.jsonl, TOKEN_KEYS)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m toolkit", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    for name, func, help_ in (("sections", cmd_sections, "one record per section, in report order"),
                              ("reports", cmd_reports, "one record per report, with its metadata"),
                              ("tokens", cmd_tokens, "one record per unit, with its tokens")):
        c = sub.add_parser(name, help=help_)
        c.add_argument("paths", nargs="+", metavar="PATH", help="report files or folders of *.txt")
        c.add_argument("--jsonl", action="store_true", help="JSON Lines output (the stable contract)")
        c.add_argument("--skip-bad", action="store_true",
                       help="skip empty, binary or undecodable files, listing each on stderr")
        if name == "tokens":
            c.add_argument("--backend", choices=("rjieba", "jieba"), default="rjieba",
                           help="segmenter: rjieba (fast, default) or jieba (the reference)")
            c.add_argument("--no-cache", action="store_true", help="neither read nor write .cache/tokens")
        c.set_defaults(func=func)
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        args.func(args)
    except ReportError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `… | head` is fine
        return 0
    return 0
