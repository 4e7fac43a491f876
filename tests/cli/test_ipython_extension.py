"""``%load_ext shapelint`` in a real IPython shell: cells checked before they run, functions with
declared shapes checked while they run, ``%shapelint off``/``on``, unloading."""

import json
import shutil
import sys
import textwrap
from pathlib import Path

import pytest

IPython = pytest.importorskip("IPython", reason="IPython is not installed (pip install '.[test]')")

import shapelint  # noqa: E402
from shapelint.runtime import contracts  # noqa: E402

FORWARD = '''
import numpy as np

def linear_forward(A, W, b):
    """
    Arguments:
    A -- activations from previous layer: (size of previous layer, number of examples)
    W -- weights matrix of shape (size of current layer, size of previous layer)
    b -- bias vector of shape (size of the current layer, 1)

    Returns:
    Z -- the input of the activation function, of shape (size of current layer, number of examples)
    """
    return np.dot(W, A) + b
'''
# In [3] of the session below: line 3 multiplies (4, 3) by (4, 10)
BUG = """W = np.random.randn(4, 3)
b = np.zeros((4, 1))
Z = np.dot(W, np.random.randn(4, 10)) + b
"""
CLEAN = """A = np.random.randn(3, 10)
Z = linear_forward(A, np.random.randn(4, 3), np.zeros((4, 1)))
"""


@pytest.fixture
def shell(tmp_path, monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / ".ipython"))
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)  # the configuration is looked up from here: none
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    saved = (contracts.STATE.enabled, contracts.STATE.mode)
    InteractiveShell.clear_instance()
    sh = InteractiveShell.instance(config=config)
    yield sh
    from shapelint.ipython import unload_ipython_extension

    unload_ipython_extension(sh)
    InteractiveShell.clear_instance()
    contracts.STATE.enabled, contracts.STATE.mode = saved


def run(shell, capsys, source):
    """(the cell's result, what shapelint printed on stderr)."""
    capsys.readouterr()
    result = shell.run_cell(textwrap.dedent(source), store_history=True)
    return result, capsys.readouterr().err


def test_a_session_checked_cell_by_cell(shell, capsys):
    shell.run_line_magic("load_ext", "shapelint")
    _, err = run(shell, capsys, FORWARD)
    assert err == ""

    result, err = run(shell, capsys, BUG)
    # the finding names the cell and its own line, with the line and a caret
    assert err.startswith("In [2], line 3: SL102 ")
    assert " 3 | Z = np.dot(W, np.random.randn(4, 10)) + b\n" in err
    assert "   |     ^^^^^^" in err
    # a finding does not stop the cell: NumPy's own error comes from running it
    assert isinstance(result.error_in_exec, ValueError)

    result, err = run(shell, capsys, CLEAN)
    assert err == "" and result.success
    assert shell.user_ns["Z"].shape == (4, 10)


def test_a_function_with_declared_shapes_is_checked_when_called(shell, capsys):
    shell.run_line_magic("load_ext", "shapelint")
    run(shell, capsys, FORWARD)
    original = shell.user_ns["linear_forward"].__wrapped__
    # the statically visible part is reported before the cell runs ...
    result, err = run(shell, capsys, "Z = linear_forward(np.ones((5, 10)), np.ones((4, 3)), np.zeros((4, 1)))\n")
    # (the product fails inside the earlier cell's function: reported there, with this cell's call)
    assert err.startswith("In [1], line 14: SL102 `np.dot(W, A)`")
    assert " = note: with the shapes passed at In [2], line 1" in err
    assert "\nIn [2], line 1: SL301 argument `W` of `linear_forward()` has shape (4, 3)" in err
    # ... and the call raises the runtime contract's error, as under `shapelint run`
    assert isinstance(result.error_in_exec, shapelint.ShapeError)
    assert str(result.error_in_exec).startswith(
        "linear_forward(): argument 'W' has shape (4, 3), but the contract says "
        "(size of current layer, size of previous layer)")
    # a later cell does not wrap it again
    run(shell, capsys, "x = 1\n")
    assert shell.user_ns["linear_forward"].__wrapped__ is original


