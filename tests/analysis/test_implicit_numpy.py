"""`np` used without an import (a graded function per file, a notebook whose import cell is
elsewhere) is NumPy, unless the file binds `np` itself; `implicit-numpy = false` turns it off."""

import json
import textwrap

import pytest
from click.testing import CliRunner

from shapelint.analysis import analyze_source
from shapelint.analysis.implicit import implicit_numpy_names, name_status
from shapelint.cli import cli
from shapelint.runner import lint_bytes

# one graded function handed in alone: the grader imported NumPy
GRADED = textwrap.dedent("""\
    def linear_forward(A, W, b):
        Z = np.dot(W, A) + b
        return Z

    A = np.random.randn(3, 10)
    W = np.random.randn(4, 3)
    b = np.zeros(4)
    Z = linear_forward(A, W, b)
""")


def codes(src, **kw):
    return [d.code for d in analyze_source(src, "graded.py", **kw).diagnostics]


def test_a_file_with_no_import_is_numpy_and_its_bug_is_caught():
    assert codes(GRADED) == ["SL101"]


def test_implicit_numpy_off_leaves_it_unanalyzed():
    assert codes(GRADED, implicit_numpy=False) == []


def test_the_spelled_out_name_too():
    src = "a = numpy.ones((2, 3))\nb = numpy.ones((4, 5))\nc = a + b\n"
    assert codes(src) == ["SL101"]
    assert implicit_numpy_names(src) == ("numpy",)


@pytest.mark.parametrize("binding", [
    "np = something_else\n",
    "import torch as np\n",
    "from jax import numpy as np\n",
    "def np():\n    pass\n",
    "class np:\n    pass\n",
    "def f(np):\n    return np\n",
    "for np in []:\n    pass\n",
    "with open('x') as np:\n    pass\n",
    "def g():\n    global np\n    np = 1\n",
    "[np := 3]\n",
])
def test_a_file_that_binds_np_itself_keeps_its_meaning(binding):
    src = binding + "a = np.ones((2, 3))\nb = np.ones((4, 5))\nc = a + b\n"
    assert implicit_numpy_names(src) == ()
    assert codes(src) == []


def test_a_binding_inside_a_function_counts_too():
    # `np` is a parameter there: the file does not rely on an outside `np`
    assert implicit_numpy_names("def f(np):\n    return np.ones(3)\nx = np.ones(3)\n") == ()


def test_a_file_that_imports_numpy_is_unchanged():
    src = "import numpy as np\n" + GRADED
    assert implicit_numpy_names(src) == ()
    assert codes(src) == ["SL101"]


def test_a_star_import_of_a_project_module_binds_what_that_module_binds(tmp_path):
    # the helper's `np` is torch's stand-in here: it wins over the implicit NumPy, as at run time
    (tmp_path / "helpers.py").write_text("import fakelib as np\n")
    main = tmp_path / "main.py"
    main.write_text("from helpers import *\na = np.ones((2, 3))\nb = np.ones((4, 5))\nc = a + b\n")
    got = analyze_source(main.read_text(), str(main)).diagnostics
    assert [d.code for d in got] == []
    (tmp_path / "helpers.py").write_text("x = 1\n")  # binds no np: the implicit NumPy stands
    got = analyze_source(main.read_text(), str(main)).diagnostics
    assert [d.code for d in got] == ["SL101"]


def test_an_attribute_named_np_is_not_a_use():
    assert name_status("x = self.np.ones(3)\n") == {}
    assert implicit_numpy_names("x = obj.np.zeros(3)\n") == ()


def test_status_names_the_line_of_the_binding():
    assert name_status("y = 1\nnp = make()\nnp.ones(3)\n") == {"np": 2}
    assert name_status("np.ones(3)\n") == {"np": "implicit"}
    assert name_status("def f(:\n    np.ones(3)\n") is None  # does not parse: nothing is taken


def notebook(*sources):
    cells = [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
              "source": s.splitlines(keepends=True)} for s in sources]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def test_a_notebook_whose_numpy_came_from_a_magic():
    # `%pylab inline` bound np in the kernel; shapelint skips magics, so np is never bound in the text
    data = notebook("%pylab inline\n", "X = np.random.randn(3, 5)\nW = np.random.randn(4, 2)\n",
                    "Z = np.dot(W, X)\n")
    got = lint_bytes(data, "nb.ipynb").diagnostics
    assert [(d.code, d.cell, d.line) for d in got] == [("SL102", 3, 1)]
    assert lint_bytes(data, "nb.ipynb", implicit_numpy=False).diagnostics == []


def invoke(args):
    return CliRunner().invoke(cli, args, catch_exceptions=False)


@pytest.fixture
def proj(tmp_path, monkeypatch):
    (tmp_path / "graded.py").write_text(GRADED)
    (tmp_path / "own.py").write_text("np = something_else\n" + GRADED)
    (tmp_path / "plain.py").write_text("import numpy as np\nx = np.ones(3)\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_config_turns_it_off(proj):
    assert invoke(["check", "--no-cache", "graded.py"]).exit_code == 1
    (proj / "pyproject.toml").write_text("[tool.shapelint]\nimplicit-numpy = false\n")
    assert invoke(["check", "--no-cache", "graded.py"]).exit_code == 0


def test_config_value_must_be_a_bool(proj):
    (proj / "pyproject.toml").write_text('[tool.shapelint]\nimplicit-numpy = "yes"\n')
    result = invoke(["check", "--no-cache", "graded.py"])
    assert result.exit_code == 2 and "'implicit-numpy' must be true or false" in result.stderr


def test_the_cache_keeps_the_two_settings_apart(proj):
    assert invoke(["check", "graded.py"]).exit_code == 1
    (proj / "pyproject.toml").write_text("[tool.shapelint]\nimplicit-numpy = false\n")
    assert invoke(["check", "graded.py"]).exit_code == 0


def test_show_settings_says_per_file_whether_np_was_taken_as_numpy(proj):
    result = invoke(["check", "--show-settings", "graded.py", "own.py", "plain.py"])
    assert result.exit_code == 0
    out = result.stdout
    assert "implicit-numpy: true" in out
    assert "config file: none" in out
    assert "graded.py: `np` is taken as NumPy without an import" in out
    assert "own.py: `np` is bound on line 1 (by the file itself): not taken implicitly" in out
    assert "plain.py: `np` is bound on line 1" in out
    assert "SL101" in out  # the selection

    (proj / "nb.ipynb").write_bytes(notebook("%pylab inline\n", "x = np.ones(3)\n"))
    (proj / "nb2.ipynb").write_bytes(notebook("x = 1\n", "import numpy as np\nx = np.ones(3)\n"))
    (proj / "broken.py").write_text("def f(:\n    np.ones(3)\n")
    (proj / "other.py").write_text("x = 1\n")
    out = invoke(["check", "--show-settings", "nb.ipynb", "nb2.ipynb", "broken.py", "other.py"]).stdout
    assert "nb.ipynb: `np` is taken as NumPy without an import" in out
    assert "nb2.ipynb: `np` is bound in cell 2, line 1 (by the file itself)" in out
    assert "broken.py: does not parse: nothing taken as NumPy" in out
    assert "other.py: does not use `np.` or `numpy.`: nothing taken as NumPy" in out

    (proj / "pyproject.toml").write_text("[tool.shapelint]\nimplicit-numpy = false\n")
    out = invoke(["check", "--show-settings", "graded.py"]).stdout
    assert "implicit-numpy: false" in out and "pyproject.toml" in out
    assert "graded.py: `np` is used without an import and NOT taken as NumPy (implicit-numpy = false)" in out
