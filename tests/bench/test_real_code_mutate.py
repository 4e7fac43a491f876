"""The real-code benchmark's mutation operators and truth classification (bench/real_code/).

Snippets written here in the course's style; no corpus needed.
"""

from __future__ import annotations

import ast
import functools
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from real_code import corpus, execute, fixes, layout, lint, mutate, report  # noqa: E402

SNIPPET = textwrap.dedent('''\
    import numpy as np
    from numpy.random import randn

    def init(n_x, n_h):
        W1 = np.random.randn(n_h, n_x) * 0.01
        b1 = np.zeros((n_h, 1))
        b2 = np.ones(shape=(n_h, 1))
        c = randn(n_h, 1)
        assert W1.shape == (n_h, n_x)
        return W1, b1

    def forward(X, W, b):
        Z = np.dot(W, X) + b
        A = W @ X.T
        B = W.dot(X + 1)
        s = np.sum(A, axis=1, keepdims=True)
        m = X.shape[1]
        t = A.mean(0)
        return np.matmul(W.T, (X)), s

    class Layer:
        def f(self, x):
            return x.sum(axis=0)

    Y = np.dot(np.ones((2, 2)), np.ones((2, 2)))
    ''')


@functools.lru_cache(maxsize=None)
def scanned(source: str) -> mutate.Scan:
    return mutate.scan(source)  # libcst is slow: each snippet is scanned once


def edits(source: str, kind: str):
    return sorted((m.line, m.after.strip()) for m in scanned(source).mutants if m.kind == kind)


@pytest.mark.parametrize("kind, expected", [
    ("T_added", [(13, "Z = np.dot(W.T, X) + b"), (13, "Z = np.dot(W, X.T) + b"), (14, "A = W.T @ X.T"),
                 (15, "B = W.T.dot(X + 1)"), (15, "B = W.dot((X + 1).T)"), (19, "return np.matmul(W.T, (X.T)), s")]),
    ("T_removed", [(14, "A = W @ X"), (19, "return np.matmul(W, (X)), s")]),
    ("dot_swapped", [(13, "Z = np.dot(X, W) + b"), (14, "A = X.T @ W"), (15, "B = (X + 1).dot(W)"),
                     (19, "return np.matmul(X, (W.T)), s")]),
    ("dot_to_star", [(13, "Z = (W * X) + b"), (14, "A = W * X.T"), (19, "return (W.T * X), s")]),
    ("keepdims_dropped", [(16, "s = np.sum(A, axis=1)")]),
    ("axis_swapped", [(16, "s = np.sum(A, axis=0, keepdims=True)"), (18, "t = A.mean(1)"),
                      (23, "return x.sum(axis=1)")]),
    ("shape_index_swapped", [(17, "m = X.shape[0]")]),
    ("rank1_creation", [(6, "b1 = np.zeros((n_h,))"), (7, "b2 = np.ones(shape=(n_h,))"), (8, "c = randn(n_h)")]),
])
def test_each_kind_makes_the_expected_single_line_edits(kind, expected):
    assert edits(SNIPPET, kind) == sorted(expected)


def test_no_mutant_touches_asserts_or_module_level_code():
    lines = {m.line for m in scanned(SNIPPET).mutants}
    assert 9 not in lines  # the assert
    assert 25 not in lines  # module level


def test_every_mutant_parses_and_changes_exactly_one_line():
    sources = [SNIPPET, textwrap.dedent('''\
        import numpy as np
        def g(a, b, c):
            y = np.dot(a,
                       b)  # spans lines: the swap is skipped, the .T on one operand is not
            z = np.dot(a + b, c - 1) ** 2
            w = -a @ b
            v = np.random.normal(0, 1, (a.shape[0], 1))
            return np.random.rand(3, 1), z, w, v, y
        ''')]
    for source in sources:
        scan = scanned(source)
        assert scan.mutants
        for m in scan.mutants:
            mutated = mutate.mutated_source(source, m)
            ast.parse(mutated)
            before, after = source.splitlines(), mutated.splitlines()
            assert len(before) == len(after)
            assert [i + 1 for i, (x, y) in enumerate(zip(before, after)) if x != y] == [m.line]
    kinds = {(m.kind, m.after.strip()) for m in scanned(sources[1]).mutants}
    assert ("dot_to_star", "z = ((a + b) * (c - 1)) ** 2") in kinds
    assert ("dot_swapped", "w = b @ (-a)") in kinds
    assert ("rank1_creation", "v = np.random.normal(0, 1, (a.shape[0],))") in kinds
    assert ("rank1_creation", "return np.random.rand(3), z, w, v, y") in kinds
    assert not any(k == "dot_swapped" and "y =" in a for k, a in kinds)


