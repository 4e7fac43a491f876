"""Whole-project analysis: imports between the files of a project (code written for these tests,
in the style of course assignment folders: helpers and test-case modules beside the script)."""

import os
import json
import textwrap
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from shapelint.analysis import analyze_source
from shapelint.cli import cli

HELPERS = '''
import numpy as np

def relu(Z):
    A = np.maximum(0, Z)
    return A, Z

def linear_forward(A, W, b):
    Z = np.dot(W, A) + b
    return Z, (A, W, b)

def linear_forward_case():
    np.random.seed(1)
    A = np.random.randn(3, 2)
    W = np.random.randn(1, 3)
    b = np.random.randn(1, 1)
    return A, W, b

LAYERS = [5, 4, 1]
'''


def write(root: Path, files: dict) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def check(path: Path):
    result = analyze_source(path.read_text(), str(path), collect_shapes=True)
    assert result.error is None, result.error
    return result


def shapes_of(result):
    return {r.name: r.shape for r in result.shapes if r.signature is None}


def codes(result):
    return sorted((d.line, d.code) for d in result.diagnostics)


def test_star_import_of_a_sibling_gives_test_inputs_and_functions(tmp_path):
    write(tmp_path, {"testCases.py": HELPERS, "main.py": '''
        from testCases import *
        A, W, b = linear_forward_case()
        Z, cache = linear_forward(A, W, b)
        Z2, cache2 = linear_forward(A.T, W, b)
    '''})
    result = check(tmp_path / "main.py")
    got = shapes_of(result)
    assert got["A"] == [3, 2] and got["W"] == [1, 3] and got["Z"] == [1, 2]
    # the bug is in the call (A.T), found inside the helper (another module) and reported at the call,
    # naming the helper's function and line
    assert codes(result) == [(5, "SL102")]
    assert result.diagnostics[0].message.startswith("in `linear_forward()` (line 9 of `testCases.py`) ")
    assert [(os.path.basename(r.path), r.line, r.role) for r in result.diagnostics[0].related] == [
        ("testCases.py", 9, "fails")]


def test_import_as_from_import_and_module_constants(tmp_path):
    write(tmp_path, {"dnn_utils.py": HELPERS, "main.py": '''
        import numpy as np
        import dnn_utils as du
        from dnn_utils import relu, LAYERS
        A, cache = relu(np.ones((4, 3)))
        Z, c = du.linear_forward(np.ones((3, 2)), np.ones((4, 3)), np.zeros((4, 1)))
        n = LAYERS[0]
        X = np.zeros((n, 1))
    '''})
    got = shapes_of(check(tmp_path / "main.py"))
    assert got["A"] == [4, 3] and got["Z"] == [4, 2] and got["X"] == [5, 1]


def test_relative_imports_and_packages(tmp_path):
    write(tmp_path, {
        "pyproject.toml": "",
        "pkg/__init__.py": "",
        "pkg/layers.py": HELPERS,
        "pkg/model.py": '''
            import numpy as np
            from .layers import linear_forward
            from . import layers
            Z, _ = linear_forward(np.ones((3, 2)), np.ones((4, 3)), np.zeros((4, 1)))
            A, _ = layers.relu(Z)
        ''',
        "scripts/run.py": '''
            import numpy as np
            from pkg.layers import linear_forward
            Z, _ = linear_forward(np.ones((3, 2)), np.ones((3, 4)), np.zeros((4, 1)))
        '''})
    got = shapes_of(check(tmp_path / "pkg" / "model.py"))
    assert got["Z"] == [4, 2] and got["A"] == [4, 2]
    # a script in another folder finds the package from the project root
    assert codes(check(tmp_path / "scripts" / "run.py")) == [(4, "SL102")]


def test_an_imported_module_is_not_reported_on_its_own(tmp_path):
    write(tmp_path, {"broken.py": '''
        import numpy as np
        BAD = np.ones((2, 3)) + np.ones((4, 5))
        def f(x):
            return x
    ''', "main.py": '''
        from broken import f
        y = f(1)
    '''})
    assert codes(check(tmp_path / "main.py")) == []
    assert codes(check(tmp_path / "broken.py")) == [(3, "SL101")]


