"""Run the numbered notebooks headless, in order, in the project's kernel, with byte-stable outputs.

``python -m toolkit.notebook_runner [--corpus DIR] [--figures DIR] [NAME ...]`` is what ``make figures``
runs. Each ``notebooks/NN-*.ipynb`` is executed by papermill in the ``toolkit`` kernel (the project's
``.venv``), with ``notebooks/`` as working directory:

- on the project's corpus (no ``--corpus``) the outputs are written back into the notebook itself;
- on another corpus papermill injects ``CORPUS = '<absolute path>'`` (and ``FIGURES`` when given) after
  the cell tagged ``parameters``, and the executed copy goes to ``build/notebooks/<corpus name>/``
  (git-ignored), never over the committed notebook.

Before a notebook is written, what varies from run to run is removed (papermill's timestamps and
durations, nbclient's execution timings), and the file is only rewritten when its content changed.
Papermill's raw copy stays in ``build/papermill/`` for diagnosis (timings included).

Also here: :func:`resolve_parameters`, which tells a notebook what its ``CORPUS``/``FIGURES`` parameters
mean, and :func:`versions`, the versions of the toolkit's direct dependencies (00-overview prints them).
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

from . import paths

DISTRIBUTION = "gov-report-toolkit"
KERNEL_NAME = "toolkit"
KERNEL_DISPLAY_NAME = "Python (toolkit)"
KERNELSPEC = {"display_name": KERNEL_DISPLAY_NAME, "language": "python", "name": KERNEL_NAME}
#: The notebooks ``make figures`` runs, in name order: ``00-overview.ipynb``, ``01-corpus.ipynb``, …
NOTEBOOK_GLOB = "[0-9][0-9]-*.ipynb"
#: Seconds one cell may run before the run fails.
CELL_TIMEOUT = 1800

#: Output that must never reach a notebook: jieba's start-up log (it varies every run; silence it in
#: the toolkit with ``jieba.setLogLevel(logging.WARNING)`` before the first jieba call), and
#: matplotlib's warning that a glyph is missing from the font (Chinese drawn as boxes).
FORBIDDEN_OUTPUT = re.compile(
    r"Building prefix dict|Loading model from cache|Loading model cost|Prefix dict has been built"
    r"|Glyph \d+ .*missing from (current )?font"
)
#: The kernel's own log stays out of the terminal: at WARNING it says, for every notebook, that it
#: runs "over TCP without encryption" (a local kernel on the loopback address, nothing a user can act
#: on), and at ERROR "KeyboardInterrupt caught in kernel" when the runner stops it (jupyter_client
#: interrupts a kernel before shutting it down). A failing cell still fails the run with its
#: traceback (papermill reads the outputs, not this log), and a dead kernel is still an error.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]
#: Cell metadata that changes every run: papermill's start/end/duration and nbclient's timings.
VOLATILE_CELL_METADATA = ("papermill", "execution")


class NotebookError(RuntimeError):
    """A notebook could not be run, or failed."""


@dataclass(frozen=True)
class Parameters:
    """What a notebook's ``parameters`` cell (``CORPUS``, ``FIGURES``) resolves to."""

    corpus: Path  #: a folder of reports, or one file (a table, an archive, a PDF …)
    figures: Path  #: where :func:`toolkit.plotting.savefig` should write
    name: str  #: ``raw`` for the project's corpus, else the corpus folder's name (``+<themes file stem>``)
    themes: Path | None = None  #: a researcher's own themes file, merged with the project lexicon

    @property
    def is_default(self) -> bool:
        """The project's corpus, figures and lexicon: the run whose outputs are committed."""
        return self.corpus == paths.RAW_DIR and self.figures == paths.FIGURES_DIR and self.themes is None


