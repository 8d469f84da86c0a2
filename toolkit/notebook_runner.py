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
BUILD_DIR = paths.PROJECT_ROOT / "build"
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

    ``corpus=None`` is the project's ``data/raw``; ``figures=None`` is ``figures/`` for that corpus and
    ``figures/<corpus folder name>/`` for any other. ``themes``: a researcher's own themes file (the
    project lexicon's TOML form), merged with the project lexicon by the notebooks that use themes
    (``load_lexicon(themes=params.themes)``); it is read and checked here, so a bad file fails first, in
    one line. With ``themes``, the default figures go to ``figures/<corpus name>+<themes file stem>/``.
    Relative paths are taken from the project root.
    """
    corpus_dir = paths.RAW_DIR if corpus is None else _absolute(corpus)
    if not corpus_dir.exists():
        raise FileNotFoundError(f"corpus not found: {corpus_dir} (a folder of reports, or one file: a table, "
                                f"an archive, a PDF …)")
    own = corpus_dir == paths.RAW_DIR
    name = "raw" if own else (corpus_dir.name if corpus_dir.is_dir() else corpus_dir.stem)
    themes_file = None
    if themes is not None:
        from .themes import load_lexicon

        themes_file = _absolute(themes)
        load_lexicon(themes=themes_file)  # a LexiconError names the file and the reason
        name, own = f"{name}+{themes_file.stem}", False
    if figures is not None:
        figures_dir = _absolute(figures)
    else:
        figures_dir = paths.FIGURES_DIR if own else paths.FIGURES_DIR / name
    return Parameters(corpus_dir, figures_dir, name, themes_file)


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
    scratch = BUILD_DIR / "papermill" / parameters.name / notebook.name
    if parameters.is_default:
        injected, target = {}, notebook
    else:
        if not _has_parameters_cell(nbformat.read(notebook, as_version=4)):
            raise NotebookError(f"{notebook.name} has no cell tagged 'parameters' (CORPUS = None, FIGURES = None)")
        injected = {"CORPUS": str(parameters.corpus), "FIGURES": str(parameters.figures)}
        if parameters.themes is not None:
            injected["THEMES"] = str(parameters.themes)
        target = BUILD_DIR / "notebooks" / parameters.name / notebook.name
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
    written = []
    for number, notebook in enumerate(selected, 1):
        start = time.monotonic()
        target = execute(notebook, parameters)
        shown = target.relative_to(paths.PROJECT_ROOT)
        print(f"[{number}/{len(selected)}] {notebook.name} -> {shown} ({time.monotonic() - start:.1f} s)", flush=True)
        written.append(target)
    if not names:  # a partial run leaves the index of the full one
        print(f"wrote {write_figure_index(parameters, selected).relative_to(paths.PROJECT_ROOT)}", flush=True)
    print(f"Notebooks on {parameters.name}:", flush=True)
    for notebook, target in zip(selected, written):  # one line each: ran, or ran with what its notes say
        said = notes_of(target)
        print(f"  {notebook.stem}: " + (f"ran with {len(said)} note{'s' if len(said) != 1 else ''}: "
                                        + " | ".join(said) if said else "ran"), flush=True)
    return written


def preflight(corpus: Path) -> str:
    """Read the corpus once before any notebook runs; raise a one-line :class:`NotebookError` when no
    report can be read (saying what was found and why none of it was readable), instead of letting the
    notebooks fail deep inside. Returns a summary ("143 reports, 2 unreadable")."""
    from .corpus import read_reports
    from .errors import ReportError
    from .readers import passed_over

    try:
        reports, errors = read_reports(corpus, skip_bad=True)
    except ReportError as error:
        raise NotebookError(str(error)) from None
    if not reports:
        first = f"; the first: {errors[0]}" if errors else ""
        raise NotebookError(f"{corpus}: no report could be read ({len(errors)} unreadable{first})")
    passed = sum(len(passed_over(r.notes)) for r in reports)
    return (f"{len(reports)} reports" + (f", {len(errors)} unreadable (listed in 01-corpus)" if errors else "")
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


def write_figure_index(parameters: Parameters, notebook_paths: list[Path] | None = None) -> Path:
    """Write ``README.md`` in the figures folder: every figure, the notebook that drew it (by its
    ``NN-`` prefix), its caption and the hash of the corpus manifest it was made from."""
    from .plotting import FIGURE_FORMATS, caption_of

    folder = parameters.figures
    by_number = {nb.name[:2]: nb.stem for nb in (notebook_paths or notebooks())}
    what, digest = corpus_fingerprint(parameters.corpus)
    try:
        source = parameters.corpus.relative_to(paths.PROJECT_ROOT)
    except ValueError:
        source = parameters.corpus.name
    lines = [
        "# Figures",
        "",
        "Written by `make figures` (this file too: do not edit it by hand). Corpus: "
        f"`{source}`, {what} sha256 `{digest}`.",
        "",
        "| figure | formats | notebook | caption | corpus sha256 |",
        "|---|---|---|---|---|",
    ]
    stems = sorted({p.stem for p in folder.iterdir() if p.suffix.lstrip(".") in FIGURE_FORMATS})
    for stem in stems:
        formats = [fmt for fmt in FIGURE_FORMATS if (folder / f"{stem}.{fmt}").exists()]
        png = folder / f"{stem}.png"
        caption = caption_of(png) if png.exists() else ""
        notebook = by_number.get(stem[:2], "?")
        lines.append(f"| `{stem}` | {', '.join(formats)} | {notebook} | {caption} | `{digest[:12]}` |")
    index = folder / "README.md"
    text = "\n".join(lines) + "\n"
    if not index.exists() or index.read_text(encoding="utf-8") != text:
        index.write_text(text, encoding="utf-8")
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
    try:
        run(args.corpus, args.figures, args.names, args.themes)
    except (NotebookError, FileNotFoundError, ValueError) as error:
        print(f"notebook_runner: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(make_figures())
