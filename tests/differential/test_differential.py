"""Differential test: the analyzer against what NumPy really does.

Random programs (progen.py) are run with NumPy and analyzed with shapelint;
scoring.py compares the two.  Two modes: 300 programs with literal sizes
(seeds 0..299) and 300 functions with symbolic sizes (``f(n, m, k, p, q, X0,
X1)``, seeds 0..299, run under three generic assignments of the sizes).
Targets: crash recall >= 0.99 with literal sizes and >= 0.97 with symbolic
ones, error precision >= 0.995, no wrong shape, exact shapes >= 90 %.

Recall counts only crashes caused by a shape error within SL101..SL106
(progen.IN_SCOPE); NumPy errors outside that scope (progen.OUT_OF_SCOPE:
max/argmax of a zero-size array, non-shape errors such as a TypeError from a
float size) are left out of it, and so are crashes that depend on random data
(the line runs for the other outcome of an `if np.random.rand() > 0.5:`).

To see the failures behind a figure, with shrunk examples:
    python bench/differential_report.py --n 300
"""

from __future__ import annotations

import ast

import pytest

import scoring
from progen import (DECLARED, GENERIC_SETS, IN_SCOPE, SIZE_NAMES, Program, _agree, _table_injective, generate,
                    ground_truth)
from scoring import Stats, classify_shape, evaluate, failures, group_failures, minimize, program_of

SEEDS = range(0, 300)
SYMBOLIC_SEEDS = range(0, 300)
RECALL = {"literal": 0.99, "symbolic": 0.97}


@pytest.fixture(scope="module")
def stats() -> Stats:
    return scoring.run(SEEDS)


@pytest.fixture(scope="module")
def sym_stats() -> Stats:
    return scoring.run(SYMBOLIC_SEEDS, "symbolic")


@pytest.fixture(params=["literal", "symbolic"])
def any_stats(request, stats, sym_stats) -> Stats:
    return stats if request.param == "literal" else sym_stats


def _examples(stats: Stats, kind: str, n: int = 5) -> str:
    out = []
    for key, fails in group_failures(stats).items():
        if key.startswith(kind):
            f = fails[0]
            out.append(f"  [{len(fails)}x] seed {f.seed} line {f.line}: {f.statement}  -- {f.detail}")
    return "\n".join(out[:n])


# -- the generator and the harness -------------------------------------------------------


def test_generator_is_deterministic():
    import numpy as np

    for seed in (0, 7, 123):
        a = generate(seed)
        np.random.seed(seed + 1)  # whatever the global generator holds
        np.random.rand(17)
        b = generate(seed)
        assert a.source == b.source
        assert a.truth == b.truth


def test_generated_programs_are_well_formed(stats: Stats):
    categories = set()
    for o in stats.outcomes:
        p = o.program
        assert p.truth.generator_bug is None, (p.seed, p.truth.generator_bug, p.source)
        tree = ast.parse(p.source)
        assert isinstance(tree.body[0], ast.Import)
        body = tree.body[1:]
        assert 5 <= len(body) <= 15, p.source
        for stmt in ast.walk(tree):
            if isinstance(stmt, ast.stmt) and not isinstance(stmt, ast.If):
                assert stmt.lineno == stmt.end_lineno, (p.seed, "one statement per line")
        lines = p.source.splitlines()
        for (line, name) in p.truth.shapes:
            assert p.truth.crash_line is None or line < p.truth.crash_line
            assert name in lines[line - 1].split("=")[0], (p.seed, line, name)
        if p.truth.crash_line is not None:
            categories.add(p.truth.crash_category)
    crashing = sum(o.program.truth.crash_line is not None for o in stats.outcomes)
    # mismatches are common, but most statements fit
    assert 0.25 * len(SEEDS) <= crashing <= 0.85 * len(SEEDS), crashing
    assert stats.crashes_in_scope >= 100
    assert set(IN_SCOPE) - {"unpack"} <= categories, categories
    assert stats.names >= 1000


def test_ground_truth_of_a_handwritten_program():
    src = (
        "import numpy as np\n"
        "a = np.zeros((3, 4))\n"
        "n, m = a.shape\n"
        "s = a.sum(axis=0, keepdims=True)\n"
        "if np.random.rand() > 2.0:\n"
        "    b = a @ np.ones(5)\n"
        "else:\n"
        "    b = a[:, 1]\n"
        "c = b.reshape(2, 2)\n"
        "d = np.ones(3)\n"
    )
    t = ground_truth(src)
    assert t.crash_line == 9 and t.crash_category == "reshape" and t.in_scope
    assert t.shapes == {(2, "a"): (3, 4), (4, "s"): (1, 4), (8, "b"): (3,)}
    assert t.dead_crash_lines == {6}  # the untaken branch would have raised


