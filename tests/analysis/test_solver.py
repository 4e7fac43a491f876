"""The shape-variable solver on its own: bindings, the pairs kept apart, the column layout."""

from shapelint.algebra.dims import fresh
from shapelint.analysis.solver import Apart, ShapeSolver, variable_name


def _var(label):
    d = fresh(label)
    return d, variable_name(d)


def test_binding_a_pair_kept_apart_is_the_contradiction():
    solver = ShapeSolver()
    (_, n), (dm, m) = _var("W.shape[0]"), _var("W.shape[1]")
    solver.keep_apart(frozenset((n, m)), Apart("W", (0, 1)))
    assert solver.bind(n, dm) == Apart("W", (0, 1))
    assert solver.bound[n] == dm


def test_a_stated_equality_forgets_the_pair():
    solver = ShapeSolver()
    (_, n), (dm, m) = _var("Q.shape[0]"), _var("Q.shape[1]")
    solver.keep_apart(frozenset((n, m)), Apart("Q", (0, 1)))
    assert solver.bind(n, dm, stated=True) is None
    assert frozenset((n, m)) not in solver.apart


def test_a_pair_follows_the_variable_a_size_became():
    solver = ShapeSolver()
    (_, a), (_, b), (dc, c) = _var("A.shape[0]"), _var("A.shape[1]"), _var("B.shape[0]")
    solver.keep_apart(frozenset((a, b)), Apart("A", (0, 1)))
    assert solver.bind(a, dc) is None  # a is c now: c is kept apart from b
    assert solver.apart[frozenset((c, b))] == Apart("A", (0, 1))
    assert solver.current_variable(a) == c
    assert solver.bind(b, dc) == Apart("A", (0, 1))


def test_bindings_since_a_mark_and_a_module_recorded_on_its_own():
    solver = ShapeSolver()
    (_, a), (_, b) = _var("a"), _var("b")
    mark = solver.mark()
    solver.bind(a, 3)
    assert solver.bound_since(mark) == {a: 3}
    saved = solver.open_module()
    solver.keep_apart(frozenset((a, b)), Apart("M", (0, 1)))
    noted = solver.close_module(saved)
    assert noted == [(frozenset((a, b)), Apart("M", (0, 1)))]
    assert frozenset((a, b)) in solver.apart  # merged back
    other = ShapeSolver()
    other.adopt(noted, [(a, 5)])
    assert other.bound[a] == 5 and frozenset((a, b)) in other.apart


def test_the_column_layout_keeps_layer_sizes_apart_from_examples():
    solver = ShapeSolver()
    (d_h, h), (d_x, nx) = _var("W1.shape[0]"), _var("W1.shape[1]")
    (d_x2, _), (d_m, m) = _var("X.shape[0]"), _var("X.shape[1]")
    solver.note_product(("W1", False), ("X", False), (d_h, d_x), (d_x2, d_m))
    assert solver.apart[frozenset((h, m))] == Apart("W1", (0, 1), data="X")
    assert solver.apart[frozenset((nx, m))] == Apart("W1", (1, 1), data="X")
    quiet = ShapeSolver()
    quiet.note_product(None, ("X", False), (d_h, d_x), (d_x2, d_m))  # no weight: no evidence
    assert quiet.apart == {}
