"""The ``toolkit`` command (``.venv/bin/toolkit``; ``python -m toolkit`` inside the venv is the same).

It reads reports (files, folders, tables, archives) and prints one record a line, or writes every table:
see :data:`VERBS`, and ``toolkit VERB --help`` for a verb's options.

The JSON (Lines) output is a contract other tools read; its keys and their order stay stable.
Bad input ends with exit status 1 and one line on stderr naming the file and the reason; a command
that cannot do what it was asked (an unknown option or value among them, with a "did you mean") ends
with status 2.
"""
from __future__ import annotations

import argparse
import difflib
import json
import sys
import textwrap
import traceback
import warnings
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from .corpus import MAX_BYTES, ReportError
from .readers import FORMATS, ReadOptions, passed_over

SECTION_KEYS = ("report", "index", "kind", "heading", "start", "end", "text", "found")
# unit_id (toolkit.sections.unit_id: report.section.unit) is the unit's one id in every table and export
TOKEN_KEYS = ("report", "section_index", "kind", "unit_index", "tokens", "unit_id")
UNIT_KEYS = ("report", "section_index", "kind", "unit_index", "marker", "start", "end", "text", "pages", "role", "part",
             "boilerplate", "unit_id")
TARGET_KEYS = ("government", "province", "level", "year", "indicator", "target_value", "target_high",
               "target_qualifier", "target_quote", "outcome_value", "outcome_quote", "verdict")
UNIT_PAGES = "pages"
KWIC_KEYS = ("report", "kind", "unit", "start", "end", "left", "match", "right", "theme", "term", "unit_id")
REPORT_KEYS = ("report", "label", "level", "government", "agency", "province", "city", "county", "year",
               "issued_year", "issued", "doc_number", "title", "source", "url", "duplicate_of", "format",
               "encoding", "path", "member", "row", "pages", "notes", "genre")


def _options(args) -> ReadOptions:
    return ReadOptions(format=args.input_format, columns=args.columns, text_column=args.text_column,
                       max_bytes=args.max_bytes)


def _spine(args):
    """The stored stages of the reports at ``args.paths`` (:class:`toolkit.pipeline.Spine`): computed the
    first time, with progress bars on stderr unless --quiet, read back every time after."""
    from .pipeline import Spine

    return Spine(args.paths, _options(args), skip_bad=args.skip_bad, keep_duplicates=args.keep_duplicates,
                 progress=False if args.quiet else None)


def _said(corpus_notes, report_notes) -> None:
    """What reading left out on purpose and what the user should check, one ``note:`` line each on stderr:
    folders left out, old .doc passed over, a cleaning that took a fifth of a text as chrome."""
    _notes([n for n in corpus_notes if not n.startswith("left out ")])  # duplicates: _left_out_duplicates
    notes = [(path, [n for n in str(text or "").split("; ") if n]) for path, text in report_notes]
    if note := passed_over_note([_Noted(path, n) for path, n in notes]):
        print(f"note: {note}", file=sys.stderr)
    for path, said in notes:
        for note in said:
            if note.startswith("cleaning removed"):
                print(f"note: {path}: {note}", file=sys.stderr)


class _Noted:
    """A report's path and notes, as :func:`passed_over_note` reads them."""

    def __init__(self, path, notes):
        self.path, self.notes = Path(path), tuple(notes)


def passed_over_note(reports) -> str | None:
    """One line for every old .doc/.wps passed over for a converted copy beside it (each report's notes
    name its own), or None."""
    passed = [(name, r.path.name) for r in reports for name in passed_over(r.notes)]
    if not passed:
        return None
    (old, new), more = passed[0], len(passed) - 1
    return (f"passed over {old}, an old Word/WPS document: {new} of the same name beside it is read instead"
            + (f" (and {more} more such; the reports' notes name them)" if more else ""))


def _skipped(errors) -> None:
    for e in errors:
        print(f"skipped {e}", file=sys.stderr)


def _notes(notes) -> None:
    """What was left out on purpose, one ``note:`` line each on stderr."""
    for note in notes:
        print(f"note: {note}", file=sys.stderr)