def test_functions_are_units_with_their_class():
    scan = scanned(SNIPPET)
    units = {f.qualname: f for f in scan.functions}
    assert set(units) == {"init", "forward", "Layer.f"}
    assert (units["Layer.f"].unit_start, units["Layer.f"].unit_end) == (21, 23)
    assert units["forward"].params == ("X", "W", "b")


def test_notebook_lines_stay_aligned():
    nb = ('{"cells": [{"cell_type": "code", "source": ["%matplotlib inline\\n", "import numpy as np"]},'
          '{"cell_type": "markdown", "source": ["# text"]},'
          '{"cell_type": "code", "source": ["x = np.ones(3)\\n", "!ls\\n", "np.ones?"]},'
          '{"cell_type": "code", "source": ["%%bash\\n", "echo hi"]}]}')
    text, nb_map = corpus.notebook_to_py(nb.encode())
    assert text.splitlines() == ["# %matplotlib inline", "import numpy as np", "x = np.ones(3)", "# !ls",
                                 "# np.ones?", "# %%bash", "# echo hi"]
    assert nb_map.cells == [(1, 1), (1, 2), (3, 1), (3, 2), (3, 3), (4, 1), (4, 2)]


def test_templates_are_recognized():
    template = "def f(X):\n    ### START CODE HERE ###\n    A = None\n    ### END CODE HERE ###\n    return A\n"
    filled = "def f(X):\n    ### START CODE HERE ###\n    A = X + 1\n    ### END CODE HERE ###\n    return A\n"
    assert corpus.is_template(template, ast.parse(template))
    assert not corpus.is_template(filled, ast.parse(filled))


def test_inputs_from_a_docstring_use_distinct_sizes():
    source = textwrap.dedent('''\
        def linear_forward(A, W, b, n_h):
            """
            Arguments:
            A -- activations from previous layer: (size of previous layer, number of examples)
            W -- weights matrix: numpy array of shape (size of current layer, size of previous layer)
            b -- bias vector, numpy array of shape (size of the current layer, 1)
            """
            return W @ A + b
        ''')
    (fn,) = mutate.scan(source).functions
    spec = execute.synth_spec(fn)
    shapes = {p["name"]: p.get("shape", p.get("value")) for p in spec}
    assert shapes["A"][0] == shapes["W"][1] and shapes["W"][0] == shapes["b"][0] and shapes["b"][1] == 1
    assert len({shapes["A"][0], shapes["A"][1], shapes["W"][0], shapes["n_h"]}) == 4


TRUTH_MODULE = textwrap.dedent('''\
    import numpy as np

    def forward(W, X, b):
        Z = np.dot(W, X) + b
        s = np.sum(Z, axis=1, keepdims=True)
        k = Z.shape[0]
        return Z, s

    def never_called(X):
        return np.dot(X, X.T)

    W = np.ones((4, 3))
    X = np.ones((3, 5))
    b = np.zeros((4, 1))
    forward(W, X, b)
    ''')