def test_main_guard_runs_for_the_checked_file_only(tmp_path):
    write(tmp_path, {"helpers.py": '''
        import numpy as np
        def f(x):
            return np.dot(x, np.ones((5, 2)))
        if __name__ == "__main__":
            f(np.ones((3, 4)))
    ''', "main.py": '''
        import numpy as np
        from helpers import f
        if __name__ == "__main__":
            y = f(np.ones((3, 5)))
    '''})
    assert codes(check(tmp_path / "main.py")) == []
    assert codes(check(tmp_path / "helpers.py")) == [(4, "SL102")]  # in f(), with the shapes of line 6


def test_import_cycles_and_missing_modules_are_harmless(tmp_path):
    # a imports b, which imports a back: b sees a's names when its function runs, as in Python
    write(tmp_path, {"a.py": "import numpy as np\nfrom b import g\ndef f():\n    return np.ones(3)\n",
                     "b.py": "import numpy as np\nimport a\ndef g():\n    return a.f()\n",
                     "main.py": "from a import f\nfrom nowhere import h\nfrom b import g\nx = g()\n"})
    assert shapes_of(check(tmp_path / "main.py"))["x"] == [3]


def test_a_notebook_resolves_imports_in_its_folder(tmp_path):
    write(tmp_path, {"nb/helpers.py": HELPERS})
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
              "source": ["from helpers import *\n", "A, W, b = linear_forward_case()\n",
                         "Z, cache = linear_forward(A, W.T, b)\n"]}]
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "nb" / "work.ipynb").write_text(json.dumps(nb))
    r = CliRunner().invoke(cli, ["check", "--no-cache", "--format", "json", str(tmp_path / "nb" / "work.ipynb")])
    found = json.loads(r.output)
    assert [(f["cell"], f["line"], f["code"]) for f in found] == [(1, 3, "SL102")]


def test_the_cache_is_invalid_when_an_imported_module_changes(tmp_path, monkeypatch):
    write(tmp_path, {"pyproject.toml": "", "helpers.py": HELPERS, "main.py": '''
        from helpers import linear_forward
        import numpy as np
        Z, _ = linear_forward(np.ones((3, 2)), np.ones((4, 3)), np.zeros((4, 1)))
    '''})
    monkeypatch.chdir(tmp_path)
    first = CliRunner().invoke(cli, ["check", "main.py"])
    assert first.exit_code == 0, first.output
    # the helper changes: the cached clean result of main.py must not be reused
    (tmp_path / "helpers.py").write_text(HELPERS.replace("np.dot(W, A)", "np.dot(A, W)"))
    second = CliRunner().invoke(cli, ["check", "main.py"])
    assert second.exit_code == 1 and "SL102" in second.output


def test_a_helper_is_checked_with_what_its_importers_pass(tmp_path):
    # the notebook drives the helper: the helper's bug is reported in the helper, naming the driver
    write(tmp_path, {"opt_utils.py": '''
        import numpy as np
        def backward(dz2, a1):
            dW2 = np.dot(a1.T, dz2)
            return dW2
    ''', "homework.py": '''
        import numpy as np
        from opt_utils import backward
        dW = backward(np.ones((2, 64)), np.ones((5, 64)))
    ''', "unrelated.py": "import numpy as np\nx = np.ones(3)\n"})
    result = check(tmp_path / "opt_utils.py")
    assert codes(result) == [(4, "SL102")]
    assert "`homework.py` passes to `backward()`" in result.diagnostics[0].message
    assert str(tmp_path / "homework.py") in result.dependencies
    # the importer's own check reports the same failure at its call
    assert codes(check(tmp_path / "homework.py")) == [(4, "SL102")]


def test_a_package_star_import_brings_the_submodules_its_all_names(tmp_path):
    # `from Layers import *` imports the submodules `Layers/__init__.py`'s __all__ lists,
    # and a test class that does so drives the layer module (found as its driver)
    write(tmp_path, {"Layers/__init__.py": '__all__ = ["Dense", "Base"]\n', "Layers/Base.py": "X = 1\n",
                     "Layers/Dense.py": '''
        import numpy as np
        class Dense:
            def __init__(self, n_in, n_out):
                self.weights = np.random.rand(n_in, n_out)
            def forward(self, x):
                self.x = x
                return np.dot(x, self.weights)
            def backward(self, err):
                return np.dot(self.x, err)
    ''', "Tests.py": '''
        import unittest
        import numpy as np
        from Layers import *
        class TestDense(unittest.TestCase):
            def setUp(self):
                self.x = np.random.rand(9, 4)
            def test_backward(self):
                layer = Dense.Dense(4, 3)
                layer.backward(layer.forward(self.x))
    ''', "Other.py": '''
        from Layers import Base
        y = Base.X
    '''})
    assert codes(check(tmp_path / "Tests.py")) == [(10, "SL102")]
    result = check(tmp_path / "Layers" / "Dense.py")
    assert codes(result) == [(10, "SL102")]
    assert "`Tests.py` passes to `backward()`" in result.diagnostics[0].message
    assert str(tmp_path / "Other.py") not in result.dependencies


