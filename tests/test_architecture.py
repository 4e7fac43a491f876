"""The layout is the architecture: data flows files -> parse -> infer -> rules -> report,
the shape algebra is pure (no libcst), and no two modules import each other."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "shapelint"

# What each part must not import.  The rules receive the inference's events (they see no
# syntax tree), so the inference loads them as its handlers: analysis -> rules, never back.
COMMAND_LINE = ("shapelint.cli", "shapelint.runner", "shapelint.__main__", "shapelint.server")
FORBIDDEN = {
    "shapelint.rules": ("shapelint.analysis", "shapelint.report") + COMMAND_LINE,
    "shapelint.analysis": ("shapelint.report",) + COMMAND_LINE,
    "shapelint.report": ("shapelint.analysis",) + COMMAND_LINE,  # it reads the rules' names and docs
    "shapelint.runtime": ("shapelint.analysis", "shapelint.rules", "shapelint.report") + COMMAND_LINE,
    "shapelint.nn": ("shapelint.analysis", "shapelint.rules", "shapelint.report") + COMMAND_LINE,
    # source intake (decode, syntax, pre-check) comes before everything that reads a tree
    "shapelint.source": ("shapelint.analysis", "shapelint.notebook", "shapelint.rules", "shapelint.report",
                         "shapelint.runtime", "shapelint.nn") + COMMAND_LINE,
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, top_level_only: bool):
    """(imported module, line) for each import of a shapelint module in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = _module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    nodes = tree.body if top_level_only else list(_walk_runtime(tree))
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield target, node.lineno
            for alias in node.names:  # `from shapelint.analysis import infer` imports a module
                yield f"{target}.{alias.name}", node.lineno


def _walk_runtime(tree: ast.AST):
    """Every node, inside functions too, except ``if TYPE_CHECKING:`` blocks (never run)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
            yield from (n for child in node.orelse for n in _walk_runtime_from(child))
            continue
        yield from _walk_runtime_from(node)


def _walk_runtime_from(node: ast.AST):
    yield node
    yield from _walk_runtime(node)


def _modules():
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _graph(top_level_only: bool):
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        deps = set()
        for target, _ in _imports(path, top_level_only):
            # a submodule's parent package is always imported first: not a dependency of it
            if target in modules and target != name and not name.startswith(target + "."):
                deps.add(target)
        graph[name] = deps
    return graph


def test_the_algebra_is_pure():
    for path in (PACKAGE / "algebra").rglob("*.py"):
        for target, line in _imports(path, top_level_only=False):
            assert not target.startswith("libcst"), f"{path.name}:{line} imports {target}"
            if target.startswith("shapelint."):
                assert target.startswith("shapelint.algebra"), f"{path.name}:{line} imports {target}"


# analysis modules that hold state or facts and never see a syntax tree: the walk over the tree
# hands them values, so they stay usable without one (summaries, the server, tests)
TREE_FREE = ("env", "values", "solver", "findings", "shared_modules", "datafiles", "drivers")


def test_state_objects_see_no_tree():
    for name in TREE_FREE:
        path = PACKAGE / "analysis" / f"{name}.py"
        for target, line in _imports(path, top_level_only=False):
            assert not target.startswith("libcst"), f"{path.name}:{line} imports {target}"


def test_data_flows_one_way():
    for name, path in _modules().items():
        part = ".".join(name.split(".")[:2])
        for target, line in _imports(path, top_level_only=False):
            for forbidden in FORBIDDEN.get(part, ()):
                assert target != forbidden and not target.startswith(forbidden + "."), \
                    f"{name}:{line} imports {target}"


def test_no_import_cycles():
    # imports made inside functions count: a cycle hidden in a function is still a cycle
    graph = _graph(top_level_only=False)
    state = {}
    stack = []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == "open":
                cycle = stack[stack.index(dep):] + [dep]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_the_checker_sees_a_cycle(tmp_path, monkeypatch):
    # the cycle detection itself must be able to fail
    pkg = tmp_path / "shapelint"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from shapelint import b\n")
    # the way back is hidden in a function; a TYPE_CHECKING import is no edge
    (pkg / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import shapelint.c\n"
                              "def f():\n    import shapelint.a\n")
    (pkg / "c.py").write_text("import shapelint.b\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", pkg)
    try:
        test_no_import_cycles()
    except AssertionError as e:
        assert "shapelint.a -> shapelint.b -> shapelint.a" in str(e)
    else:
        raise AssertionError("a cycle went unseen")
    (pkg / "a.py").write_text("")
    test_no_import_cycles()  # b -> c only under TYPE_CHECKING: no cycle
