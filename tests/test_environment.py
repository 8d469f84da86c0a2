"""The environment is reproducible: pyproject.toml, requirements.lock and environment.yml agree, the
installed versions are the locked ones, and the committed notebooks are what `make figures` writes
(paired, executed in order, in the toolkit kernel, nothing volatile in them)."""
from __future__ import annotations

import ast
import json
import re
import sys
import tomllib
from importlib import metadata

import jupytext
import nbformat
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from toolkit import notebook_runner, paths

ROOT = paths.PROJECT_ROOT
PYPROJECT = ROOT / "pyproject.toml"
LOCK = ROOT / "requirements.lock"
ENVIRONMENT = ROOT / "environment.yml"
CITATION = ROOT / "CITATION.cff"
#: environment.yml entries that are not toolkit dependencies.
CONDA_TOOLING = {"python", "pip"}


# --- parsing ------------------------------------------------------------------------------------------

def pyproject_requirements(text: str) -> dict[str, Requirement]:
    project = tomllib.loads(text)["project"]
    return {canonicalize_name(Requirement(line).name): Requirement(line) for line in project["dependencies"]}


def lock_pins(text: str) -> dict[str, str]:
    pins = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line)
        if not match:
            raise ValueError(f"requirements.lock line {number} is not an exact pin 'name==version': {raw!r}")
        pins[canonicalize_name(match[1])] = match[2]
    return pins


def environment_pins(text: str) -> dict[str, str | None]:
    """conda and pip dependencies of environment.yml, name → version (None when unpinned)."""
    pins: dict[str, str | None] = {}
    for entry in yaml.safe_load(text)["dependencies"]:
        if isinstance(entry, dict):  # the pip: section
            for line in entry.get("pip", []):
                if line.startswith("-"):  # -e . (the toolkit itself), options
                    continue
                requirement = Requirement(line)
                versions = [spec.version for spec in requirement.specifier if spec.operator == "=="]
                pins[canonicalize_name(requirement.name)] = versions[0] if versions else None
            continue
        name, _, version = str(entry).partition("=")
        pins[canonicalize_name(name.strip())] = version.lstrip("=").strip() or None
    return pins


def disagreements(pyproject_text: str, lock_text: str, environment_text: str) -> list[str]:
    """Every way the three files disagree about the direct dependencies; empty when they agree."""
    direct = pyproject_requirements(pyproject_text)
    locked = lock_pins(lock_text)
    conda = {name: version for name, version in environment_pins(environment_text).items()
             if name not in CONDA_TOOLING}
    problems = []
    for name in sorted(direct.keys() - conda.keys()):
        problems.append(f"{name}: in pyproject.toml, missing from environment.yml")
    for name in sorted(conda.keys() - direct.keys()):
        problems.append(f"{name}: in environment.yml, missing from pyproject.toml")
    for name, requirement in sorted(direct.items()):
        if name not in locked:
            problems.append(f"{name}: not pinned in requirements.lock")
            continue
        if not requirement.specifier.contains(Version(locked[name]), prereleases=True):
            problems.append(f"{name}: locked {locked[name]} is outside pyproject.toml's {requirement.specifier}")
        if name in conda and conda[name] != locked[name]:
            problems.append(f"{name}: environment.yml has {conda[name]}, requirements.lock has {locked[name]}")
    if "gov-report-toolkit" in locked:
        problems.append("gov-report-toolkit: the package itself must not be in requirements.lock")
    return problems


# --- the three files agree ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def texts() -> tuple[str, str, str]:
    return tuple(path.read_text(encoding="utf-8") for path in (PYPROJECT, LOCK, ENVIRONMENT))


def test_pyproject_lock_and_environment_agree(texts):
    assert disagreements(*texts) == []


