"""The shape of the package, read from its source (ast, nothing imported): no module imports a sibling
that imports it back, directly or round a longer loop; and no public name (module-level function, class
or constant without a leading underscore) is defined in two modules, so ``prevalence`` or ``Lexicon``
means one thing wherever it is imported from; and the README's module map (Layout) draws every module
with the siblings it imports."""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from toolkit import paths

PACKAGE = paths.PACKAGE_DIR

#: Names several modules may each define, and why. Only a protocol: the reader of each format module
#: (toolkit/readers/txt.py, pdf.py …) is its ``read``, which the registry in toolkit/readers/__init__.py
#: maps a suffix to (DESIGN.md: "each a function read(...) registered by suffix"); nobody imports a
#: ``read`` by name.
SHARED_NAMES = {"read": "toolkit.readers."}


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def node(module: str) -> str:
    """A module of the package, or its subpackage as one (``toolkit.readers``: the registry and its format
    modules import one another by design, and no module outside sees them apart)."""
    return ".".join(module.split(".")[:2]) if len(module.split(".")) > 2 else module


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Module → the sibling modules it imports, anywhere in it (a function's lazy import counts too)."""
    files = {module_name(f, root): f for f in sorted(root.rglob("*.py"))}
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for item in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets = []
            if isinstance(item, ast.Import):
                targets = [a.name for a in item.names]
            elif isinstance(item, ast.ImportFrom):
                if item.level:
                    base = package.split(".")[:len(package.split(".")) - (item.level - 1)]
                    module = ".".join(base + ([item.module] if item.module else []))
                else:
                    module = item.module or ""
                targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in files else module for a in item.names]
            for target in targets:
                if target.split(".")[0] == root.name and node(target) != node(name):
                    graph[node(name)].add(node(target))
    return dict(graph)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One shortest loop (``[a, b, a]``) for each group of modules that import one another round a loop."""
    found, seen = [], set()
    for start in sorted(graph):
        if start in seen:
            continue
        paths_ = {start: [start]}  # breadth first: the shortest way back to start
        queue = [start]
        loop = None
        while queue and loop is None:
            here = queue.pop(0)
            for nxt in sorted(graph.get(here, ())):
                if nxt == start:
                    loop = paths_[here] + [start]
                    break
                if nxt not in paths_:
                    paths_[nxt] = paths_[here] + [nxt]
                    queue.append(nxt)
        if loop:
            seen.update(loop)
            found.append(loop)
    return found


def public_definitions(root: Path = PACKAGE) -> dict[str, list[str]]:
    """Public name → the modules that define it (def, class, or assignment at module level, also inside a
    module-level ``if``/``try``). Imports are not definitions: a name imported from its one home is fine."""
    defined = defaultdict(list)
    for path in sorted(root.rglob("*.py")):
        module = module_name(path, root)
        body = list(ast.parse(path.read_text(encoding="utf-8"), str(path)).body)
        while body:
            item = body.pop(0)
            names = []
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names = [item.name]
            elif isinstance(item, ast.Assign):
                names = [n.id for t in item.targets for n in ast.walk(t) if isinstance(n, ast.Name)]
            elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                names = [item.target.id]
            elif isinstance(item, (ast.If, ast.Try)):
                body[:0] = [*item.body, *getattr(item, "orelse", []), *getattr(item, "finalbody", []),
                            *(s for h in getattr(item, "handlers", []) for s in h.body)]
            for name in names:
                if not name.startswith("_") and module not in defined[name]:
                    defined[name].append(module)
    return dict(defined)


def twins(definitions: dict[str, list[str]]) -> dict[str, list[str]]:
    """The names defined in more than one module, less :data:`SHARED_NAMES` where every module is of the
    protocol's subpackage."""
    return {name: modules for name, modules in sorted(definitions.items()) if len(modules) > 1
            and not (name in SHARED_NAMES and all(m.startswith(SHARED_NAMES[name]) for m in modules))}