def _left_out_duplicates(n: int, args) -> None:
    """The one line saying how many duplicates a verb left out (nothing when none, or --keep-duplicates)."""
    if n and not args.keep_duplicates:
        _notes([f"left out {n} duplicate{'s' if n != 1 else ''} (listed with `reports --jsonl`; "
                "`--keep-duplicates` keeps them)"])


def _corpus(args):
    """The reports of ``args.paths`` segmented (read from their stored stages), each failure named (and
    skipped with --skip-bad)."""
    spine = _spine(args)
    try:
        corpus = spine.corpus()
    except ReportError:
        if not args.skip_bad:
            raise
        raise ReportError(args.paths[0] if len(args.paths) == 1 else ", ".join(args.paths),
                          f"no report could be read ({len(spine.errors())} skipped, listed above)") from None
    _skipped(corpus.errors)
    _said(corpus.notes, _where_notes(corpus.reports))
    _left_out_duplicates(int(corpus.reports["duplicate_of"].notna().sum()), args)
    if args.genre:
        corpus = corpus.of_genre(*args.genre)
    return corpus


def _where_notes(reports: pd.DataFrame) -> list[tuple[str, str]]:
    """(the report's file, member or row as printed; its notes) of every report."""
    where = [f"{p}:{m}" if isinstance(m, str) else f"{p}#{int(r)}" if pd.notna(r) else str(p)
             for p, m, r in zip(reports["path"], reports["member"], reports["row"])]
    return list(zip(where, reports["notes"]))


def _emit(rows, jsonl: bool, keys) -> None:
    for row in rows:
        if jsonl:
            print(json.dumps({k: row[k] for k in keys}, ensure_ascii=False))
        else:
            print("\t".join("" if row[k] is None else str(row[k]).replace("\n", " ")[:60] for k in keys))


def cmd_sections(args) -> None:
    sections = _corpus(args).sections  # as units, tokens and topics: a report filed twice is segmented once
    rows = ({"report": rec["report_id"], **rec} for rec in sections.to_dict("records"))
    _emit(rows, args.jsonl, SECTION_KEYS)


def cmd_reports(args) -> None:
    """One record per report as described (metadata, where it is): read from the stage ``reports``, so
    nothing is segmented."""
    spine = _spine(args)
    found, discover_errors, notes = spine.discovered
    if discover_errors and not args.skip_bad:
        raise discover_errors[0]
    table = spine.described()
    errors = spine.errors(segmented=False)
    if not args.skip_bad and errors:
        raise errors[0]
    _skipped(errors)
    if table.empty:
        raise ReportError(args.paths[0] if len(args.paths) == 1 else ", ".join(args.paths),
                          f"no report could be read ({len(errors)} skipped, listed above)")
    _said(notes, _where_notes(table))
    if args.genre:
        table = table[table["genre"].isin(args.genre)]
    for record in table.to_dict("records"):
        row = {"report": record["report_id"], **{k: _plain(v) for k, v in record.items()}}
        row["notes"] = record["notes"] or None
        _emit([row], args.jsonl, REPORT_KEYS)


def _plain(value):
    """A table value as JSON has it: pandas' missing values as null, numpy numbers as numbers."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value


def cmd_units(args) -> None:
    """One record per citable unit: the same contract as ``sections``, plus the pages of a PDF's unit."""
    units = _corpus(args).units
    if UNIT_PAGES not in units.columns:
        units = units.assign(**{UNIT_PAGES: None})
    rows = ({"report": rec["report_id"], **{k: _plain(v) for k, v in rec.items()}} for rec in units.to_dict("records"))
    _emit(rows, args.jsonl, UNIT_KEYS)


def cmd_targets(args) -> None:
    """One record per government × year × indicator: the target set for the year, its outcome in the
    next report, and the verdict (see :mod:`toolkit.targets`)."""
    from .targets import ledger

    table = ledger(_corpus(args))
    rows = ({k: _plain(v) for k, v in rec.items()} for rec in table.to_dict("records"))
    _emit(rows, args.jsonl, TARGET_KEYS)


