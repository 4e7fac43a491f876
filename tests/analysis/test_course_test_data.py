"""A docstring that contradicts only the course's own test data is SL304 (opt-in), not SL301:
the course's unmodified code passes the default gate, and the student's own calls still get SL301."""

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from shapelint.analysis import analyze_source
from shapelint.analysis.testdata import is_test_case_function, is_test_module
from shapelint.cli import cli
from shapelint.rules import default_codes
from shapelint.runner import lint_bytes

COURSE = Path(__file__).resolve().parents[2] / "fixtures" / "course_tests"
ALL = default_codes() | {"SL304"}

DOCUMENTED = '''\
import numpy as np

def forward(X, W):
    """
    Arguments:
    X -- input dataset, of shape (2, number of examples)
    W -- weights, of shape (n_h, 2)
    """
    return np.dot(W, X)
'''


def found(path, codes=ALL):
    source = Path(path).read_text()
    return sorted((d.line, d.code) for d in analyze_source(source, str(path), codes=codes).diagnostics)


def test_the_course_file_is_clean_by_default_and_sl304_names_the_test_calls():
    path = COURSE / "dropout.py"
    assert found(path, default_codes()) == []
    assert found(path) == [(88, "SL304"), (92, "SL304")]


def test_the_students_own_data_keeps_sl301():
    assert found(COURSE / "my_data.py") == [(18, "SL301"), (23, "SL304")]


def test_the_gate(monkeypatch):
    monkeypatch.chdir(COURSE)
    runner = CliRunner()
    assert runner.invoke(cli, ["check", "--no-cache", "dropout.py", "testCases_v2.py"]).exit_code == 0
    r = runner.invoke(cli, ["check", "--no-cache", "--extend-select", "SL304", "--format", "json", "dropout.py"])
    assert r.exit_code == 1
    assert [(d["code"], d["severity"]) for d in json.loads(r.stdout)] == [("SL304", "warning")] * 2


def test_names_that_mark_test_data():
    for stem in ("testCases", "testCases_v2", "testCases_v4a", "testCase1", "test_cases", "public_tests",
                 "test_utils", "TestCases"):
        assert is_test_module(f"/course/{stem}.py"), stem
    for stem in ("dnn_utils", "tests_helper", "mytestCases", "testCases.ipynb", "test_model"):
        assert not is_test_module(f"/course/{stem}.py" if "." not in stem else f"/course/{stem}"), stem
    for name in ("linear_forward_test_case", "L_model_forward_test_case_2hidden", "update_testcase",
                 "gradient_check_n_test_case", "compute_cost_test_cases"):
        assert is_test_case_function(name), name
    for name in ("test_case", "run_tests", "forward_test", "testcase_loader"):
        assert not is_test_case_function(name), name


def test_a_computation_on_test_data_is_the_callers_own_array():
    src = DOCUMENTED + ("def forward_test_case():\n    return np.ones((3, 5)), np.ones((4, 3))\n"
                        "X_t, W_t = forward_test_case()\n"
                        "forward(X_t, W_t)\n"            # 13: the course's data as it is
                        "forward(X_t * 2, W_t)\n")       # 14: computed from it by the caller
    got = sorted((d.line, d.code) for d in analyze_source(src, "nb.py", codes=ALL).diagnostics)
    assert got == [(13, "SL304"), (14, "SL301")]


def test_one_array_of_the_students_own_makes_it_sl301():
    # W binds n_x before X is compared: when W is the student's, the contradiction is theirs too
    src = ('import numpy as np\n\ndef scale(W, X):\n    """\n    W -- weights, of shape (n_h, n_x)\n'
           '    X -- input, of shape (n_x, number of examples)\n    """\n    return 2 * X\n\n'
           'def w_test_case():\n    return np.ones((4, 2))\n\ndef x_test_case():\n    return np.ones((3, 5))\n\n'
           'scale(w_test_case(), x_test_case())\n'  # 16: all the course's
           'scale(np.ones((4, 2)), x_test_case())\n')  # 17: W is the student's
    got = sorted((d.line, d.code) for d in analyze_source(src, "nb.py", codes=ALL).diagnostics)
    assert got == [(16, "SL304"), (17, "SL301")]


