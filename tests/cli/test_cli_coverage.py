"""`shapelint coverage`, and the summary line's count of functions that could not be checked."""

import json
import textwrap

import pytest
from click.testing import CliRunner

from shapelint.analysis import analyze_source
from shapelint.cli import cli

# `forward` has no caller and declares nothing: every size in it is made up, so no finding
# can come from it.  `init` makes its arrays from sizes it is given (checked), `predict`
# declares X (checked), `helper` is called with real arrays (checked).
UNCHECKED = '''
import numpy as np

def forward(X, parameters):
    W1 = parameters["W1"]
    b1 = parameters["b1"]
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    return A1

def init(n_x, n_h):
    W = np.random.randn(n_h, n_x) * 0.01
    b = np.zeros((n_h, 1))
    return W, b

def predict(X, w):
    """
    Arguments:
    X -- data of shape (n_x, m)
    w -- weights, a numpy array of size (n_x, 1)
    """
    A = np.dot(w.T, X)
    return A > 0.5

def helper(A):
    B = A * 2
    return B.sum(axis=0, keepdims=True)

out = helper(np.ones((3, 4)))
'''

CHECKED = UNCHECKED.replace("def forward(X, parameters):", '''def forward(X, parameters):
    """
    Arguments:
    X -- input data of shape (n_x, m)
    """''')


def invoke(args, **kw):
    return CliRunner().invoke(cli, args, catch_exceptions=False, **kw)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.shapelint]\n")
    (tmp_path / "unchecked.py").write_text(UNCHECKED)
    (tmp_path / "checked.py").write_text(CHECKED)
    return tmp_path


def test_the_analysis_names_the_function_it_could_not_check():
    assert analyze_source(UNCHECKED, "u.py").unchecked == ["forward"]
    assert analyze_source(CHECKED, "c.py").unchecked == []


def test_what_does_not_count_as_unchecked():
    def unchecked(src):
        return analyze_source(textwrap.dedent(src), "x.py").unchecked

    # called with real sizes, from the file itself
    assert unchecked('''
        import numpy as np
        def f(X):
            return X.T
        f(np.ones((3, 2)))
    ''') == []
    # an assert names its sizes
    assert unchecked('''
        import numpy as np
        def f(X, n):
            assert X.shape == (n, 1)
            return X.T
    ''') == []
    # no array anywhere: not NumPy code
    assert unchecked('''
        import numpy as np
        def greet(name):
            return "hello " + name
    ''') == []
    # a size of 1 (keepdims) is structure, not a checkable size; a call from an unchecked caller
    # passes made-up sizes only
    assert unchecked('''
        import numpy as np
        def inner(A):
            return np.sum(A, axis=1, keepdims=True)
        def outer(X):
            return inner(X.T)
    ''') == ["inner", "outer"]
    # a function its own analysis found a bug in was checked (SL208 needs no size to be known)
    assert unchecked('''
        import numpy as np
        def forward(X, W1, W2):
            a1 = np.tanh(np.dot(W1, X))
            return np.dot(W2, a1.T)
        def fine(X, W1):
            return np.dot(W1, X)
    ''') == ["fine"]


def test_the_summary_counts_functions_that_could_not_be_checked(project):
    r = invoke(["check", "unchecked.py", "--no-cache"])
    assert r.exit_code == 0, r.output
    assert r.output.strip() == ("All checks passed! (1 function could not be checked: no caller and no "
                                "declared shapes; see `shapelint coverage`)")
    r = invoke(["check", "--no-cache", "--format", "concise", "unchecked.py"])
    assert "1 function could not be checked" in r.output


def test_no_count_when_every_function_is_called_or_declared(project):
    r = invoke(["check", "checked.py", "--no-cache"])
    assert r.exit_code == 0, r.output
    assert r.output.strip() == "All checks passed!"