def test_the_required_libraries_are_direct_dependencies(texts):
    direct = pyproject_requirements(texts[0])
    required = {"jupyterlab", "pandas", "matplotlib", "jieba", "scikit-learn", "nbval", "papermill",
                "jupytext", "ipykernel", "pytest", "noto-cjk-sans-otc", "scipy", "pyahocorasick"}
    assert required <= direct.keys()


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("environment", "pandas=3", "pandas=2", "pandas: environment.yml has 2"),
        ("environment", "  - scipy=", "  - not-a-dependency=1.0\n  - scipy=", "not-a-dependency: in environment.yml"),
        ("environment", "  - jieba=0.42.1\n", "", "jieba: in pyproject.toml, missing from environment.yml"),
        ("environment", "noto-cjk-sans-otc==0.0.1", "noto-cjk-sans-otc==0.0.2", "noto-cjk-sans-otc: environment.yml"),
        ("lock", "\nnbval==", "\nnbval-renamed==", "nbval: not pinned in requirements.lock"),
        ("lock", "\npandas==3", "\npandas==1", "pandas: locked 1"),
        ("lock", "\nscipy==", "\ngov-report-toolkit==0.1.0\nscipy==", "the package itself"),
        ("pyproject", '"pandas>=', '"pandas<2,>=', "pandas: locked"),
        ("pyproject", '    "scipy>=1.17",\n', '    "scipy>=1.17",\n    "seaborn>=0.13",\n', "seaborn: in pyproject.toml"),
    ],
)
def test_the_check_fails_when_a_file_drifts(texts, file, old, new, expected):
    index = {"pyproject": 0, "lock": 1, "environment": 2}[file]
    assert old in texts[index], f"the mutation no longer applies to {file}: update this test"
    changed = list(texts)
    changed[index] = texts[index].replace(old, new, 1)
    assert any(expected in problem for problem in disagreements(*changed)), disagreements(*changed)


def test_a_range_in_the_lock_is_rejected():
    with pytest.raises(ValueError, match="exact pin"):
        lock_pins("pandas>=3\n")


def test_installed_direct_dependencies_are_the_locked_versions(texts):
    locked = lock_pins(texts[1])
    installed = {name: metadata.version(name) for name in pyproject_requirements(texts[0])}
    stale = {name: (version, locked[name]) for name, version in installed.items() if version != locked[name]}
    assert not stale, f"installed ≠ locked (run `make venv`): {stale}"


def test_versions_lists_python_the_toolkit_and_every_direct_dependency(texts):
    found = notebook_runner.versions()
    assert list(found)[:2] == ["python", "gov-report-toolkit"]
    assert found["python"] == f"{sys.version_info.major}.{sys.version_info.minor}"
    assert {canonicalize_name(name) for name in list(found)[2:]} == pyproject_requirements(texts[0]).keys()
    locked = lock_pins(texts[1])
    assert all(found[name] == locked[canonicalize_name(name)] for name in list(found)[2:])


def test_citation_names_the_same_version_as_pyproject():
    citation = yaml.safe_load(CITATION.read_text(encoding="utf-8"))
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    assert citation["title"] == project["name"] == "gov-report-toolkit"
    assert str(citation["version"]) == project["version"]
    assert citation["type"] == "software"
    import toolkit

    assert getattr(toolkit, "__version__", project["version"]) == project["version"]


# --- the runner -------------------------------------------------------------------------------------------

def test_parameters_default_to_the_project_corpus_and_figures():
    default = notebook_runner.resolve_parameters()
    assert (default.corpus, default.figures, default.name) == (paths.RAW_DIR, paths.FIGURES_DIR, "raw")
    assert default.is_default


def test_another_corpus_gets_its_own_figures_folder(tmp_path):
    corpus = tmp_path / "municipal-2024"
    corpus.mkdir()
    other = notebook_runner.resolve_parameters(str(corpus))
    assert other.figures == paths.BUILD_FIGURES_DIR / "municipal-2024"  # not the shared corpus of that name
    assert other.name == "municipal-2024" and not other.is_default
    assert notebook_runner.resolve_parameters(corpus, tmp_path / "out").figures == tmp_path / "out"
    with pytest.raises(FileNotFoundError):
        notebook_runner.resolve_parameters(tmp_path / "missing")


def test_clean_removes_what_varies_between_runs():
    nb = nbformat.v4.new_notebook(metadata={"papermill": {"duration": 1.5}})
    cell = nbformat.v4.new_code_cell("1", metadata={
        "papermill": {"start_time": "2024-01-01T00:00:00"}, "execution": {"iopub.status.busy": "x"}, "tags": []})
    nb.cells.append(cell)
    notebook_runner.clean_notebook(nb)
    assert "papermill" not in nb.metadata
    assert nb.metadata["kernelspec"]["name"] == "toolkit"
    assert cell.metadata == {}