def test_no_module_imports_a_sibling_that_imports_it_back():
    graph = import_graph()
    assert "toolkit.stats" in graph.get("toolkit.themes", ())  # the walk sees the package's imports
    found = cycles(graph)
    assert not found, "import cycles: " + "; ".join(" → ".join(loop) for loop in found)


def test_no_public_name_is_defined_in_two_modules():
    definitions = public_definitions()
    assert definitions["load_corpus"] == ["toolkit.pipeline"] and len(definitions) > 300
    found = twins(definitions)
    assert not found, "defined in several modules: " + "; ".join(f"{n} ({', '.join(m)})" for n, m in found.items())


def write_package(root: Path, modules: dict[str, str]) -> Path:
    package = root / "toolkit"
    for name, source in modules.items():
        path = package / f"{name.replace('.', '/')}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return package


def test_the_checks_find_a_loop_and_a_twin(tmp_path):
    """Both checks on a small package: a loop closed by a function's lazy import, and round three
    modules; a name defined twice; a re-export and a reader's ``read`` are not twins."""
    package = write_package(tmp_path, {
        "__init__": "", "a": "from . import b\nLIMIT = 1\n", "b": "def f():\n    from .a import LIMIT\n",
        "c": "from .d import x\n", "d": "import toolkit.e\nx = 1\n", "e": "from toolkit import c\n",
        "f": "from .a import LIMIT\ndef prevalence(): ...\n", "g": "if True:\n    class prevalence: ...\n",
        "readers/__init__": "from . import txt\n", "readers/txt": "def read(): ...\n",
        "readers/pdf": "from .. import a\ndef read(): ...\n",
    })
    assert cycles(import_graph(package)) == [["toolkit.a", "toolkit.b", "toolkit.a"],
                                             ["toolkit.c", "toolkit.d", "toolkit.e", "toolkit.c"]]
    assert twins(public_definitions(package)) == {"prevalence": ["toolkit.f", "toolkit.g"]}


def layout_map(readme: Path = paths.PROJECT_ROOT / "README.md") -> dict[tuple[str, ...], set[str]]:
    """The module map of the README's Layout: (modules of a line) → the siblings it says they import
    (``[a, b]`` after the description, wrapped over indented lines)."""
    text = readme.read_text(encoding="utf-8")
    block = text[text.index("## Layout"):]
    block = block[block.index("```\ntoolkit/") + 4:]
    drawn: dict[tuple[str, ...], set[str]] = {}
    entry, listing = None, False
    for line in block[:block.index("\nnotebooks/")].splitlines()[1:]:
        if line.startswith("  ") and line[2] != " ":
            names = [n.strip().removesuffix(".py").rstrip("/") for n in line[2:25].split(",")]
            entry = tuple("toolkit" if n == "__init__" else f"toolkit.{n}" for n in names)
            drawn[entry], listing = set(), False
        if "[" in line:
            listing, line = True, line[line.index("[") + 1:]
        if listing:
            drawn[entry] |= {"toolkit" if w == "toolkit" else f"toolkit.{w}"
                             for w in (x.strip(" ]") for x in line.split(",")) if w}
            listing = "]" not in line
    return drawn


def test_the_readme_draws_every_module_and_its_imports():
    """The README's module map names every module of the package, with the siblings it imports: a new
    module or a new import shows up in the Layout, or this fails naming the line."""
    graph = import_graph()
    drawn = layout_map()
    modules = {node(module_name(f, PACKAGE)) for f in PACKAGE.rglob("*.py")}
    assert modules == {m for entry in drawn for m in entry}, "modules missing from the README's Layout: " + \
        ", ".join(sorted(modules - {m for entry in drawn for m in entry}))
    wrong = {entry: (listed, set().union(*(graph.get(m, set()) for m in entry)) - set(entry))
             for entry, listed in drawn.items()}
    wrong = {", ".join(e): f"drawn {sorted(a)}, imports {sorted(b)}" for e, (a, b) in wrong.items() if a != b}
    assert not wrong, f"the README's Layout draws other imports: {wrong}"