def test_a_notebook_and_its_paired_script_are_one_driver(tmp_path):
    # rnn.ipynb and rnn.py (jupytext/nbconvert twins) are one driver: the notebook
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                     "source": ["import numpy as np\n", "from layers import rnn_step\n",
                                "rnn_step(np.ones((2, 3)), np.ones((3, 4)))\n"]}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    files = {"layers.py": '''
        import numpy as np
        def rnn_step(x, Wx):
            return np.dot(x, Wx)
        def lstm_step(x, Wx):
            return np.dot(x, Wx.T)
    ''', "rnn.py": "import numpy as np\nfrom layers import rnn_step\nrnn_step(np.ones((2, 3)), np.ones((3, 4)))\n",
        "lstm.py": "import numpy as np\nfrom layers import lstm_step\nlstm_step(np.ones((2, 3)), np.ones((3, 4)))\n"}
    write(tmp_path, files)
    (tmp_path / "rnn.ipynb").write_text(json.dumps(nb))
    from shapelint.analysis.drivers import find_drivers

    drivers = [Path(d).name for d in find_drivers(str(tmp_path / "layers.py"))]
    assert drivers == ["rnn.ipynb", "lstm.py"]
    assert codes(check(tmp_path / "layers.py")) == [(6, "SL102")]