def test_truth_classifies_crash_silent_no_effect_and_not_run(tmp_path, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "written.txt"
    source = TRUTH_MODULE + f"open({str(outside)!r}, 'w').write('corpus code wrote here')\n"
    path = tmp_path / "net.py"
    path.write_text(source)
    f = corpus.SourceFile(corpus.Repo("me/net", "0" * 40, "scratch"), "net.py", path, source, "sha", 17,
                          tree=tmp_path)
    scan = mutate.scan(source)
    job = execute.job_for(f, scan, execute.Budgets(trace=20, call=5), matplotlib=False)
    records, note = execute.run_worker(job, "test", tmp_path / "work", tmp_path, sys.executable)
    truth = execute.interpret(records, scan, job, note)
    outcome = {(m.kind, m.after.strip()): truth.outcomes[i]["outcome"] for i, m in enumerate(scan.mutants)}
    assert outcome[("dot_swapped", "Z = np.dot(X, W) + b")] == "crash"
    assert outcome[("keepdims_dropped", "s = np.sum(Z, axis=1)")] == "silent"
    assert outcome[("axis_swapped", "s = np.sum(Z, axis=0, keepdims=True)")] == "silent"
    assert outcome[("shape_index_swapped", "k = Z.shape[1]")] == "no_effect"  # k is not returned
    assert outcome[("dot_swapped", "return np.dot(X.T, X)")] == "not_run"
    crash = next(truth.outcomes[i] for i, m in enumerate(scan.mutants) if m.kind == "dot_swapped" and m.line == 4)
    assert crash["exc_type"] == "ValueError"
    never = truth.units[("never_called", 9)]
    assert never.usable == 0 and never.reason.startswith("never called: the run failed on a forbidden write")
    assert truth.units[("forward", 3)].usable == 1
    # the write outside the repository tree was refused, and the run went on past it
    assert not outside.exists()
    assert truth.run_failures == 1 and "benchmark forbids" in truth.run_detail


def test_a_helper_is_driven_by_a_script_that_imports_it(tmp_path):
    repo = corpus.Repo("me/nets", "0" * 40, "scratch")
    sources = {
        "train.py": "import numpy as np\nfrom nn.layers import Dense\nDense(3).forward(np.ones((2, 3)))\n",
        "nn/__init__.py": "from .layers import Dense\n",
        "nn/layers.py": "import numpy as np\nclass Dense:\n    def __init__(self, n):\n        self.W = np.ones((n, 4))\n",
        "week1/utils.py": "import numpy as np\ndef sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n",
        "week1/notebook.py": "import numpy as np\nfrom utils import sigmoid\nsigmoid(np.ones(3))\n",
        "week1/other.py": "import numpy as np\nimport utils\n",
    }
    files = []
    for rel, text in sources.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        nb = corpus.NotebookMap("week1/notebook.ipynb", []) if rel == "week1/notebook.py" else None
        files.append(corpus.SourceFile(repo, rel, path, text, rel, text.count("\n"), notebook=nb, tree=tmp_path))
    corpus.classify(files)
    drivers = {ident.split("/", 1)[1]: f.rel for ident, f in corpus.drivers(files).items()}
    assert drivers["nn/layers.py"] == "train.py"
    assert drivers["week1/utils.py"] == "week1/notebook.py"  # a notebook of the folder first
    assert "train.py" not in drivers

    # the method is never called by its own file's run: the driver's run records it
    layers = next(f for f in files if f.rel == "nn/layers.py")
    scan = mutate.scan(layers.text)
    job = execute.job_for(layers, scan, execute.Budgets(trace=20, call=5), False, corpus.drivers(files)[layers.ident])
    records, note = execute.run_worker(job, "driver", tmp_path / "work", tmp_path, sys.executable)
    truth = execute.interpret(records, scan, job, note)
    assert truth.units[("Dense.__init__", 3)].usable == 1
    assert truth.driver_status == "completed"


# -- the report's figures and the fix round-trip (bench/real_code/report.py, fixes.py, rerun_worker.py) --------


def _record(outcome, caught_at=(), classified_by="trace", function="f", line=10, function_line=1):
    rec = report.MutantRecord("me/net", "net.py", function, line, "T_added", "a", "b", outcome,
                              classified_by=classified_by, function_line=function_line)
    rec.new_findings = [(lint.Finding(at, "SL101", "error", "m"), "line" if at == line else "call site")
                        for at in caught_at]
    return rec


def test_percentile_is_nearest_rank():
    assert report.percentile([1] * 9 + [5], 90) == 1  # the 9th of 10 values, not the 10th
    assert report.percentile([1, 2, 3, 4], 50) == 2
    assert report.percentile([7], 90) == 7


def test_landing_counts_the_caught_bugs_only():
    records = [_record("crash", caught_at=(10,)), _record("silent", caught_at=(30, 31, 32)),
               _record("crash"), _record("no_effect", caught_at=(10,))]
    lines, data = report.landing(records)
    assert data["caught"] == 2 and data["on_mutated_line"] == 1
    assert data["new_findings_per_bug"] == {"median": 1, "p90": 3, "max": 3}
    assert "1/2 (50.0%)" in lines[0]


def test_classification_separates_the_code_the_repository_runs():
    records = [_record("crash", caught_at=(10,), function="a"), _record("crash", function="a"),
               _record("silent", caught_at=(10,), classified_by="docstring", function="b"),
               _record("not_run", classified_by=None, function="c"), _record("not_run", classified_by=None,
                                                                             function="c"),
               _record("not_run", classified_by=None, function="a", function_line=40)]  # "a" defined again
    _, data = report.classification(records)
    assert data["functions"] == {"recorded calls": 1, "docstring inputs": 1, "layout conventions": 0,
                                 "unclassifiable": 2}
    assert data["mutants"]["unclassifiable"] == 3
    runs, every = data["caught on code the repository runs"], data["caught over all classifiable"]
    assert runs["crash"] == {"caught": 1, "of": 2, "recall": 0.5} and runs["silent"]["of"] == 0
    assert every["silent"] == {"caught": 1, "of": 1, "recall": 1.0}


def test_unmodified_headline_lists_every_finding():
    findings = {"/t/a.py": [lint.Finding(3, "SL301", "warning", "m"), lint.Finding(9, "SL101", "error", "m")],
                "/t/b.py": []}
    lines, data = report.unmodified_headline(findings, 20000, {"/t/a.py": "r/a.py"})
    assert (data["findings"], data["errors"], data["per_1000_lines"]) == (2, 1, 0.1)
    assert data["list"] == ["r/a.py:3 SL301 (warning)", "r/a.py:9 SL101 (error)"]


def test_a_fix_is_located_in_its_function_or_outside_it():
    mutant = ["def f(W, X):", "    Z = np.dot(X, W)", "    return Z", "", "y = 1"]
    inside = ["def f(W, X):", "    Z = np.dot(W, X)", "    Z = Z + 0", "    return Z", "", "y = 1"]
    assert fixes.unit_edit(mutant, inside, 1, 3) == (True, False, inside[:4])
    outside = ["def f(W, X):", "    Z = np.dot(X, W)", "    return Z", "", "y = 2"]
    assert fixes.unit_edit(mutant, outside, 1, 3)[:2] == (True, True)
    above = ["import numpy as np"] + mutant
    assert fixes.unit_edit(mutant, above, 1, 3)[:2] == (True, True)
    assert fixes.unit_edit(mutant, mutant, 1, 3) == (False, False, mutant[:3])


def test_clean_maps_the_original_findings_through_the_edits():
    original = ["a", "b", "c"]
    fixed = ["a", "new", "b", "c"]
    on_original = [lint.Finding(3, "SL301", "warning", "m")]
    assert fixes.clean(original, fixed, on_original, [lint.Finding(4, "SL301", "warning", "m")])
    assert not fixes.clean(original, fixed, on_original, [lint.Finding(3, "SL301", "warning", "m")])
    assert not fixes.clean(original, fixed, [], [lint.Finding(1, "SL101", "error", "m")])


def test_fixed_functions_run_on_the_recorded_calls(tmp_path):
    path = tmp_path / "net.py"
    path.write_text(TRUTH_MODULE)
    f = corpus.SourceFile(corpus.Repo("me/net", "0" * 40, "scratch"), "net.py", path, TRUTH_MODULE, "sha", 17,
                          tree=tmp_path)
    scan = mutate.scan(TRUTH_MODULE)
    forward = next(fn for fn in scan.functions if fn.qualname == "forward")
    body = TRUTH_MODULE.splitlines()[forward.unit_start - 1:forward.unit_end]
    two_lines = body[:1] + ["    Z = np.dot(W, X)", "    Z = Z + b"] + body[2:]
    bodies = {0: body, 1: [b.replace("np.dot(W, X) + b", "np.dot(X, W) + b") for b in body],
              2: [b.replace("keepdims=True", "keepdims=False") for b in body], 3: two_lines}
    job = fixes.job_for(f, scan, [(k, forward, b) for k, b in bodies.items()], execute.Budgets(trace=20, call=5),
                        False, None)
    assert [u["qualname"] for u in job["units"]] == ["forward"]
    records, note = execute.run_worker(job, "fix", tmp_path / "work", tmp_path, sys.executable,
                                       script=execute.RERUN_WORKER)
    outcome = {r["id"]: r["outcome"] for r in records if r.get("type") == "fix"}
    assert outcome == {0: "same", 1: "raises", 2: "differs", 3: "same"}


def _function(source: str) -> mutate.Function:
    (fn,) = mutate.scan(source).functions
    return fn


def test_layout_conventions_make_inputs_from_the_course_names():
    spec = layout.inputs(_function("def linear_forward(A, W, b):\n    return W @ A + b\n"))
    assert layout.shapes_of(spec) == {"A": (5, 7), "W": (4, 5), "b": (4, 1)}
    spec = layout.inputs(_function("def forward_propagation(X, parameters, keep_prob=0.5):\n    return X\n"))
    shapes = layout.shapes_of(spec)
    assert shapes["X"] == (5, 7) and set(shapes) == {"X", "parameters"}
    assert shapes["parameters"]["W1"] == (4, 5) and shapes["parameters"]["W2"] == (3, 4)
    assert shapes["parameters"]["b3"] == (1, 1)
    spec = layout.inputs(_function("def linear_backward(dZ, cache):\n    return dZ\n"))
    assert layout.shapes_of(spec)["cache"] == [(5, 7), (4, 5), (4, 1)]
    # a name that is not a convention, a cache of an unknown step, a method: no inputs
    assert layout.inputs(_function("def f(X, foo):\n    return X\n")) is None
    assert layout.inputs(_function("def g(dA, cache):\n    return dA\n")) is None
    assert layout.inputs(_function("class C:\n    def f(self, X):\n        return X\n")) is None


LAYOUT_MODULE = textwrap.dedent('''\
    import numpy as np

    def forward_propagation(X, parameters):
        W1 = parameters["W1"]
        b1 = parameters["b1"]
        Z1 = np.dot(W1, X) + b1
        return np.tanh(Z1)

    def helper(q):
        return np.dot(q, q.T)
    ''')


def test_the_layout_pass_runs_what_nothing_calls(tmp_path):
    path = tmp_path / "nn.py"
    path.write_text(LAYOUT_MODULE)
    f = corpus.SourceFile(corpus.Repo("me/nn", "0" * 40, "dls"), "nn.py", path, LAYOUT_MODULE, "sha", 10,
                          tree=tmp_path)
    scan = mutate.scan(LAYOUT_MODULE)
    budgets = execute.Budgets(trace=20, call=5)
    job = execute.job_for(f, scan, budgets, matplotlib=False)
    records, note = execute.run_worker(job, "t", tmp_path / "work", tmp_path, sys.executable)
    truth = execute.interpret(records, scan, job, note)
    assert not truth.units[("forward_propagation", 3)].usable
    messages = []
    n = execute.layout_pass([(f, scan, False, None)], [truth], tmp_path / "work", sys.executable, budgets, 1,
                            messages.append)
    assert n == 1
    unit = truth.units[("forward_propagation", 3)]
    assert unit.usable == 1 and unit.inputs == "conventions"
    outcome = {(m.function.qualname, m.after.strip()): truth.outcomes[i]["outcome"] for i, m in enumerate(scan.mutants)}
    assert outcome[("forward_propagation", "Z1 = np.dot(X, W1) + b1")] == "crash"
    assert outcome[("helper", "return np.dot(q.T, q.T)")] == "not_run"  # q is no convention name