def resolve_parameters(corpus: str | Path | None = None, figures: str | Path | None = None,
                       themes: str | Path | None = None) -> Parameters:
    """Resolve a notebook's parameters; notebooks call it right after their ``parameters`` cell.

    ``corpus=None`` is the project's ``data/raw``. ``figures=None`` is ``figures/`` for that corpus,
    ``figures/<name>/`` for a shared corpus whose figures are committed (:data:`toolkit.paths.SHARED_CORPORA`
    in ``../shared/corpora``), and ``build/figures/<corpus folder name>/`` for any other (git-ignored: a
    researcher's own corpus never leaves untracked files in the project). ``themes``: a researcher's own
    themes file (the project lexicon's TOML form), merged with the project lexicon by the notebooks that
    use themes (``load_lexicon(themes=params.themes)``); it is read and checked here, so a bad file fails
    first, in one line. With ``themes``, the default figures go to
    ``build/figures/<corpus name>+<themes file stem>/``. Relative paths are taken from the project root.
    """
    corpus_dir = paths.RAW_DIR if corpus is None else _absolute(corpus)
    if not corpus_dir.exists():
        raise FileNotFoundError(f"corpus not found: {corpus_dir} (a folder of reports, or one file: a table, "
                                f"an archive, a PDF …)")
    own = corpus_dir == paths.RAW_DIR
    name = "raw" if own else (corpus_dir.name if corpus_dir.is_dir() else corpus_dir.stem)
    shared = is_shared_corpus(corpus_dir)
    themes_file = None
    if themes is not None:
        from .themes import load_lexicon

        themes_file = _absolute(themes)
        load_lexicon(themes=themes_file)  # a LexiconError names the file and the reason
        name, own, shared = f"{name}+{themes_file.stem}", False, False
    if figures is not None:
        figures_dir = _absolute(figures)
    elif own:
        figures_dir = paths.FIGURES_DIR
    else:
        figures_dir = (paths.FIGURES_DIR if shared else paths.BUILD_FIGURES_DIR) / name
    return Parameters(corpus_dir, figures_dir, name, themes_file)


def is_shared_corpus(corpus: Path) -> bool:
    """Whether ``corpus`` is one of the shared corpora whose figures are committed
    (:data:`toolkit.paths.SHARED_CORPORA`, found in ``../shared/corpora``)."""
    corpus = Path(corpus).resolve()
    return corpus.parent == paths.SHARED_CORPORA_DIR.resolve() and corpus.name in paths.SHARED_CORPORA


def _absolute(path: str | Path) -> Path:
    path = Path(path).expanduser()
    return (path if path.is_absolute() else paths.PROJECT_ROOT / path).resolve()


def notebooks(directory: Path = paths.NOTEBOOKS_DIR) -> list[Path]:
    """The numbered notebooks, in the order they run."""
    return sorted(directory.glob(NOTEBOOK_GLOB))


def check_kernel() -> None:
    """Fail unless the ``toolkit`` kernel exists and runs this environment's Python."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        raise NotebookError(
            f"no Jupyter kernel named {KERNEL_NAME!r}: run `make venv`, or "
            f"`{sys.executable} -m ipykernel install --sys-prefix --name {KERNEL_NAME}`"
        ) from None
    python = Path(spec.argv[0])
    if python.is_absolute() and python.parent.parent != Path(sys.prefix):
        raise NotebookError(
            f"the {KERNEL_NAME!r} kernel ({spec.resource_dir}) runs {python}, not this environment "
            f"({sys.prefix}): remove that kernel or reinstall it with --sys-prefix from here"
        )


#: The output type of an ipywidgets view: saved, it points at a model that no longer exists.
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def clean_notebook(nb) -> None:
    """Remove, in place, what varies between two runs of the same notebook."""
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)  # ipywidgets' saved state: random model ids, and stale without a kernel
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    for cell in nb.cells:
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = _merged_streams(cell.outputs)
            for output in cell.outputs:  # a widget's view (a random model id) goes; its static HTML stays
                output.get("data", {}).pop(WIDGET_VIEW, None)
        if cell.metadata.get("tags") == []:  # papermill adds an empty list to every cell
            del cell.metadata["tags"]
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"  # papermill gives it a random id


def _merged_streams(outputs: list) -> list:
    """Join consecutive stdout (or stderr) outputs: how the kernel cut a cell's printing into
    messages depends on timing, and must not change the saved notebook."""
    merged: list = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (output.get("output_type") == "stream" and previous is not None
                and previous.get("output_type") == "stream" and previous.get("name") == output.get("name")):
            text = output["text"] if isinstance(output["text"], str) else "".join(output["text"])
            previous["text"] = ("".join(previous["text"]) if not isinstance(previous["text"], str)
                                else previous["text"]) + text
        else:
            merged.append(output)
    return merged


def forbidden_output(nb) -> list[str]:
    """The lines of ``nb``'s outputs that must not be there (see :data:`FORBIDDEN_OUTPUT`)."""
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            text = output.get("text", "")
            if not isinstance(text, str):
                text = "".join(text)
            found += [line for line in text.splitlines() if FORBIDDEN_OUTPUT.search(line)]
    return found