def test_classify_shape():
    assert classify_shape([3, 4], (3, 4)) == "exact"
    assert classify_shape([], ()) == "exact"
    assert classify_shape(None, (3,)) == "unknown"
    assert classify_shape([3, None], (3, 4)) == "unknown"
    assert classify_shape(["n", 4], (3, 4)) == "unknown"
    assert classify_shape([3, 5], (3, 4)) == "wrong"
    assert classify_shape([3, None], (4, 4)) == "wrong"
    assert classify_shape([None], (3, 4)) == "wrong"
    assert classify_shape([], (1,)) == "wrong"


def test_scoring_counts_false_positives_misses_and_wrong_shapes(monkeypatch):
    """The harness itself: a fake analyzer that is wrong in every way is scored so."""
    import shapelint.analysis
    from shapelint.diagnostics import Diagnostic, FileResult, ShapeRecord

    src = "import numpy as np\na = np.zeros((3, 4))\nb = a.T\nc = b @ np.ones(5)\nd = c + 1\n"

    def fake(source, path="<string>", codes=None, collect_shapes=False):
        r = FileResult(path=path)
        r.shapes = [ShapeRecord(path, 2, 1, "a", [3, 4]), ShapeRecord(path, 3, 1, "b", [3, 4])]
        r.diagnostics = [
            Diagnostic(path, 2, 1, 2, 5, "SL101", "error", "bogus"),
            Diagnostic(path, 3, 1, 3, 5, "SL201", "warning", "ignored: a warning"),
            Diagnostic(path, 5, 1, 5, 5, "SL101", "error", "ignored: after the crash"),
        ]
        return r

    monkeypatch.setattr(shapelint.analysis, "analyze_source", fake)
    o = evaluate(Program(seed=-1, source=src, truth=ground_truth(src)))
    assert o.program.truth.crash_line == 4 and o.crash_in_scope and not o.crash_detected
    assert o.false_positive_lines == [2] and o.true_positive_lines == []
    assert [s.verdict for s in o.shapes] == ["exact", "wrong"]
    assert sorted(f.kind for f in failures(o)) == ["false-positive", "missed-crash", "wrong-shape"]
    st = Stats()
    st.add(o)
    assert (st.recall, st.precision, st.wrong_share, st.exact_share) == (0.0, 0.0, 0.5, 0.5)


def test_minimize_keeps_only_what_the_failure_needs(monkeypatch):
    import shapelint.analysis
    from shapelint.diagnostics import Diagnostic, FileResult

    def fake(source, path="<string>", codes=None, collect_shapes=False):
        r = FileResult(path=path)
        for i, text in enumerate(source.splitlines(), 1):
            if text == "b = a.T":  # a "false positive" on every `b = a.T`
                r.diagnostics.append(Diagnostic(path, i, 1, i, 5, "SL105", "error", "bogus"))
        return r

    monkeypatch.setattr(shapelint.analysis, "analyze_source", fake)
    src = ("import numpy as np\nz = np.ones(4)\na = np.zeros((2, 3))\nif z.shape[0] > 1:\n    y = z + 1\n"
           "else:\n    y = z - 1\nb = a.T\nc = b.sum()\n")
    (f,) = failures(evaluate(Program(seed=-1, source=src, truth=ground_truth(src))))
    assert f.kind == "false-positive" and f.line == 8
    small = minimize(f)
    assert small.source == "import numpy as np\na = np.zeros((2, 3))\nb = a.T\n" and small.line == 3


# -- the analyzer against NumPy ----------------------------------------------------------


def test_analyzer_never_fails_internally(any_stats: Stats):
    bad = [(o.program.seed, o.internal_error) for o in any_stats.outcomes if o.internal_error]
    assert not bad, bad[:3]


def test_crash_recall(any_stats: Stats):
    assert any_stats.recall >= RECALL[any_stats.mode], (
        f"{any_stats.summary()}\nmissed crashes:\n{_examples(any_stats, 'missed-crash')}")


def test_error_precision(any_stats: Stats):
    assert any_stats.precision >= 0.995, (
        f"{any_stats.summary()}\nfalse positives:\n{_examples(any_stats, 'false-positive')}")


def test_no_wrong_shapes(any_stats: Stats):
    assert any_stats.wrong == 0, f"{any_stats.summary()}\nwrong shapes:\n{_examples(any_stats, 'wrong-shape')}"