def test_a_bug_in_an_earlier_cells_function_is_located_there(shell, capsys):
    shell.run_line_magic("load_ext", "shapelint")
    run(shell, capsys, """
        import numpy as np

        def forward(X, W):
            return np.dot(W, X.T)
        """)
    _, err = run(shell, capsys, "Z = forward(np.ones((3, 10)), np.ones((4, 3)))\n")
    # where the function fails, in the cell that defines it, with the new cell's call as the note
    assert err.startswith("In [1], line 5: SL102 `np.dot(W, X.T)`")
    assert err.rstrip().endswith(" = note: with the shapes passed at In [2], line 1")


def test_cells_run_before_loading_are_known(shell, capsys):
    run(shell, capsys, "import numpy as np\n%who_ls\na = np.ones((2, 3))\n")
    run(shell, capsys, "b = np.ones((4, 5))\n")
    shell.run_line_magic("load_ext", "shapelint")
    _, err = run(shell, capsys, "c = a + b\n")
    assert err.startswith("In [3], line 1: SL101 `a + b`: operands could not be broadcast together: "
                          "`a` (2, 3) and `b` (4, 5)")


def test_loaded_from_a_cell_and_magics_in_cells(shell, capsys):
    _, err = run(shell, capsys, "%load_ext shapelint\nimport numpy as np\n")
    assert err == ""
    from shapelint.ipython import _checkers

    # the cell that loaded it is in IPython's history already: recorded once
    assert [label for label, _ in _checkers[id(shell)].cells] == ["In [1]"]
    _, err = run(shell, capsys, "!true\nx = np.ones(3)\n%who_ls\ny = x.reshape(4)\n")
    assert err.startswith("In [2], line 4: ")


def test_off_on_and_the_state(shell, capsys):
    shell.run_line_magic("load_ext", "shapelint")
    run(shell, capsys, "import numpy as np\n")
    capsys.readouterr()
    shell.run_line_magic("shapelint", "")
    assert capsys.readouterr().out.startswith("shapelint is on: each cell is checked before it runs")

    run(shell, capsys, "%shapelint off\n")
    _, err = run(shell, capsys, "c = np.ones((2, 3)) + np.ones((4, 5))\n")
    assert err == ""
    # functions defined while off are not instrumented
    run(shell, capsys, FORWARD)
    assert not hasattr(shell.user_ns["linear_forward"], "__wrapped__")

    run(shell, capsys, "%shapelint on\n")
    assert hasattr(shell.user_ns["linear_forward"], "__wrapped__")  # instrumented once back on
    _, err = run(shell, capsys, "c = np.ones((2, 3)) + np.ones((4, 5))\n")
    assert err.startswith("In [6], line 1: SL101 ")
    _, err = run(shell, capsys, "c = np.ones((2, 3)) + np.ones((4, 5))  # noqa: SL101\n")
    assert err == ""

    capsys.readouterr()
    shell.run_line_magic("shapelint", "sideways")
    assert "expected 'on' or 'off'" in capsys.readouterr().err


def test_the_project_configuration_is_honoured(shell, capsys, tmp_path):
    (tmp_path / "project" / "pyproject.toml").write_text('[tool.shapelint]\nignore = ["SL101"]\n')
    shell.run_line_magic("load_ext", "shapelint")
    run(shell, capsys, "import numpy as np\n")
    _, err = run(shell, capsys, "c = np.ones((2, 3)) + np.ones((4, 5))\n")
    assert err == ""
    _, err = run(shell, capsys, "d = np.dot(np.ones((2, 3)), np.ones((4, 5)))\n")
    assert err.startswith("In [3], line 1: SL102 ")

    (tmp_path / "project" / "pyproject.toml").write_text('[tool.shapelint]\nnot-a-key = 1\n')
    result, err = run(shell, capsys, "e = np.dot(np.ones((2, 3)), np.ones((4, 5)))\n")
    assert err.startswith("shapelint: not checked: ") and "unknown key 'not-a-key'" in err
    assert isinstance(result.error_in_exec, ValueError)  # the cell ran