def write_if_changed(nb, path: Path) -> bool:
    """Write ``nb`` to ``path`` as Jupyter does, unless the file already holds exactly that."""
    import nbformat

    text = nbformat.writes(nb)
    if not text.endswith("\n"):
        text += "\n"
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def _has_parameters_cell(nb) -> bool:
    return any("parameters" in cell.metadata.get("tags", []) for cell in nb.cells)


def execute(notebook: Path, parameters: Parameters | None = None) -> Path:
    """Execute one notebook; return the path of the executed, cleaned copy.

    With the default parameters (the project's corpus and figures) the outputs go back into
    ``notebook``; otherwise ``CORPUS`` and ``FIGURES`` are injected and the copy goes to
    ``build/notebooks/<parameters.name>/``.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    notebook = Path(notebook).resolve()
    parameters = parameters or resolve_parameters()
    scratch = paths.BUILD_DIR / "papermill" / parameters.name / notebook.name
    if parameters.is_default:
        injected, target = {}, notebook
    else:
        if not _has_parameters_cell(nbformat.read(notebook, as_version=4)):
            raise NotebookError(f"{notebook.name} has no cell tagged 'parameters' (CORPUS = None, FIGURES = None)")
        injected = {"CORPUS": str(parameters.corpus), "FIGURES": str(parameters.figures)}
        if parameters.themes is not None:
            injected["THEMES"] = str(parameters.themes)
        target = paths.BUILD_DIR / "notebooks" / parameters.name / notebook.name
    scratch.parent.mkdir(parents=True, exist_ok=True)
    try:
        nb = papermill.execute_notebook(
            notebook,
            scratch,
            parameters=injected,
            kernel_name=KERNEL_NAME,
            cwd=notebook.parent,
            progress_bar=False,
            execution_timeout=CELL_TIMEOUT,
            extra_arguments=list(KERNEL_ARGUMENTS),
        )
    except PapermillExecutionError as error:
        raise NotebookError(f"{notebook.name} failed; the executed copy is {scratch}{error}") from None
    leaked = forbidden_output(nb)
    if leaked:
        raise NotebookError(
            f"{notebook.name}: forbidden output reached the notebook ({leaked[0]!r}): jieba's log (call "
            "jieba.setLogLevel(logging.WARNING) in the toolkit before jieba loads its dictionary) or a "
            "missing glyph (draw with toolkit.plotting.subplots or use_cjk_font)"
        )
    clean_notebook(nb)
    write_if_changed(nb, target)
    return target


#: How a notebook flags what a reader of the run should know (nothing to show, reports left out): a line
#: of its output that starts with this, which :func:`run` lists at the end of the run.
NOTE_PREFIX = "note: "


def note(message: str) -> None:
    """Say, in a notebook's output, something the run's summary should list (:func:`run`): a figure that
    was not drawn and why, reports left out of an analysis."""
    print(f"{NOTE_PREFIX}{message}")


def notes_of(notebook: Path) -> list[str]:
    """The :func:`note` lines of an executed notebook, in order."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    lines = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                lines += [line[len(NOTE_PREFIX):] for line in output.get("text", "").splitlines()
                          if line.startswith(NOTE_PREFIX)]
    return lines