def test_the_count_goes_with_findings_and_through_the_cache(project):
    (project / "bug.py").write_text(UNCHECKED + "\nbad = np.ones((2, 3)) + np.ones((4, 5))\n")
    for _ in range(2):  # the second run reads the cache
        r = invoke(["check", "bug.py", "unchecked.py", "checked.py", "--jobs", "1"])
        assert r.exit_code == 1
        last = r.output.strip().splitlines()[-1]
        assert last.startswith("Found 1 finding (1 error) in 1 file.")
        assert last.endswith("(2 functions could not be checked: no caller and no declared shapes; "
                             "see `shapelint coverage`)")


def test_json_output_stays_a_list_of_findings(project):
    r = invoke(["check", "unchecked.py", "--no-cache", "--format", "json"])
    assert json.loads(r.output) == []


def test_coverage_text_worst_first(project):
    r = invoke(["coverage", "unchecked.py", "checked.py", "--no-cache"])
    assert r.exit_code == 0, r.output
    lines = r.output.strip().splitlines()
    # W1, b1, Z1, A1 come from `parameters`; Z1 and A1 from X too
    assert lines[0] == ("unchecked.py:4:5: forward: 0 of 4 array values known (0%); declare: parameters "
                        "(4 values), X (2); not checked: no caller and no declared shapes")
    shares = [line for line in lines[1:-1]]
    assert shares[0].startswith("checked.py:4:5: forward: ")  # the next worst: X declared, parameters not
    assert "declare: parameters" in shares[0] and "not checked" not in shares[0]
    assert all("100%" in line for line in shares[1:])
    assert lines[-1].startswith(f"{len(lines) - 1} functions: ")
    assert lines[-1].endswith("; 1 could not be checked.")


def test_coverage_json(project):
    r = invoke(["coverage", "unchecked.py", "--no-cache", "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert rows[0] == {"path": "unchecked.py", "line": 4, "column": 5, "function": "forward", "values": 4,
                       "known": 0, "partly": 0, "share": 0.0, "unknown": ["W1", "b1", "Z1", "A1"],
                       "declare": [{"parameter": "parameters", "values": 4}, {"parameter": "X", "values": 2}],
                       "checked": False}
    init = next(row for row in rows if row["function"] == "init")
    assert init["checked"] and init["known"] == init["values"] == 2 and init["share"] == 1.0
    assert init["declare"] == []  # n_x and n_h are sizes: nothing to declare


def test_coverage_exit_codes(project):
    (project / "broken.py").write_text("def f(x:\n    return x\n")
    r = invoke(["coverage", "broken.py", "unchecked.py", "--no-cache"])
    assert r.exit_code == 2
    assert "broken.py:" in r.output and "forward" in r.output
    r = invoke(["coverage", "missing.py", "--no-cache"])
    assert r.exit_code == 2


def test_a_drivers_calls_check_a_helper_and_fill_in_its_signature(tmp_path, monkeypatch):
    # dnn_utils.py calls nothing itself; the script beside it that imports it does (a driver)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.shapelint]\n")
    helper = textwrap.dedent('''
        import numpy as np

        def sigmoid(Z):
            A = 1 / (1 + np.exp(-Z))
            cache = Z
            return A, cache
    ''')
    (tmp_path / "dnn_utils.py").write_text(helper)
    r = invoke(["check", "dnn_utils.py", "--no-cache"])
    assert "1 function could not be checked" in r.output  # no driver yet
    r = invoke(["shapes", "--signatures", "dnn_utils.py", "--no-cache"])
    assert r.output.strip().endswith("sigmoid(Z: ?) -> (A, cache)")
    (tmp_path / "run.py").write_text("import numpy as np\nfrom dnn_utils import sigmoid\n"
                                     "A, cache = sigmoid(np.ones((3, 4)))\n")
    r = invoke(["check", "dnn_utils.py", "--no-cache"])
    assert r.output.strip() == "All checks passed!"
    r = invoke(["shapes", "--signatures", "dnn_utils.py", "--no-cache"])
    assert r.output.strip().endswith("sigmoid(Z: (3, 4)) -> ((3, 4), (3, 4))")
    r = invoke(["shapes", "dnn_utils.py", "--no-cache"])
    assert "A: (3, 4)" in r.output  # as `shapes` has it
