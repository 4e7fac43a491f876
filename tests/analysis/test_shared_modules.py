"""Imported modules executed once per process (shared_modules): the same findings as a fresh
analysis, whatever the process checked before, and nothing one file writes leaks into another."""

import os
import textwrap
from pathlib import Path

import pytest

from shapelint.analysis import analyze_source, shared_modules
from shapelint.analysis.imports import ImportsMixin
from shapelint.runner import lint_bytes

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def empty_store():
    shared_modules.STORE.clear()
    yield
    shared_modules.STORE.clear()


@pytest.fixture
def executions(monkeypatch):
    """The project modules whose top level ran, in order."""
    ran = []
    original = ImportsMixin.exec_library_module

    def counting(self, ctx):
        ran.append(os.path.basename(ctx.path))
        return original(self, ctx)

    monkeypatch.setattr(ImportsMixin, "exec_library_module", counting)
    return ran


def write(root: Path, files: dict) -> None:
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text))


def found(path: Path):
    result = analyze_source(path.read_text(), str(path))
    assert result.error is None, result.error
    return sorted((d.line, d.code, d.message) for d in result.diagnostics)


HELPERS = '''
    import numpy as np
    import layers

    params = {"W1": np.zeros((4, 3)), "b1": np.zeros((4, 1))}

    def forward(X):
        return layers.linear(params["W1"], X, params["b1"])
'''
LAYERS = '''
    import numpy as np

    def linear(W, A, b):
        return np.dot(W, A) + b
'''


def test_an_imported_module_runs_once_per_process(tmp_path, executions):
    write(tmp_path, {"helpers.py": HELPERS, "layers.py": LAYERS,
                     "a.py": "import numpy as np\nfrom helpers import forward\nZ = forward(np.zeros((3, 5)))\n",
                     "b.py": "import numpy as np\nfrom helpers import forward\nZ = forward(np.zeros((2, 5)))\n"})
    assert found(tmp_path / "a.py") == []
    assert sorted(executions) == ["helpers.py", "layers.py"]
    b = found(tmp_path / "b.py")
    assert sorted(executions) == ["helpers.py", "layers.py"]  # installed, not run again
    assert [code for _, code, _ in b] == ["SL102"]  # (4, 3) . (2, 5), found inside layers.linear
    shared_modules.STORE.clear()
    assert found(tmp_path / "b.py") == b  # as a fresh process finds it


def test_what_a_file_writes_into_an_imported_dict_is_its_own(tmp_path):
    write(tmp_path, {"helpers.py": HELPERS, "layers.py": LAYERS,
                     # makes W1 rank-1 in its own copy of the module's dict
                     "a.py": "import numpy as np\nfrom helpers import params\nparams['W1'] = np.zeros(4)\n",
                     "b.py": "import numpy as np\nfrom helpers import forward\nZ = forward(np.zeros((3, 5)))\n"})
    found(tmp_path / "a.py")
    assert found(tmp_path / "b.py") == []  # (4, 3) . (3, 5): what a.py wrote is not seen here