def run(
    corpus: str | Path | None = None,
    figures: str | Path | None = None,
    names: list[str] | None = None,
    themes: str | Path | None = None,
) -> list[Path]:
    """Execute the numbered notebooks (or those whose names start with one of ``names``) in order."""
    selected = notebooks()
    if names:
        selected = [nb for nb in selected if any(nb.name.startswith(name) for name in names)]
    if not selected:
        raise NotebookError(f"no notebook matches {paths.NOTEBOOKS_DIR / NOTEBOOK_GLOB} {names or ''}")
    check_kernel()
    parameters = resolve_parameters(corpus, figures, themes)
    readable = preflight(parameters.corpus)
    print(f"Running {len(selected)} notebook(s) on {parameters.corpus} ({readable}), figures to {parameters.figures}",
          flush=True)
    if not parameters.is_default and parameters.figures.is_relative_to(paths.FIGURES_DIR):
        print("  (a shared corpus: its figures are committed, and CI checks them)", flush=True)
    written = []
    for number, notebook in enumerate(selected, 1):
        start = time.monotonic()
        target = execute(notebook, parameters)
        shown = target.relative_to(paths.PROJECT_ROOT)
        print(f"[{number}/{len(selected)}] {notebook.name} -> {shown} ({time.monotonic() - start:.1f} s)", flush=True)
        written.append(target)
    if not names:  # a partial run leaves the index of the full one
        index = write_figure_index(parameters, selected, readable)
        try:
            index = index.relative_to(paths.PROJECT_ROOT)
        except ValueError:
            pass
        print(f"wrote {index}", flush=True)
    print(f"Notebooks on {parameters.name}:", flush=True)
    for notebook, target in zip(selected, written):  # one line each: ran, or ran with what its notes say
        said = notes_of(target)
        print(f"  {notebook.stem}: " + (f"ran with {len(said)} note{'s' if len(said) != 1 else ''}: "
                                        + " | ".join(said) if said else "ran"), flush=True)
    return written


def preflight(corpus: Path) -> str:
    """Read the corpus once before any notebook runs; raise a one-line :class:`NotebookError` when no
    report can be read (saying what was found and why none of it was readable), instead of letting the
    notebooks fail deep inside. Returns a summary ("143 reports, 2 unreadable"). What it reads is stored
    (:mod:`toolkit.pipeline`): the notebooks read it back instead of reading the files again."""
    from .errors import ReportError
    from .pipeline import Spine
    from .readers import passed_over

    spine = Spine(corpus, skip_bad=True)
    try:
        errors = spine.errors(segmented=False)
        reports = spine.described()
    except ReportError as error:
        raise NotebookError(str(error)) from None
    if reports.empty:
        first = f"; the first: {errors[0]}" if errors else ""
        raise NotebookError(f"{corpus}: no report could be read ({len(errors)} unreadable{first})")
    passed = sum(len(passed_over(str(n or "").split("; "))) for n in reports["notes"])
    return (f"{len(reports)} report{'' if len(reports) == 1 else 's'}"
            + (f", {len(errors)} unreadable (listed in 01-corpus)" if errors else "")
            + (f", {passed} old .doc/.wps passed over for the converted file of the same name beside each"
               if passed else ""))


def corpus_fingerprint(corpus: Path) -> tuple[str, str]:
    """(what was hashed, its sha256) for a corpus: a file's bytes; a folder's manifest (``manifest.csv``
    or ``MANIFEST.tsv``) where it has one, else the relative names and contents of its report files."""
    import hashlib

    from .errors import ReportError
    from .readers import discover, read_bytes

    if corpus.is_file():
        return corpus.name, hashlib.sha256(corpus.read_bytes()).hexdigest()
    for name in ("manifest.csv", "MANIFEST.tsv"):
        manifest = corpus / name
        if manifest.is_file():
            return name, hashlib.sha256(manifest.read_bytes()).hexdigest()
    digest = hashlib.sha256()
    found, _ = discover(corpus)
    user = corpus / "metadata.csv"  # it changes labels and metadata, so it is part of the corpus
    for path in [f.path for f in found] + ([user] if user.is_file() else []):
        try:
            data = read_bytes(path, None)  # never blocks on a FIFO named like a report
        except ReportError:
            continue
        digest.update(path.relative_to(corpus).as_posix().encode() + b"\0" + hashlib.sha256(data).digest())
    return "report files", digest.hexdigest()


#: The figure index ``make figures`` writes in each figures folder.
INDEX = "INDEX.md"


def _git_commit() -> tuple[str, bool] | None:
    """(HEAD commit, whether the code or data differ from it), or None outside a git checkout."""
    import subprocess

    def git(*args) -> str:
        return subprocess.run(["git", "-C", str(paths.PROJECT_ROOT), *args], capture_output=True, text=True,
                              check=True, timeout=30).stdout.strip()

    try:
        head = git("rev-parse", "HEAD")
        changed = git("status", "--porcelain", "--untracked-files=no", "--", "toolkit", "notebooks", "data",
                      "pyproject.toml", "requirements.lock")
    except (OSError, subprocess.SubprocessError):
        return None
    return head, bool(changed)