def test_jieba_log_lines_are_caught():
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
        "stream", name="stderr", text="Building prefix dict from the default dictionary ...\nLoading model cost 0.61 seconds.\n")]))
    assert len(notebook_runner.forbidden_output(nb)) == 2


def test_stream_outputs_cut_differently_are_saved_the_same():
    def notebook(*chunks):
        nb = nbformat.v4.new_notebook()
        nb.cells.append(nbformat.v4.new_code_cell("x", outputs=[
            nbformat.v4.new_output("stream", name="stdout", text=chunk) for chunk in chunks]))
        notebook_runner.clean_notebook(nb)
        return nb.cells[0].outputs

    assert notebook("a\n", "b\n") == notebook("a", "\nb\n") == notebook("a\nb\n")


def test_missing_glyph_warnings_are_caught():
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
        "stream", name="stderr", text="UserWarning: Glyph 25968 (\\N{CJK UNIFIED IDEOGRAPH-6570}) missing from font(s) DejaVu Sans.\n")]))
    assert len(notebook_runner.forbidden_output(nb)) == 1


# --- the committed notebooks ------------------------------------------------------------------------------

NOTEBOOKS = notebook_runner.notebooks()


def test_there_are_notebooks_and_each_has_its_py_percent_pair():
    assert NOTEBOOKS, "no notebooks/NN-*.ipynb"
    names = {path.stem for path in NOTEBOOKS}
    texts = {path.stem for path in paths.NOTEBOOKS_DIR.glob("[0-9][0-9]-*.py")}
    assert names == texts, "every notebook is an .ipynb + .py pair: run `make sync`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_is_committed_as_make_figures_writes_it(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.get("kernelspec", {}).get("name") == notebook_runner.KERNEL_NAME
    assert "papermill" not in nb.metadata
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1)), (
        "not executed top to bottom: run `make figures`")
    for cell in nb.cells:
        assert not set(cell.metadata) & set(notebook_runner.VOLATILE_CELL_METADATA), cell.metadata
        tags = cell.metadata.get("tags", [])
        assert not any(tag.startswith(("nbval-skip", "raises-exception")) for tag in tags), "no notebook cell is skipped"
        assert "NBVAL_SKIP" not in cell.source and "NBVAL_IGNORE_OUTPUT" not in cell.source
        assert not [output for output in cell.get("outputs", []) if output.output_type == "error"]
    assert notebook_runner.forbidden_output(nb) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_has_the_parameters_cell(path):
    nb = nbformat.read(path, as_version=4)
    cells = [cell for cell in nb.cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(cells) == 1, "one cell tagged 'parameters'"
    assigned = {node.targets[0].id: ast.literal_eval(node.value)
                for node in ast.parse(cells[0].source).body if isinstance(node, ast.Assign)}
    source = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")
    if "load_lexicon(" in source:  # a notebook that uses themes takes the researcher's own (THEMES=)
        assert assigned == {"CORPUS": None, "FIGURES": None, "THEMES": None}
        assert "load_lexicon(themes=params.themes)" in source and "resolve_parameters(CORPUS, FIGURES, THEMES)" in source
    else:
        assert assigned == {"CORPUS": None, "FIGURES": None}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_defines_no_helpers(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        defined = [node.name for node in ast.walk(ast.parse(source))
                   if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        assert not defined, f"{path.name} defines {defined}: that logic belongs in the toolkit package"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_and_its_py_file_hold_the_same_cells(path):
    pair = path.with_suffix(".py")
    assert pair.exists(), f"{pair.name} is missing: run `make sync`"
    ipynb, text = jupytext.read(path), jupytext.read(pair)
    assert [(c.cell_type, c.source) for c in ipynb.cells] == [(c.cell_type, c.source) for c in text.cells], (
        f"{path.name} and {pair.name} differ: run `make sync` (the newer file wins)")


def test_executed_notebooks_hold_no_absolute_paths_of_this_machine():
    for path in NOTEBOOKS:
        outputs = json.dumps([cell.get("outputs", []) for cell in nbformat.read(path, as_version=4).cells],
                             ensure_ascii=False)
        assert str(ROOT) not in outputs, f"{path.name} prints a path of this checkout: print it relative"