def test_a_notebook_drives_a_helper_in_document_order(tmp_path):
    # the imports cell was re-run last by hand (execution_count 9): run as "Restart & Run All"
    def cell(count, lines):
        return {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": count, "source": lines}
    nb = {"cells": [cell(9, ["import numpy as np\n", "from utils import forward\n"]),
                    cell(2, ["forward(np.ones((2, 300)), np.ones((5, 2)))\n"])],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    write(tmp_path, {"utils.py": '''
        import numpy as np
        def forward(X, W1):
            return np.dot(W1.T, X)
    '''})
    (tmp_path / "homework.ipynb").write_text(json.dumps(nb))
    assert codes(check(tmp_path / "utils.py")) == [(4, "SL102")]


def test_another_installed_distribution_is_outside_the_project(tmp_path):
    # linting an installed package: `import other` resolves to site-packages/other, which is
    # not part of the project even when site-packages is where the paths given meet
    site = tmp_path / "lib" / "site-packages"
    write(site, {"mine/__init__.py": "", "mine/core.py": '''
        import numpy as np
        from other import helpers
        from mine import util
        x = helpers.make(3)
        y = util.make(3)
    ''', "mine/util.py": "import numpy as np\ndef make(n):\n    return np.ones((n, 1))\n",
        "other/__init__.py": "", "other/helpers.py": "import numpy as np\ndef make(n):\n    return np.ones((n, 2))\n"})
    result = analyze_source((site / "mine" / "core.py").read_text(), str(site / "mine" / "core.py"),
                            collect_shapes=True, project_root=str(site))
    got = shapes_of(result)
    assert got["x"] is None and got["y"] == [3, 1]
    assert not any("/other/" in dep for dep in result.dependencies)


def test_each_shape_says_where_it_comes_from(tmp_path):
    # the shapes a function declares, the code itself, the call whose arguments gave it, and a
    # driver's call (the helper checked alone, its shapes from the script that imports it)
    write(tmp_path, {"helper.py": '''
        import numpy as np
        def forward(X, parameters):
            W1 = parameters["W1"]
            return np.dot(W1, X)
    ''', "script.py": '''
        import numpy as np
        from helper import forward
        Z = forward(np.ones((5, 7)), {"W1": np.ones((4, 5))})
    ''', "own.py": '''
        import numpy as np
        def layer(X, W1):
            """
            X -- input of shape (n_x, m)
            W1 -- weights of shape (n_h, n_x)
            """
            Z1 = np.dot(W1, X)
            return Z1
        def helper(parameters, X):
            W = parameters["W"]
            return np.dot(W, X)
        Q = np.zeros((3, 4))
        out = helper({"W": np.ones((2, 3))}, Q)
    '''})
    own = analyze_source((tmp_path / "own.py").read_text(), str(tmp_path / "own.py"), collect_shapes=True,
                         project_root=str(tmp_path))
    origins = {r.name: r.origin for r in own.shapes if r.signature is None}
    assert origins["Z1"] == "from the shapes `layer()` declares"
    assert origins["Q"] == "inferred from the code"
    assert origins["W"] == "with the shapes passed to `helper()` at line 14"  # (the text starts with a blank line)
    driven = analyze_source((tmp_path / "helper.py").read_text(), str(tmp_path / "helper.py"), collect_shapes=True,
                            project_root=str(tmp_path))
    (w1,) = [r for r in driven.shapes if r.name == "W1"]
    assert w1.shape == [4, 5] and w1.origin == "with the shapes `script.py` passes to `forward()`"


def test_a_shape_read_from_a_data_file_or_an_assert_says_so(tmp_path):
    np.savez(tmp_path / "data.npz", train_x=np.zeros((209, 8, 8, 3)), train_y=np.zeros(209))
    write(tmp_path, {"load.py": '''
        import numpy as np
        data = np.load("data.npz")
        train_x_orig = data["train_x"]
        train_y = np.array(data["train_y"][:])
        flat = train_x_orig.reshape(train_x_orig.shape[0], -1).T
        def scale(A):
            Z = A * 2
            assert Z.shape == (3, 4)
            return Z
    '''})
    result = analyze_source((tmp_path / "load.py").read_text(), str(tmp_path / "load.py"), collect_shapes=True,
                            project_root=str(tmp_path))
    origins = {r.name: (r.shape, r.origin) for r in result.shapes if r.signature is None}
    assert origins["train_x_orig"] == ([209, 8, 8, 3], "from the data file `data.npz`")
    assert origins["train_y"] == ([209], "from the data file `data.npz`")  # np.array(...[:]) keeps it
    assert origins["flat"] == ([192, 209], "inferred from the code")  # made by the code from it
    assert origins["Z"] == ([3, 4], "from the assert at line 9")  # (the text starts with a blank line)


def test_drivers_are_found_from_their_import_lines_and_ranked_by_the_names_they_use(tmp_path):
    from shapelint.analysis import drivers

    long_body = "".join(f"x{k} = {k}  # a line of data\n" for k in range(2_000))
    write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/layers.py": "def dense(x):\n    return x\n\n\ndef conv(x):\n    return x\n\n\nclass Pool:\n    pass\n",
        # a bracketed import over several lines: found, though `layers` is on a line without `import`
        # (beside the package: its folder is scanned after the module's own)
        "uses_one.py": "from pkg import (\n    other,\n    layers,\n)\n" + long_body + "layers.dense(1)\n",
        "uses_all.py": "import pkg.layers as L\nL.dense(1)\nL.conv(2)\nL.Pool()\n",
        "unrelated.py": "import numpy as np\n" + long_body,
    })
    found = [Path(d).name for d in drivers.find_drivers(str(tmp_path / "pkg" / "layers.py"))]
    assert found == ["uses_all.py", "uses_one.py"]  # the one naming three of its definitions first
    kept = drivers._candidates[str(tmp_path / "uses_one.py")][1]
    assert kept == "from pkg import (\n    other,\n    layers,\n)"  # its import lines, not its 2,000 others
    assert drivers._candidates[str(tmp_path / "unrelated.py")][1] == "import numpy as np"


def test_a_folder_where_no_file_names_the_module_compiles_no_pattern(tmp_path, monkeypatch):
    import re

    from shapelint.analysis import drivers

    write(tmp_path, {"layers.py": "def dense(x):\n    return x\n",
                     "a.py": "import numpy as np\n", "b.py": "import os\n"})
    compiled = []
    real = re.compile
    monkeypatch.setattr(drivers.re, "compile", lambda *args: compiled.append(args) or real(*args))
    assert drivers.find_drivers(str(tmp_path / "layers.py")) == []
    assert compiled == []
    write(tmp_path, {"c.py": "import layers\nlayers.dense(1)\n"})
    assert [Path(d).name for d in drivers.find_drivers(str(tmp_path / "layers.py"))] == ["c.py"]
    assert compiled