def _notebook_question(notebook: Path) -> str:
    """The question a notebook answers: its title after "NN · Name: " (the first heading of its .py or .ipynb)."""
    source = notebook.with_suffix(".py")
    text = source.read_text(encoding="utf-8") if source.exists() else (
        notebook.read_text(encoding="utf-8") if notebook.exists() else "")
    found = re.search(r"#\s*\d\d\s*·[^:\n]*:\s*([^\n\\\"]+)", text)
    return found.group(1).strip() if found else ""


def _shown_corpus(corpus: Path) -> str:
    """How the figures' index names a corpus: a shared corpus as ``../shared/corpora/<name>`` wherever the
    shared folder really is (a symlink, ``TOOLKIT_SHARED``), so that its committed index does not change
    from one checkout to another; else relative to the project (or beside it), else as given."""
    if corpus.resolve().parent == paths.SHARED_CORPORA_DIR.resolve():
        return f"../shared/corpora/{corpus.resolve().name}"
    try:
        return corpus.relative_to(paths.PROJECT_ROOT).as_posix()
    except ValueError:
        try:
            return Path("..", corpus.relative_to(paths.PROJECT_ROOT.parent)).as_posix()
        except ValueError:
            return str(corpus)


def _figures_in(folder: Path) -> dict[str, list[str]]:
    """{figure name (``en/`` for a subfolder): [its page stems, or the name itself]} of the figures in
    ``folder`` and its immediate subfolders (not those holding another corpus's figures)."""
    from .plotting import FIGURE_FORMATS

    def own(sub: Path) -> bool:  # a subfolder such as en/, not the figures folder of another corpus
        return not ((sub / INDEX).exists() or (sub / "README.md").exists() or sub.name in paths.SHARED_CORPORA)

    stems = set()
    inside = [p for sub in folder.iterdir() if sub.is_dir() and own(sub) for p in sub.iterdir()]
    for path in list(folder.iterdir()) + inside:
        if path.is_file() and path.suffix.lstrip(".") in FIGURE_FORMATS:
            stems.add(path.relative_to(folder).with_suffix("").as_posix())
    figures: dict[str, list[str]] = {}
    for stem in sorted(stems):
        page = re.fullmatch(r"(.+)-(\d+)", stem)
        base = page.group(1) if page and page.group(1) not in stems else stem
        figures.setdefault(base, []).append(stem)
    for base, pages in figures.items():
        pages.sort(key=lambda s: int(s.rsplit("-", 1)[1]) if s != base else 0)
    return figures