def cmd_keyness(args) -> None:
    """Distinctive terms of group A against group B (log-odds with an informative prior, G²)."""
    from .contrast import keyness
    from .sections import KINDS
    from .tokenize import Tokenizer
    from .topics import documents

    corpus = _corpus(args)
    docs = documents(corpus.units, Tokenizer(cache=not args.no_cache), kinds=KINDS,
                     exclude_boilerplate=args.exclude_boilerplate)
    try:
        matches = None
        if args.themes:  # theme= groups may name the researcher's own themes
            from .themes import find_matches, load_lexicon

            matches = find_matches(corpus.units, load_lexicon(themes=args.themes))
        table = keyness(docs, args.a, args.b, reports=corpus.reports, min_count=args.min_count,
                        prior_scale=args.prior_scale, matches=matches)
    except ValueError as e:
        raise CommandError(f"keyness: {e}") from None
    if args.top and len(table) > 2 * args.top:
        print(f"keyness: the {args.top} most distinctive terms of each side, of {len(table):,} "
              "(--top all: every term)", file=sys.stderr)
        table = pd.concat([table.head(args.top), table.tail(args.top)]).drop_duplicates("term")
    rows = [{k: _plain(v) for k, v in rec.items()} for rec in table.to_dict("records")]
    result = {"a": args.a, "b": args.b, "groups": {k: _plain(v) for k, v in table.attrs.items()
                                                   if not isinstance(v, (list, dict))}, "terms": rows}
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return
    for r in rows:
        print(f"{r['term']}\t{r['favours']}\tz={r['z']:.2f}\tG2={r['g2']:.1f}\t{r['count_a']}/{r['count_b']}")


def cmd_tokens(args) -> None:
    from .tokenize import Tokenizer

    corpus = _corpus(args)
    tokenizer = Tokenizer(backend=args.backend, cache=not args.no_cache)
    units = tokenizer.tokenize_units(corpus.units)
    rows = ({"report": rec["report_id"], **rec} for rec in units.to_dict("records"))
    _emit(rows, args.jsonl, TOKEN_KEYS)