def test_an_edited_module_runs_again(tmp_path, executions):
    write(tmp_path, {"helpers.py": HELPERS, "layers.py": LAYERS,
                     "a.py": "import numpy as np\nfrom helpers import forward\nZ = forward(np.zeros((3, 5)))\n"})
    assert found(tmp_path / "a.py") == []
    write(tmp_path, {"helpers.py": HELPERS.replace("np.zeros((4, 3))", "np.zeros((4, 2))")})
    st = (tmp_path / "helpers.py").stat()
    os.utime(tmp_path / "helpers.py", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert [code for _, code, _ in found(tmp_path / "a.py")] == ["SL102"]
    assert executions.count("helpers.py") == 2
    assert executions.count("layers.py") == 1  # unchanged: still shared


def test_an_import_cycle_is_shared_as_one_unit(tmp_path, executions):
    write(tmp_path, {
        "first.py": "import numpy as np\nSIZE = 3\nimport second\nW = np.zeros((4, second.SIZE))\n",
        "second.py": "import numpy as np\nfrom first import SIZE\nb = np.zeros((SIZE, 1))\n",
        "a.py": "import numpy as np\nimport first\nZ = np.dot(first.W, np.zeros((3, 2)))\n",
        "b.py": "import numpy as np\nimport first\nZ = np.dot(first.W, np.zeros((2, 2)))\n"})
    assert found(tmp_path / "a.py") == []
    assert sorted(executions) == ["first.py", "second.py"]
    b = found(tmp_path / "b.py")
    assert sorted(executions) == ["first.py", "second.py"]
    assert [code for _, code, _ in b] == ["SL102"]
    shared_modules.STORE.clear()
    assert found(tmp_path / "b.py") == b


def test_the_checked_file_imported_by_its_imports_is_an_ordinary_module(tmp_path, executions):
    # `python net.py` runs net.py as __main__; `import net` in utils.py gives a second module
    write(tmp_path, {
        "utils.py": "import numpy as np\nimport net\ndef init():\n    return np.zeros((net.N, 1))\n",
        "net.py": "import numpy as np\nN = 3\nimport utils\nb = utils.init()\nZ = b + np.zeros((1, 4))\n"})
    first = found(tmp_path / "net.py")
    second = found(tmp_path / "net.py")
    assert first == second
    # utils.py is shared; net.py runs once as the module utils imports (shared too), and again in
    # each check's run of utils.py as net.py's driver (see drivers), where it is the driven file
    assert executions.count("utils.py") == 1
    assert executions.count("net.py") == 3


def test_the_file_a_driver_checked_is_not_shared_as_driven(tmp_path):
    # a.py checked first (its tree kept for its importers), test_a.py its driver; then c.py,
    # whose driver d.py calls a.f with shapes that fail in a.py: that failure is a.py's, never c.py's
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    write(tmp_path, {
        "a.py": "import numpy as np\n\n\ndef f(x):\n    return np.dot(x, np.zeros((3, 1)))\n",
        "test_a.py": "import numpy as np\nfrom a import f\n\n\ndef test_f():\n    f(np.zeros((2, 3)))\n",
        "c.py": "import numpy as np\n\n\ndef g(n):\n    return np.zeros((n, 1))\n",
        "d.py": "import numpy as np\nfrom a import f\nfrom c import g\n\ng(3)\nf(np.zeros((2, 4)))\n"})
    alone = _outcomes([tmp_path / "c.py"], fresh=True)
    after_a = _outcomes([tmp_path / "a.py", tmp_path / "c.py"], fresh=False)
    assert after_a[tmp_path / "c.py"] == alone[tmp_path / "c.py"] == []


def _outcomes(paths, fresh: bool):
    out = {}
    for path in paths:
        if fresh:
            shared_modules.STORE.clear()
        outcome = lint_bytes(path.read_bytes(), str(path))
        out[path] = sorted((d.line, d.column, d.code, d.message, tuple(r.line for r in d.related))
                           for d in outcome.diagnostics)
    return out


def test_findings_do_not_depend_on_what_the_process_checked_before():
    """Every fixture, checked in a fresh process (store emptied) and after all the others, forwards
    and backwards: the same findings."""
    paths = sorted(p for p in (REPO / "fixtures").rglob("*") if p.suffix in (".py", ".ipynb"))
    assert len(paths) > 40
    fresh = _outcomes(paths, fresh=True)
    shared_modules.STORE.clear()
    assert _outcomes(paths, fresh=False) == fresh
    shared_modules.STORE.clear()
    assert _outcomes(list(reversed(paths)), fresh=False) == fresh


def test_the_parse_cache_keeps_to_its_budget_and_forgets_the_summaries_made_from_what_it_drops(
        tmp_path, executions, monkeypatch):
    from shapelint.analysis import modules

    from collections import OrderedDict

    monkeypatch.setattr(modules, "_parsed", OrderedDict())  # what earlier tests parsed is not counted here
    monkeypatch.setattr(modules, "_parsed_chars", 0)
    write(tmp_path, {"helpers.py": HELPERS, "layers.py": LAYERS,
                     "a.py": "import numpy as np\nfrom helpers import forward\nZ = forward(np.zeros((3, 5)))\n",
                     "b.py": "import numpy as np\nfrom helpers import forward\nZ = forward(np.zeros((2, 5)))\n"})
    b_fresh = found(tmp_path / "b.py")
    shared_modules.STORE.clear()
    executions.clear()
    # room for one of the two helper modules: loading the second drops the first
    budget = max(len((tmp_path / name).read_text()) for name in ("helpers.py", "layers.py", "a.py", "b.py"))
    monkeypatch.setattr(modules, "MAX_PARSED_CHARS", budget)
    monkeypatch.setattr(modules, "_parsed", OrderedDict())
    monkeypatch.setattr(modules, "_parsed_chars", 0)
    assert found(tmp_path / "a.py") == []
    assert modules._parsed_chars <= budget
    held = [p for p, (_, parsed) in modules._parsed.items() if parsed is not None]
    assert len(held) == 1
    # what remains shared was made only from parses the cache still holds
    assert all(s.ctx.path in held and not s.deps for s in shared_modules.STORE._summaries.values())
    assert found(tmp_path / "b.py") == b_fresh  # what was dropped runs again, to the same findings
    assert executions.count("layers.py") == 2


def test_findings_do_not_depend_on_the_parse_cache_budget(monkeypatch):
    from shapelint.analysis import modules

    paths = sorted(p for p in (REPO / "fixtures").rglob("*") if p.suffix in (".py", ".ipynb"))
    shared_modules.STORE.clear()
    roomy = _outcomes(paths, fresh=False)
    monkeypatch.setattr(modules, "MAX_PARSED_CHARS", 3_000)  # hardly one module at a time
    shared_modules.STORE.clear()
    assert _outcomes(paths, fresh=False) == roomy