def write_figure_index(parameters: Parameters, notebook_paths: list[Path] | None = None,
                       reports: str | None = None) -> Path:
    """Write ``INDEX.md`` in the figures folder: the exact corpus (its path, what was read and its sha256)
    and code (the commit) the figures were made from, so a researcher can cite them, then every figure
    (pages grouped, subfolders such as ``en/`` included) with the notebook that drew it (by its ``NN-``
    prefix), the question it answers, what it shows and its files. ``reports``: what the preflight read
    ("143 reports")."""
    from .plotting import FIGURE_FORMATS, FONT_IN_USE, caption_of

    folder = parameters.figures
    notebook_paths = notebook_paths or notebooks()
    by_number = {nb.name[:2]: nb for nb in notebook_paths}
    what, digest = corpus_fingerprint(parameters.corpus)
    source = _shown_corpus(parameters.corpus)
    try:
        shown_folder = folder.relative_to(paths.PROJECT_ROOT).as_posix()
        committed = folder == paths.FIGURES_DIR or folder.parent == paths.FIGURES_DIR
    except ValueError:
        shown_folder, committed = str(folder), False
    if committed:
        commit = (f"the commit that last changed a figure's file: `git log -1 --format='%H %cs' -- "
                  f"{shown_folder}/<figure>.png` (the figures are committed with the code that draws them, and CI "
                  f"checks that they are regenerated unchanged)")
    else:
        found = _git_commit()
        commit = ("not a git checkout" if found is None else
                  f"`{found[0]}`" + (" with uncommitted changes to the code or data" if found[1] else ""))
    version = versions().get(DISTRIBUTION, "?")
    executed = "`notebooks/`" if parameters.is_default else f"`build/notebooks/{parameters.name}/`"
    lines = [
        f"# Figures: {parameters.name if parameters.name != 'raw' else 'the seed reports (data/raw)'}",
        "",
        "Written by `make figures` (this file too: do not edit it by hand).",
        "",
        f"- **Corpus**: `{source}`" + (f" ({reports})" if reports else "") + f", {what} sha256 `{digest}`.",
        f"- **Code**: gov-report-toolkit {version}, {commit}.",
        f"- **Notebooks**: executed copies in {executed}" + (f"; themes merged from `{parameters.themes.name}`"
                                                            if parameters.themes else "") + ".",
        f"- **Files**: PNG at 300 dpi and PDF (vector, fonts embedded), sized for a journal page (8.5 or 17.5 cm "
        f"wide); font {FONT_IN_USE or 'Noto Sans CJK SC'}.",
        "",
        "To cite a figure: its file name, the corpus above (name and sha256) and the commit.",
        "",
        "| figure | notebook | question it answers | what it shows | files |",
        "|---|---|---|---|---|",
    ]
    for base, stems in _figures_in(folder).items():
        first = folder / f"{stems[0]}.png"
        caption = caption_of(first, "Description") if first.exists() else ""
        question = caption_of(first, "Question") if first.exists() else ""
        caption = re.sub(r" \(page 1 of \d+\)$", "", caption)
        number = Path(base).name[:2]
        notebook = by_number.get(number)
        question = question or (_notebook_question(notebook) if notebook else "")
        formats = [fmt for fmt in FIGURE_FORMATS if (folder / f"{stems[0]}.{fmt}").exists()]
        name = f"`{base}`" if stems == [base] else f"`{stems[0]}` … `{stems[-1]}` ({len(stems)} pages)"
        lines.append(f"| {name} | {notebook.stem if notebook else '?'} | {question} | {caption} | "
                     f"{', '.join(formats)} |")
    index = folder / INDEX
    text = "\n".join(lines) + "\n"
    if not index.exists() or index.read_text(encoding="utf-8") != text:
        index.write_text(text, encoding="utf-8")
    old = folder / "README.md"  # the index's former name
    if old.exists() and old.read_text(encoding="utf-8").startswith("# Figures\n\nWritten by `make figures`"):
        old.unlink()
    return index


def _project_table() -> dict:
    pyproject = paths.PROJECT_ROOT / "pyproject.toml"
    if pyproject.exists():
        return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    return {}


def direct_dependencies() -> list[str]:
    """Names of the toolkit's direct dependencies, as pyproject.toml (or the installed metadata) lists them."""
    project = _project_table()
    requirements = project.get("dependencies") or metadata.requires(DISTRIBUTION) or []
    return sorted({Requirement(line).name for line in requirements}, key=str.lower)


def versions() -> dict[str, str]:
    """Python (major.minor), the toolkit and each direct dependency, with the version installed.

    Stable from machine to machine with the same lock (the Python patch level is left out), so a
    notebook can print it and still pass nbval.
    """
    try:
        toolkit_version = metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        toolkit_version = _project_table().get("version", "not installed")
    found = {"python": f"{sys.version_info.major}.{sys.version_info.minor}", DISTRIBUTION: toolkit_version}
    for name in direct_dependencies():
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def make_figures(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m toolkit.notebook_runner",
        description="Execute notebooks/NN-*.ipynb in order (what `make figures` runs).",
    )
    parser.add_argument("names", nargs="*", help="run only the notebooks whose names start with these (e.g. 01)")
    parser.add_argument("--corpus", help="a folder of reports or one file (a table, an archive, a PDF …; default: "
                                            "data/raw); copies go to build/notebooks/")
    parser.add_argument("--figures", help="folder for the figures (default: figures/ or figures/<corpus name>/)")
    parser.add_argument("--themes", help="your own themes file (TOML, the form of data/lexicon/themes.toml), "
                                         "merged with the project lexicon")
    args = parser.parse_args(argv)
    # no progress bars in the notebooks' outputs: the same run writes the same notebooks
    os.environ.setdefault("TOOLKIT_PROGRESS", "0")
    try:
        run(args.corpus, args.figures, args.names, args.themes)
    except (NotebookError, FileNotFoundError, ValueError) as error:
        print(f"notebook_runner: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(make_figures())