def test_exact_shapes(any_stats: Stats):
    assert any_stats.exact_share >= 0.90, any_stats.summary()


# -- symbolic mode -------------------------------------------------------------------------


def test_symbolic_programs_are_well_formed(sym_stats: Stats):
    crashing = 0
    for o in sym_stats.outcomes:
        p = o.program
        assert p.mode == "symbolic" and p.truth.generator_bug is None, (p.seed, p.truth.generator_bug, p.source)
        tree = ast.parse(p.source)
        (fn,) = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        assert [a.arg for a in fn.args.args] == list(SIZE_NAMES + DECLARED)
        declared = [ast.unparse(n.test) for n in fn.body[:len(DECLARED)]]
        assert all(d.startswith(f"{x}.shape == (") for d, x in zip(declared, DECLARED)), declared
        # three generic assignments, different values, and the runs agree
        assert len(p.assignments) == 3 and len({tuple(a.values()) for a in p.assignments}) == 3
        for a in p.assignments:
            assert sorted(a.values()) in [sorted(s) for s in GENERIC_SETS]
        assert _agree(p.truths)
        crashing += p.truth.crash_line is not None
    assert 0.25 * len(SYMBOLIC_SEEDS) <= crashing <= 0.85 * len(SYMBOLIC_SEEDS), crashing
    assert sym_stats.names >= 1000
    # compound sizes are exercised: products, sums, differences in the inferred shapes
    inferred = [str(d) for o in sym_stats.outcomes for s in o.shapes if s.inferred for d in s.inferred]
    for op in (" * ", " + ", " - "):
        assert sum(op in d for d in inferred) >= 20, op


def test_generic_values_keep_polynomials_apart():
    assert len(GENERIC_SETS) >= 5
    for values in GENERIC_SETS:
        assert _table_injective(values) and min(values) > 8
    assert not _table_injective((11, 13, 17, 19, 23))  # 11 + 23 == 17 + 17: not generic


def test_a_program_that_depends_on_the_values_of_the_sizes_is_noticed():
    src = ("import numpy as np\n\n\ndef f(n, m, k, p, q, X0, X1):\n"
           "    assert X0.shape == (n,)\n    assert X1.shape == (m,)\n    v0 = X0[m]\n")
    a = dict(zip(SIZE_NAMES, (11, 29, 53, 61, 67)))
    b = dict(zip(SIZE_NAMES, (29, 11, 53, 61, 67)))
    truths = [ground_truth(src, a), ground_truth(src, b)]
    assert [t.crash_line for t in truths] == [7, None]
    assert not _agree(truths)


def test_symbolic_shapes_are_checked_at_every_assignment():
    a, b = {"q": 11, "k": 13}, {"q": 29, "k": 31}
    assert classify_shape(["2 * q", "k"], (22, 13), [(b, (58, 31))], a) == "exact"
    assert classify_shape(["2 * q", "k"], (22, 13), [(b, (58, 30))], a) == "wrong"
    assert classify_shape(["q + 11", "k"], (22, 13), [(b, (58, 31))], a) == "wrong"  # right at one point only
    assert classify_shape([None, "k"], (22, 13), [(b, (58, 31))], a) == "unknown"
    assert classify_shape(["2 * q"], (22, 13), [], a) == "wrong"


def test_the_misses_of_the_first_version_are_caught():
    """The user's report: compound sizes assumed to fit."""
    src = ("import numpy as np\n\n\ndef f(n, m, k, p, q, X0, X1):\n"
           "    assert X0.shape == (k, n)\n    assert X1.shape == (q, p)\n"
           "    v1 = np.vstack([X1, X1])\n"  # (2q, p)
           "    v2 = np.dot(X0, v1)\n")
    p = program_of(src, -1, [dict(zip(SIZE_NAMES, (11, 29, 53, 61, 67)))])
    o = evaluate(p)
    assert p.truth.crash_line == 8 and o.crash_detected


def test_crashes_that_depend_on_random_data():
    src = ("import numpy as np\na = np.zeros(3)\nif np.random.rand() > 2.0:\n    b = np.zeros(3)\n"
           "else:\n    b = np.zeros(4)\nc = a + b\n")
    t = ground_truth(src)
    assert t.crash_line == 7 and t.data_dependent  # runs with the other outcome
    t = ground_truth(src.replace("np.zeros(3)\nelse", "np.zeros(5)\nelse"))
    assert t.crash_line == 7 and not t.data_dependent  # raises either way