def test_a_call_made_inside_a_test_module(tmp_path):
    # public_tests.py (2021 course): the test function makes its data and calls the student's function
    (tmp_path / "public_tests.py").write_text(
        "import numpy as np\n\ndef forward_test(target):\n    np.random.seed(1)\n"
        "    X = np.random.randn(3, 5)\n    W = np.random.randn(4, 3)\n    return target(X, W)\n")
    main = tmp_path / "assignment.py"
    main.write_text(DOCUMENTED + "\nfrom public_tests import *\nforward_test(forward)\n")
    assert found(main, default_codes()) == []
    assert [code for _, code in found(main)] == ["SL304"]


def notebook(*sources):
    cells = [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
              "source": s.splitlines(keepends=True)} for s in sources]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


@pytest.fixture
def course_notebook(tmp_path):
    shutil.copy(COURSE / "testCases_v2.py", tmp_path / "testCases_v2.py")
    path = tmp_path / "Regularization.ipynb"
    path.write_text(notebook(
        "import numpy as np\nfrom testCases_v2 import *\n",
        'def forward_propagation_with_dropout(X, parameters, keep_prob=0.5):\n'
        '    """\n    Arguments:\n    X -- input dataset, of shape (2, number of examples)\n    """\n'
        '    Z1 = np.dot(parameters["W1"], X) + parameters["b1"]\n    return Z1\n',
        "X_assess, parameters = forward_propagation_with_dropout_test_case()\n"
        "A3 = forward_propagation_with_dropout(X_assess, parameters, keep_prob=0.7)\n",
        "X_mine = np.random.randn(4, 10)\nZ = forward_propagation_with_dropout(X_mine, {'W1': np.ones((3, 4)), "
        "'b1': np.zeros((3, 1))})\n"))
    return path


def test_a_course_notebook(course_notebook):
    data = course_notebook.read_bytes()
    got = lint_bytes(data, str(course_notebook), ALL).diagnostics
    assert [(d.code, d.cell, d.line) for d in got] == [("SL304", 3, 2), ("SL301", 4, 2)]
    got = lint_bytes(data, str(course_notebook)).diagnostics
    assert [(d.code, d.cell) for d in got] == [("SL301", 4)]


def test_sl304_is_documented_and_opt_in():
    r = CliRunner().invoke(cli, ["rules"])
    line = next(x for x in r.stdout.splitlines() if x.startswith("SL304"))
    assert "(opt-in)" in line and "test-data-contradicts-docstring" in line
    r = CliRunner().invoke(cli, ["explain", "SL304"])
    assert "Enabled by default: no" in r.stdout and "## Why is this bad?" in r.stdout


MASK = '''\
import numpy as np

def create_mask_from_window(x):
    """
    Arguments:
    x -- Array of shape (f, f)
    """
    return x == np.max(x)
'''


def test_a_seeded_test_cell_at_the_top_level_is_the_courses():
    cell = "np.random.seed(1)\nx = np.random.randn(2, 3)\nmask = create_mask_from_window(x)\n"
    got = [(d.line, d.code) for d in analyze_source(MASK + cell, "nb.py", codes=ALL).diagnostics]
    assert got == [(11, "SL304")]
    script = MASK + "if __name__ == '__main__':\n" + "".join("    " + line + "\n" for line in cell.splitlines())
    assert [d.code for d in analyze_source(script, "nb.py", codes=ALL).diagnostics] == ["SL304"]


@pytest.mark.parametrize("cell", [
    "x = np.random.randn(2, 3)\nmask = create_mask_from_window(x)\n",                 # not seeded
    "np.random.seed(1)\nn = 3\nx = np.random.randn(2, n)\nmask = create_mask_from_window(x)\n",  # a size of its own
    "np.random.seed(1)\nx = np.random.randn(2, 3).T[:, :2].T\nmask = create_mask_from_window(x[:, :3])\n",
    "def run():\n    np.random.seed(1)\n    x = np.random.randn(2, 3)\n    return create_mask_from_window(x)\n"
    "run()\n",                                                                         # inside a function
])
def test_other_random_arrays_are_the_students(cell):
    got = [d.code for d in analyze_source(MASK + cell, "nb.py", codes=ALL).diagnostics]
    assert got == ["SL301"], cell