def test_an_analyzer_failure_never_breaks_the_cell(shell, capsys, monkeypatch):
    import shapelint.runner

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(shapelint.runner, "lint_bytes", broken)
    shell.run_line_magic("load_ext", "shapelint")
    result, err = run(shell, capsys, "import numpy as np\nx = np.ones(3)\n")
    assert err == "shapelint: could not check this cell (RuntimeError: boom)\n"
    assert result.success and shell.user_ns["x"].shape == (3,)


def test_a_syntax_error_is_left_to_the_kernel(shell, capsys):
    shell.run_line_magic("load_ext", "shapelint")
    run(shell, capsys, "import numpy as np\n")
    result, err = run(shell, capsys, "a = np.ones((2, 3))\nx = (\n")
    assert err == "" and result.error_before_exec is not None
    # the broken cell did not run: later cells are checked without it
    _, err = run(shell, capsys, "y = np.ones((2, 3)) + np.ones((3, 2))\nz = a + np.ones((3, 2))\n")
    assert err.startswith("In [3], line 1: SL101 ") and "line 2" not in err


def test_functions_from_modules_are_not_wrapped(shell, capsys, tmp_path, monkeypatch):
    (tmp_path / "project" / "course_helpers.py").write_text(FORWARD)
    monkeypatch.syspath_prepend(str(tmp_path / "project"))
    shell.run_line_magic("load_ext", "shapelint")
    run(shell, capsys, "from course_helpers import linear_forward\n")
    assert shell.user_ns["linear_forward"] is sys.modules["course_helpers"].linear_forward
    sys.modules.pop("course_helpers", None)


def test_unload(shell, capsys):
    run(shell, capsys, FORWARD)
    shell.run_line_magic("load_ext", "shapelint")
    # defined before loading: instrumented when loaded
    assert hasattr(shell.user_ns["linear_forward"], "__wrapped__")
    shell.run_line_magic("unload_ext", "shapelint")
    assert not hasattr(shell.user_ns["linear_forward"], "__wrapped__")  # the user's own function again
    _, err = run(shell, capsys, "c = np.ones((2, 3)) + np.ones((4, 5))\n")
    assert err == ""
    assert "shapelint" not in shell.magics_manager.magics["line"]
    shell.run_line_magic("load_ext", "shapelint")  # and it loads again
    _, err = run(shell, capsys, "c = np.ones((2, 3)) + np.ones((4, 5))\n")
    assert err.startswith("In [3], line 1: SL101 ")


def test_per_file_ignores_match_the_notebook_jupyter_names(shell, capsys, tmp_path):
    (tmp_path / "project" / "pyproject.toml").write_text(
        '[tool.shapelint]\nper-file-ignores = { "lesson*.ipynb" = ["SL101"] }\n')
    shell.run_line_magic("load_ext", "shapelint")
    run(shell, capsys, "import numpy as np\n")
    _, err = run(shell, capsys, "c = np.ones((2, 3)) + np.ones((4, 5))\n")
    assert err.startswith("In [2], line 1: SL101 ")  # a session with no name: ipython-session.ipynb
    shell.user_ns["__session__"] = str(tmp_path / "project" / "lesson1.ipynb")
    _, err = run(shell, capsys, "c = np.ones((2, 3)) + np.ones((4, 5))\n")
    assert err == ""


def test_a_line_of_the_session_named_in_a_message_becomes_a_cells_line():
    from shapelint.ipython import _cell_lines

    line_map = [(1, 1), (1, 2), (2, 1), (2, 2), (2, 3), (3, 1)]
    labels = ["In [1]", "In [4]", "In [5]"]
    assert _cell_lines("in `f()` (line 5) with", line_map, labels, 3) == "in `f()` (In [4], line 3) with"
    assert _cell_lines("made on line 6: did", line_map, labels, 3) == "made on line 1: did"
    # a notebook's own cell coordinates are the session's cells
    assert _cell_lines("made on cell 2, line 3: did", line_map, labels, 3) == "made on In [4], line 3: did"
    assert _cell_lines("made on cell 3, line 1: did", line_map, labels, 3) == "made on line 1: did"
    for untouched in ("in `f()` (line 9 of `helpers.py`)", "(cell 7, line 3)", "(line 70)", "`line 2`"):
        assert _cell_lines(untouched, line_map, labels, 3) == untouched