def _k_range(text: str) -> range:
    try:
        low, _, high = text.partition("-")
        ks = range(int(low), int(high or low) + 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LOW-HIGH such as 2-20, got {text!r}") from None
    if not ks or ks.start < 1:
        raise argparse.ArgumentTypeError(f"expected 1 <= LOW <= HIGH, got {text!r}")
    return ks


def _kinds(text: str) -> tuple[str, ...]:
    from .topics import _check_kinds

    try:
        return _check_kinds(tuple(k.strip() for k in text.split(",") if k.strip()))
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _section_kinds(text: str) -> tuple[str, ...]:
    from .sections import KINDS

    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        close = [c for k in unknown if (c := _close(k, KINDS))]
        raise argparse.ArgumentTypeError(f"unknown section kinds {unknown or text!r}; use some of {', '.join(KINDS)}"
                                         + (f" (did you mean {', '.join(close)}?)" if close else ""))
    return kinds


def cmd_topics(args) -> None:
    from .tokenize import Tokenizer
    from .topics import default_selection, documents, lean, topic_prevalence, trust_notes

    corpus = _corpus(args)
    docs = documents(corpus.units, Tokenizer(cache=not args.no_cache), kinds=args.kinds,
                     exclude_boilerplate=args.exclude_boilerplate)
    try:  # the selection of the notebooks and of export: the same corpus gives the same k
        selection = default_selection(args.k, args.k_range, n_samples=args.samples, random_state=args.seed,
                                      n_jobs=args.jobs, cache=not args.no_cache).fit(docs)
    except ValueError as e:
        raise CommandError(f"topics: {e}") from None
    if selection.skipped_:
        print(f"note: k = {', '.join(map(str, selection.skipped_))} skipped: more topics than "
              f"{selection.n_terms_} terms or the units of a sample allow", file=sys.stderr)
    model = selection.model_
    weights = model.unit_weights()
    prev = topic_prevalence(weights, args.kinds, n_boot=args.n_boot, random_state=args.seed)
    leans = {}
    if len(args.kinds) == 2:
        leaning = lean(weights, args.kinds, n_boot=args.n_boot, random_state=args.seed)
        leans = dict(zip(leaning["topic"], leaning["leans"]))
    topics = []
    for row in selection.topic_table().itertuples(index=False):
        part = prev[prev["topic"] == row.topic]
        topics.append({
            "topic": row.topic, "label": row.label, "terms": row.terms,
            "stability": _round(row.stability), "coherence": _round(row.coherence),
            "prevalence": {p.kind: {"mean": _round(p.prevalence), "low": _round(p.low), "high": _round(p.high)}
                           for p in part.itertuples()},
            "leans": str(leans[row.topic]) if leans else None})
    result = {
        "reports": int(corpus.reports.shape[0]),
        "kinds": list(args.kinds),
        "units": {k: int((docs["kind"] == k).sum()) for k in args.kinds},
        "terms": selection.n_terms_,
        "k": selection.k_,
        "rule": selection.rule_,
        "selection": [{"k": int(r.k), "stability": _round(r.stability), "stability_sd": _round(r.stability_sd),
                       "coherence": _round(r.coherence), "unconverged": int(r.unconverged)}
                      for r in selection.table_.itertuples()],
        "skipped": selection.skipped_,
        "topics": topics,
        "notes": trust_notes(docs, selection, kinds=args.kinds, corpus=corpus),
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return
    print(f"{result['reports']} reports, units {result['units']}, {result['terms']} terms; k = {result['k']} ({result['rule']})")
    for warning in result["notes"]["warnings"]:
        print(f"warning: {warning}")
    print("k\tstability\tcoherence")
    for r in result["selection"]:
        print(f"{r['k']}\t{r['stability']:.3f}\t{r['coherence']:.3f}")
    for t in topics:
        shares = "  ".join(f"{kind} {_fmt(v['mean'])} [{_fmt(v['low'])}, {_fmt(v['high'])}]"
                           for kind, v in t["prevalence"].items())
        print(f"topic {t['topic']}  stability {t['stability']:.2f}  {' '.join(t['terms'])}\n    {shares}  leans: {t['leans']}")


def cmd_kwic(args) -> None:
    from .errors import LexiconError
    from .themes import LEXICON, kwic, load_lexicon

    try:
        lexicon = load_lexicon(args.lexicon or LEXICON, themes=args.themes)
        corpus = _corpus(args)
        table = kwic(args.term, corpus.units, width=args.width, lexicon=lexicon, kinds=args.kinds,
                     literal=args.literal)
        print(f"kwic: {table.attrs['searched']}: {len(table)} matches", file=sys.stderr)
    except (LexiconError, ValueError) as e:
        raise CommandError(f"kwic: {e}") from None
    from .sections import unit_id

    rows = ({"report": r["report_id"], "kind": r["kind"], "unit": [int(r["section_index"]), int(r["unit_index"])],
             "start": int(r["start"]), "end": int(r["end"]), "left": r["left"], "match": r["match"],
             "right": r["right"], "theme": r["theme"] or None, "term": r["term"],
             "unit_id": unit_id(r["report_id"], int(r["section_index"]), int(r["unit_index"]))}
            for r in table.to_dict("records"))
    if args.jsonl:
        _emit(rows, True, KWIC_KEYS)
        return
    for r in rows:
        print(f"{r['report']}\t{r['kind']}\t{r['unit'][0]}.{r['unit'][1]}\t{r['start']}-{r['end']}\t"
              f"{r['left']:>{args.width}} [{r['match']}] {r['right']}")


def cmd_export(args) -> None:
    """Every table of the corpus as files, with a codebook and a manifest (see :mod:`toolkit.export`)."""
    from .errors import LexiconError
    from .export import ExportError, check_target, export, parse_formats
    from .tokenize import Tokenizer

    try:
        formats = parse_formats(args.formats)
        folders = [p for p in args.paths if Path(p).is_dir()]
        check_target(args.to, args.overwrite, formats, folders)  # before the corpus is read: a refusal costs nothing
        corpus = _corpus(args)
        root = args.paths[0] if len(args.paths) == 1 and Path(args.paths[0]).is_dir() else None
        lexicon = None
        if args.themes:
            from .themes import load_lexicon

            lexicon = load_lexicon(themes=args.themes)
        result = export(corpus, args.to, formats, overwrite=args.overwrite, root=root, lexicon=lexicon,
                        k=args.k, k_range=args.k_range,
                        n_samples=args.samples, random_state=args.seed, n_jobs=args.jobs,
                        cache=not args.no_cache, tokenizer=Tokenizer(cache=not args.no_cache))
    except (ExportError, LexiconError) as e:
        raise CommandError(f"export: {e}") from None
    tables = result.manifest["tables"]
    if args.json:
        print(json.dumps({"to": str(args.to), "formats": list(formats), "tables": tables,
                          "files": [p.name for p in result.files]}, ensure_ascii=False, indent=1))
        return
    for name, info in tables.items():
        print(f"{name}\t{info['rows']}" + (f"\t{info['note']}" if "note" in info else ""))
    print(f"wrote {len(result.files)} files to {args.to}")


THEMES_HELP = ("your own themes file (the TOML form of data/lexicon/themes.toml), merged with the project "
               "lexicon; a theme with a project theme's id replaces it; may be repeated")


class CommandError(Exception):
    """A command cannot do what it was asked (the message says why); exit status 2."""


def _fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def _round(x: float) -> float | None:
    """Six decimals: readable, and the same text on every run; NaN (no data) becomes null."""
    return None if x != x else round(float(x), 6)


#: Terms of each side ``keyness`` prints unless ``--top`` says otherwise.
KEYNESS_TOP = 50


def _top(text: str) -> int:
    """``--top``: a positive number, or ``all`` (0: no cut)."""
    if text.strip().lower() == "all":
        return 0
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of terms such as 50, or all, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1 term (or all), got {text!r}")
    return value


def _megabytes(text: str) -> int | None:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of megabytes such as 50, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of megabytes, got {text!r}")
    return None if value == 0 else int(value * 1_000_000)


def _reading_options() -> argparse.ArgumentParser:
    """The options every verb that reads reports shares."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--skip-bad", action="store_true",
                   help="skip reports that cannot be read or segmented, listing each with its reason on stderr")
    p.add_argument("--max-mb", dest="max_bytes", type=_megabytes, default=MAX_BYTES, metavar="MB",
                   help=f"largest report read, in MB: a file, an archive member, what a Word file unpacks to "
                        f"(default {MAX_BYTES // 1_000_000}; 0: no limit)")
    p.add_argument("--input-format", type=str.lower, choices=FORMATS, metavar="FORMAT",
                   help=f"read every file given as this format ({', '.join(FORMATS)}): e.g. tsv for a table saved as .txt")
    # The old name of --input-format: still read, with a warning (export's --formats is what it writes)
    p.add_argument("--format", dest="input_format", type=str.lower, choices=FORMATS, action=_OldFormatOption,
                   help=argparse.SUPPRESS)
    p.add_argument("--columns", type=_column_names, metavar="A,B,…",
                   help="column names of a table without a header row, e.g. year,text (year_under_review,text)")
    p.add_argument("--text-column", metavar="NAME", help="the column of a table that holds each report's text")
    p.add_argument("--keep-duplicates", action="store_true",
                   help="keep reports that duplicate an earlier one in the analysis (default: flagged and left out)")
    p.add_argument("--genre", type=_genres, metavar="G,…",
                   help="only reports of these genres: government_work_report, rule_of_law_report, work_summary, "
                        "work_plan, other")
    p.add_argument("--quiet", action="store_true",
                   help="no progress bars on stderr (they show for a stage that takes more than two seconds)")
    p.add_argument("--debug", action="store_true", help="on an error, show the Python traceback too")
    return p


def _genres(text: str) -> tuple[str, ...]:
    from .corpus import GENRES

    genres = tuple(g.strip() for g in text.split(",") if g.strip())
    unknown = [g for g in genres if g not in GENRES]
    if unknown or not genres:
        raise argparse.ArgumentTypeError(f"unknown genres {unknown or text!r}; use some of {', '.join(GENRES)}")
    return genres


def _column_names(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(","))
    if not all(names) or len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(f"expected distinct comma-separated column names, got {text!r}")
    return names


PATHS_HELP = ("report files (.txt .docx .pdf .html, tables, .zip) or folders of them (searched recursively)")


#: Every verb, with what it prints: the overview of ``toolkit --help`` (and of the README).
VERBS = """\
verbs, and what they print:
  toolkit reports PATH... --jsonl       the government behind each report, and where it is
  toolkit sections PATH... --jsonl      sections (achievements, problems, plans) with offsets
  toolkit units PATH... --jsonl         citable units: one shortcoming, task or paragraph each
  toolkit targets PATH... --jsonl       targets, outcomes and verdicts per government × year
  toolkit tokens PATH... --jsonl        tokens per unit
  toolkit topics PATH... --json         topics; k by stability, the same as export and the notebooks
  toolkit kwic 数据孤岛 PATH... --jsonl   a theme (all its variants) or a term, in context
  toolkit keyness PATH... --a kind=problems --b kind=plans
                                        distinctive terms of A against B (the top 50 of each side)
  toolkit export PATH... --to DIR --formats all
                                        every table as Parquet, CSV, Stata, Excel and R files

PATH: report files (.txt .docx .pdf .html, tables, .zip) or folders of them. `toolkit VERB --help`
lists a verb's options; every verb also takes --skip-bad, --max-mb, --input-format, --columns,
--text-column, --keep-duplicates, --quiet and --debug. What a verb reads is stored once
(.cache/stages/) and read back by the next verb on the same files."""

DESCRIPTION = textwrap.fill(
    "Read Chinese government reports (政府工作报告, bureau reports and work summaries) and print their "
    "metadata, sections, units, targets, tokens, topics, distinctive terms or themes in context, one "
    "record a line (--jsonl and --json: a stable contract), or export every table.", width=100)


def _close(word: str, known) -> str | None:
    """The one of ``known`` closest to ``word`` (difflib), if any is close."""
    found = difflib.get_close_matches(word, [str(k) for k in known], n=1, cutoff=0.6)
    return found[0] if found else None


class _Parser(argparse.ArgumentParser):
    """argparse with a "did you mean" for a value close to a known one, and, on export, the way from
    ``--format all`` (the input's format) to ``--formats all`` (the formats written)."""

    #: Set on the export verb's parser: it writes ``--formats``.
    writes_formats = False

    def _check_value(self, action, value):
        if action.choices is None or value in action.choices:
            return
        message = f"invalid choice: {value!r} (choose from {', '.join(map(str, action.choices))})"
        if action.dest == "input_format" and self.writes_formats:
            from .export import EXPORT_FORMATS as WRITTEN

            if value in (*WRITTEN, "all"):
                raise argparse.ArgumentError(action, f"{message}: this is the format the input is read as; "
                                                     f"did you mean --formats {value}?")
        close = _close(str(value), action.choices)
        raise argparse.ArgumentError(action, message + (f"; did you mean {close!r}?" if close else ""))

    def unknown_options(self, extra: list[str]) -> str:
        """The "unrecognized arguments" message, with the closest option of this verb for each unknown one."""
        known = [o for a in self._actions if a.help != argparse.SUPPRESS for o in a.option_strings]
        hints = [f"{close} for {word}" for word in extra
                 if word.startswith("-") and (close := _close(word.split("=")[0], known))]
        return f"unrecognized arguments: {' '.join(extra)}" + (f" (did you mean {', '.join(hints)}?)" if hints else "")


class _OldFormatOption(argparse.Action):
    """``--format``, the old name of ``--input-format``: sets it, and says once that the name changed."""

    def __call__(self, parser, namespace, values, option_string=None):
        written = "; the formats export writes are --formats" if getattr(parser, "writes_formats", False) else ""
        print(f"warning: --format is deprecated: it is how the input is read, now --input-format {values}{written}",
              file=sys.stderr)
        setattr(namespace, self.dest, values)


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="toolkit", description=DESCRIPTION, epilog=VERBS,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    common = _reading_options()
    sub = p.add_subparsers(dest="command", required=True)
    for name, func, help_ in (("sections", cmd_sections, "one record per section, in report order"),
                              ("reports", cmd_reports, "one record per report, with its metadata"),
                              ("units", cmd_units, "one record per citable unit (an item or a paragraph)"),
                              ("targets", cmd_targets, "one record per government × year × indicator: target, "
                                                       "outcome, verdict"),
                              ("tokens", cmd_tokens, "one record per unit, with its tokens")):
        c = sub.add_parser(name, help=help_, parents=[common])
        c.add_argument("paths", nargs="+", metavar="PATH", help=PATHS_HELP)
        c.add_argument("--jsonl", action="store_true", help="JSON Lines output (the stable contract)")
        if name == "tokens":
            c.add_argument("--backend", choices=("rjieba", "jieba"), default="rjieba",
                           help="segmenter: rjieba (fast, default) or jieba (the reference)")
            c.add_argument("--no-cache", action="store_true", help="neither read nor write .cache/tokens")
        c.set_defaults(func=func)
    c = sub.add_parser("topics", help="TF-IDF + NMF topics of some section kinds, k chosen by stability",
                       parents=[common])
    c.add_argument("paths", nargs="+", metavar="PATH", help=PATHS_HELP)
    c.add_argument("--kinds", type=_kinds, default=("problems", "plans"),
                   help="comma-separated section kinds to model (default problems,plans)")
    c.add_argument("--k", type=int, help="fit K topics (stability is still measured) instead of choosing k")
    c.add_argument("--k-range", type=_k_range, metavar="LOW-HIGH",
                   help="the ks to try (default 2-20, cut to what the data allow)")
    c.add_argument("--samples", type=int, default=20, help="random 80%% samples per k for stability (default 20)")
    c.add_argument("--n-boot", type=int, default=1000, help="bootstrap draws for the prevalence intervals")
    c.add_argument("--seed", type=int, default=0, help="random_state of samples, NMF and bootstrap (default 0)")
    c.add_argument("--jobs", type=int, default=-1, help="processes (default -1: all cores; same result)")
    c.add_argument("--no-cache", action="store_true",
                   help="no cache at any stage: neither read nor write .cache/tokens or .cache/topics")
    c.add_argument("--exclude-boilerplate", action="store_true",
                   help="leave out units whose sentences are mostly found in other bodies' reports (share >= 0.5)")
    c.add_argument("--json", action="store_true", help="one JSON object (the stable contract)")
    c.set_defaults(func=cmd_topics)
    c = sub.add_parser("keyness", help="distinctive terms of one group of units against another", parents=[common])
    c.add_argument("paths", nargs="+", metavar="PATH", help=PATHS_HELP)
    c.add_argument("--a", required=True, metavar="SPEC",
                   help="group A: kind=problems, province=广东省, level=county, year=2019-2021, theme=data_silos; & joins")
    c.add_argument("--b", default="rest", metavar="SPEC", help="group B, the same form (default: every other unit)")
    c.add_argument("--min-count", type=int, default=5, help="leave out terms seen fewer times in A and B (default 5)")
    c.add_argument("--prior-scale", type=float, default=0.1,
                   help="the corpus prior's weight, a share of the tokens compared (default 0.1)")
    c.add_argument("--top", type=_top, default=KEYNESS_TOP, metavar="N|all",
                   help=f"the N most distinctive terms of each side (default {KEYNESS_TOP}); all: every term")
    c.add_argument("--themes", action="append", metavar="TOML", help=THEMES_HELP + " (for theme= groups)")
    c.add_argument("--no-cache", action="store_true", help="neither read nor write .cache/tokens")
    c.add_argument("--exclude-boilerplate", action="store_true",
                   help="leave out units whose sentences are mostly found in other bodies' reports (share >= 0.5)")
    c.add_argument("--json", action="store_true", help="one JSON object (the stable contract)")
    c.set_defaults(func=cmd_keyness)
    c = sub.add_parser("kwic", help="every match of a theme or a term, in context", parents=[common])
    c.add_argument("term", metavar="TERM_OR_THEME",
                   help="a theme's id or core term (all its variants: data_silos, 数据孤岛) or any term")
    c.add_argument("paths", nargs="+", metavar="PATH", help=PATHS_HELP)
    c.add_argument("--width", type=int, default=20, help="characters of context on each side (default 20)")
    c.add_argument("--kinds", type=_section_kinds, default=None,
                   help="comma-separated section kinds to search (default: all)")
    c.add_argument("--lexicon", help="a themes TOML file instead of the project's (default data/lexicon/themes.toml)")
    c.add_argument("--themes", action="append", metavar="TOML", help=THEMES_HELP)
    c.add_argument("--literal", action="store_true",
                   help="the term alone, even when it is a theme's core term (default: a theme's term means every variant)")
    c.add_argument("--jsonl", action="store_true", help="JSON Lines output (the stable contract)")
    c.set_defaults(func=cmd_kwic)
    c = sub.add_parser("export", help="every table as Parquet, CSV, Stata, Excel and R files, with a codebook and "
                                      "a manifest", parents=[common])
    c.writes_formats = True
    c.add_argument("paths", nargs="+", metavar="PATH", help=PATHS_HELP)
    c.add_argument("--to", required=True, metavar="DIR", help="the folder to write (refused if not empty, "
                                                              "unless --overwrite)")
    c.add_argument("--formats", default="parquet", metavar="LIST",
                   help="comma-separated: parquet, csv, dta, xlsx, r (the document-term matrix), or all "
                        "(default parquet); --input-format is how the input is read, as for every verb")
    c.add_argument("--overwrite", action="store_true", help="replace the files of an earlier export in DIR")
    c.add_argument("--themes", action="append", metavar="TOML", help=THEMES_HELP)
    c.add_argument("--k", type=int, help="fit K topics (stability still measured) instead of choosing k; "
                                         "e.g. --k 8 on a large corpus for seconds instead of minutes")
    c.add_argument("--k-range", type=_k_range, metavar="LOW-HIGH",
                   help="the ks to choose from (default 2-20, cut to what the data allow): k is chosen as the "
                        "topics verb and the notebooks choose it (minutes on a large corpus the first time, then "
                        "cached)")
    c.add_argument("--samples", type=int, default=20, help="random 80%% samples for stability (default 20)")
    c.add_argument("--seed", type=int, default=0, help="random_state of the topic fits (default 0)")
    c.add_argument("--jobs", type=int, default=-1, help="processes for the topic fits (default -1: all cores)")
    c.add_argument("--no-cache", action="store_true",
                   help="no cache at any stage: neither read nor write .cache/tokens or .cache/topics")
    c.add_argument("--json", action="store_true", help="one JSON object: tables, rows, notes, files")
    c.set_defaults(func=cmd_export)
    return p


@contextmanager
def _cache_warnings_in_one_line():
    """Show a :class:`toolkit.cache.CacheWarning` as the line ``warning: <message>`` on stderr (a cache
    that was set aside or bypassed: the run goes on); other warnings as Python shows them."""
    from .cache import CacheWarning

    with warnings.catch_warnings():
        default = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None):
            if issubclass(category, CacheWarning):
                print(f"warning: {message}", file=sys.stderr)
            else:
                default(message, category, filename, lineno, file, line)
        warnings.showwarning = show
        yield


def main(argv=None) -> int:
    """Run one verb. Exit status 0 on success, 1 when a report cannot be read (one line on stderr
    naming the file and the reason), 2 when the command cannot do what it was asked, 1 for any other
    failure (one line; ``--debug`` shows the traceback)."""
    top = parser()
    args, extra = top.parse_known_args(argv)
    if extra:  # an option this verb does not know: say which one it is closest to
        verb = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction)).choices[args.command]
        verb.error(verb.unknown_options(extra))
    try:
        with _cache_warnings_in_one_line():
            args.func(args)
    except BrokenPipeError:  # `… | head` is fine
        sys.stderr.close()  # no "Exception ignored … BrokenPipeError" when Python flushes stdout at exit
        return 0
    except Exception as e:  # noqa: BLE001 - one line for the user; the traceback with --debug
        if args.debug:
            traceback.print_exc()
        if isinstance(e, ReportError):
            print(f"error: {e}", file=sys.stderr)
            return 1
        if isinstance(e, CommandError):
            print(f"error: {e}", file=sys.stderr)
            return 2
        print(f"error: {args.command}: {type(e).__name__}: {e}" + ("" if args.debug else " (--debug shows where)"),
              file=sys.stderr)
        return 1
    return 0