def test_a_cells_class_has_its_documented_methods_checked(shell, capsys):
    shell.run_line_magic("load_ext", "shapelint")
    run(shell, capsys, '''
        import numpy as np

        class Layer:
            def forward(self, X):
                """
                Arguments:
                X -- input data of shape (3, number of examples)
                """
                return X.sum(axis=0)

            def size(self):
                return 3
        ''')
    layer = shell.user_ns["Layer"]
    assert hasattr(vars(layer)["forward"], "__wrapped__") and not hasattr(vars(layer)["size"], "__wrapped__")
    result, _ = run(shell, capsys, "Layer().forward(np.ones((4, 2)))\n")
    assert isinstance(result.error_in_exec, shapelint.ShapeError)
    shell.run_line_magic("unload_ext", "shapelint")
    assert not hasattr(vars(layer)["forward"], "__wrapped__")


STEP_BY_STEP = Path(__file__).resolve().parents[2] / "fixtures" / "newcomer" / "step_by_step"


def run_notebook(shell, capsys, cells, stop_after=None):
    """Each code cell in turn: [(its In [n], its result, what shapelint printed before it)]."""
    ran = []
    for cell in cells[:stop_after]:
        count = shell.execution_count
        result, err = run(shell, capsys, cell)
        ran.append((count, result, err))
    return ran


@pytest.fixture
def step_by_step(tmp_path, monkeypatch):
    """The newcomer's step-by-step notebook's code cells, run from a copy of its folder."""
    folder = tmp_path / "project" / "step_by_step"
    shutil.copytree(STEP_BY_STEP, folder)
    monkeypatch.chdir(folder)
    monkeypatch.syspath_prepend(str(folder))
    yield [src for src in (("".join(c["source"]) if isinstance(c["source"], list) else c["source"])
                           for c in json.loads((folder / "step_by_step.ipynb").read_text())["cells"]
                           if c["cell_type"] == "code") if src.strip()]
    for name in ("testCases", "dnn_utils"):
        sys.modules.pop(name, None)


def test_the_course_notebook_runs_clean_with_the_extension(shell, capsys, step_by_step):
    shell.run_line_magic("load_ext", "shapelint")
    ran = run_notebook(shell, capsys, step_by_step)
    # no static finding and no runtime contract error on the unmodified notebook
    assert [(n, err) for n, _, err in ran if err] == []
    assert [(n, r.error_in_exec) for n, r, _ in ran if not r.success] == []
    # the functions whose docstrings state shapes were checked on every call
    for name in ("linear_forward", "linear_activation_forward", "L_model_forward", "compute_cost"):
        assert hasattr(shell.user_ns[name], "__wrapped__"), name


def test_a_students_bug_in_the_course_notebook(shell, capsys, step_by_step):
    # issue 16's dW_missing_transpose: the bug is in the cell defining linear_backward; the
    # next cell's test call makes it fail: the finding is at the bug's own cell and line,
    # printed before that test cell runs, with the call as its note
    at = next(k for k, cell in enumerate(step_by_step) if "dW = np.dot(dZ, A_prev.T) / m" in cell)
    cells = list(step_by_step)
    cells[at] = cells[at].replace("dW = np.dot(dZ, A_prev.T) / m", "dW = np.dot(dZ, A_prev) / m")
    bug_line = cells[at].splitlines().index("    dW = np.dot(dZ, A_prev) / m") + 1
    shell.run_line_magic("load_ext", "shapelint")
    ran = run_notebook(shell, capsys, cells, stop_after=at + 2)
    assert [err for _, _, err in ran[:at + 1]] == [""] * (at + 1)
    count, result, err = ran[at + 1]
    assert err.startswith(f"In [{count - 1}], line {bug_line}: SL102 `np.dot(dZ, A_prev)`")
    assert f" = note: with the shapes passed at In [{count}], line " in err
    assert not result.success  # and the cell fails when it runs, as shapelint said
