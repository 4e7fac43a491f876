"""Size verdicts: arithmetic over positive integers first, then the generic-size convention.

Property tests check each kind of verdict against assignments of values:
a verdict by arithmetic holds for *every* positive assignment, one by the
convention for *generic* ones (large, independent values), and the shape rules
agree with NumPy on symbolic shapes evaluated at generic values.
"""

import itertools

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from shapelint.algebra import ops
from shapelint.algebra.dims import (
    ARITHMETIC,
    CONVENTION,
    UNKNOWN,
    Sym,
    add,
    at_least,
    compare_dims,
    compare_order,
    dims_equal,
    fresh,
    mul,
    product,
    shape_size,
    sub,
)

n, m, k, p, q = (Sym.name(x) for x in "nmkpq")
NAMES = ("n", "m", "k")
INVENTED = fresh("a")


# -- random polynomials -------------------------------------------------------------

monomials = st.lists(st.sampled_from(NAMES + (INVENTED.names[0],)), min_size=0, max_size=2)
terms = st.tuples(monomials, st.integers(-3, 3))
polys = st.lists(terms, min_size=1, max_size=3).map(
    lambda ts: _poly(ts))


def _poly(ts):
    out = 0
    for mono, coef in ts:
        term = coef
        for name in mono:
            term = mul(term, Sym.name(name))
        out = add(out, term)
    return out


def _value(d, values):
    if isinstance(d, int):
        return d
    total = 0
    for mono, coef in d.terms:
        v = coef
        for name in mono:
            v *= values[name]
        total += v
    return total


def _names(*dims):
    return sorted({x for d in dims if isinstance(d, Sym) for x in d.names})


@settings(max_examples=200, deadline=None)
@given(polys, polys)
def test_arithmetic_verdicts_hold_for_every_positive_assignment(a, b):
    v = compare_dims(a, b)
    names = _names(a, b)
    if v.reason != ARITHMETIC:
        return
    for values in itertools.product(range(1, 5), repeat=len(names)):
        env = dict(zip(names, values))
        assert (_value(a, env) == _value(b, env)) == v.equal, (a, b, env)


# Generic values: large and unrelated (no small polynomial relation among them),
# in any order.
GENERIC_VALUES = [1000003, 1299709, 1645333, 2750159]


@settings(max_examples=200, deadline=None)
@given(polys, polys, st.permutations(GENERIC_VALUES))
def test_convention_verdicts_hold_for_generic_sizes(a, b, values):
    v = compare_dims(a, b)
    names = _names(a, b)
    env = dict(zip(names, values))
    if v.reason == CONVENTION:
        assert not any(x.startswith("?") for x in _names(sub(a, b)))
        assert v.equal is False
        assert _value(a, env) != _value(b, env), (a, b, env)
    if v.reason == UNKNOWN:
        assert v.equal is None


@settings(max_examples=200, deadline=None)
@given(polys, polys, st.permutations(GENERIC_VALUES))
def test_order_verdicts(a, b, values):
    sign, reason = compare_order(a, b)
    names = _names(a, b)
    if reason == ARITHMETIC:
        for small in itertools.product(range(1, 5), repeat=len(names)):
            env = dict(zip(names, small))
            x, y = _value(a, env), _value(b, env)
            assert (x > y) - (x < y) == sign, (a, b, env)
    if reason == CONVENTION:
        assert not any(x.startswith("?") for x in _names(sub(a, b)))
        env = dict(zip(names, values))
        x, y = _value(a, env), _value(b, env)
        assert (x > y) - (x < y) == sign, (a, b, env)
    ge, reason = at_least(a, b)
    if reason == ARITHMETIC:
        for small in itertools.product(range(1, 5), repeat=len(names)):
            env = dict(zip(names, small))
            assert (_value(a, env) >= _value(b, env)) == ge, (a, b, env)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(NAMES), st.integers(-4, 4), st.integers(1, 3), st.integers(-6, 6))
def test_condition_names_the_value_where_two_sizes_meet(name, c0, c1, rhs):
    """``c1 * x + c0`` against ``rhs``: the condition is the positive root, if any."""
    x = Sym.name(name)
    a = add(mul(c1, x), c0)
    v = compare_dims(a, rhs)
    roots = [val for val in range(1, 40) if c1 * val + c0 == rhs]
    if rhs == c0 == 0:  # c1 * x against a literal 0: an empty array is real, so not arithmetic's to decide
        assert (v.equal, v.reason, str(v.condition)) == (False, CONVENTION, f"{name} == 0")
    elif roots:
        assert v.equal is False and v.reason == CONVENTION
        assert str(v.condition) == f"{name} == {roots[0]}"
    else:
        assert v.equal is False and v.reason == ARITHMETIC


# -- the verdicts the convention was written for ---------------------------------------

def test_arithmetic_decides_first():
    assert compare_dims(mul(2, q), q) == compare_dims(q, mul(2, q))
    assert compare_dims(mul(2, q), q).reason == ARITHMETIC and dims_equal(mul(2, q), q) is False
    assert compare_dims(add(q, 1), q).reason == ARITHMETIC
    assert compare_dims(mul(2, k), 3).reason == ARITHMETIC  # 2k is even
    assert compare_dims(mul(n, m), mul(m, n)).equal is True
    assert compare_dims(mul(mul(2, p), q), q).reason == ARITHMETIC  # q * (2p - 1) > 0


def test_the_convention_decides_what_arithmetic_leaves_open():
    v = compare_dims(mul(p, q), q)
    assert (v.equal, v.reason, str(v.condition)) == (False, CONVENTION, "p == 1")
    assert compare_dims(n, m).reason == CONVENTION
    assert compare_dims(n, 3) == compare_dims(n, 3) and compare_dims(n, 3).equal is False
    assert str(compare_dims(sub(k, 1), 1).condition) == "k == 2"
    assert compare_dims(add(k, m), mul(2, q)).equal is False


def test_invented_sizes_only_by_arithmetic():
    a = fresh("a")
    assert compare_dims(add(a, 1), a).reason == ARITHMETIC
    assert compare_dims(mul(2, a), a).reason == ARITHMETIC
    assert compare_dims(a, n).reason == UNKNOWN
    assert compare_dims(a, 1).reason == UNKNOWN
    assert compare_dims(mul(a, q), q).reason == UNKNOWN
    assert compare_order(a, 3) == (None, UNKNOWN)


def test_a_plural_s_is_a_typo_not_a_second_size():
    assert compare_dims(Sym.name("n_features"), Sym.name("n_feature")).equal is None
    assert compare_dims(add(Sym.name("n_features"), 1), add(Sym.name("n_feature"), 1)).equal is None
    assert compare_dims(add(Sym.name("n_features"), 1), Sym.name("n_feature")).equal is False
    assert compare_dims(Sym.name("n_features"), Sym.name("n_samples")).equal is False


def test_order_by_the_convention():
    assert compare_order(k, 3) == (1, CONVENTION)  # a declared size exceeds any constant
    assert compare_order(n, m) == (None, UNKNOWN)
    assert compare_order(mul(n, m), m) == (1, CONVENTION)
    assert compare_order(add(k, 1), k) == (1, ARITHMETIC)
    assert at_least(sub(k, 1), 0) == (True, ARITHMETIC)


# -- the shape rules: the misses of the first version ------------------------------------

def _raises(fn, kind):
    with pytest.raises(ops.ShapeMismatch) as err:
        fn()
    assert err.value.kind is kind
    return err.value


def test_products_with_compound_sizes():
    _raises(lambda: ops.dot((k, n), (mul(2, q), q)), ops.ErrorKind.PRODUCT)
    _raises(lambda: ops.dot((q, mul(2, k)), (q, 1)), ops.ErrorKind.PRODUCT)
    e = _raises(lambda: ops.dot((n, 1), (n, 1)), ops.ErrorKind.PRODUCT)
    assert e.reason == CONVENTION and "it would run only if n == 1" in e.message


def test_broadcasts_with_compound_sizes():
    _raises(lambda: ops.broadcast((mul(p, q),), (k, q)), ops.ErrorKind.BROADCAST)
    _raises(lambda: ops.broadcast((q, n), (mul(m, q), 1)), ops.ErrorKind.BROADCAST)
    e = _raises(lambda: ops.broadcast((k, q), (sub(k, 1), q)), ops.ErrorKind.BROADCAST)
    assert e.reason == CONVENTION and str(e.condition) == "k == 2" and e.hint == "it would run only if k == 2"
    e = _raises(lambda: ops.broadcast((mul(2, q),), (q,)), ops.ErrorKind.BROADCAST)
    assert e.reason == CONVENTION and e.hint == ""  # runs if q == 1: the convention itself, not named
    e = _raises(lambda: ops.broadcast((add(q, 1),), (add(q, 2),)), ops.ErrorKind.BROADCAST)
    assert e.reason == ARITHMETIC and e.hint == ""


def test_joining_and_reshaping_with_compound_sizes():
    e = _raises(lambda: ops.vstack([(q, p), (q, 1)]), ops.ErrorKind.JOIN)
    assert "it would run only if p == 1" in e.message
    _raises(lambda: ops.reshape((p, m), (p, q)), ops.ErrorKind.RESHAPE)
    e = _raises(lambda: ops.reshape((m,), (-1, k)), ops.ErrorKind.RESHAPE)
    assert e.reason == CONVENTION and "k divides m" in e.message
    assert ops.reshape((k, q), (-1, q)) == (k, q)
    assert ops.reshape((mul(2, k),), (-1, 2)) == (k, 2)
    assert ops.reshape((k, q), (-1, 2)) == (None, 2)  # k * q even? parity is not the convention's


def test_undecided_sizes_are_not_guessed():
    a, b = fresh("a"), fresh("b")
    assert ops.broadcast((a,), (b,)) == (None,)  # either could be 1
    assert ops.broadcast((a,), (3,)) == (3,)  # a is 1 or 3: the result is 3 either way
    assert ops.broadcast((a,), (n,)) == (n,)
    assert ops.concatenate([(a, 2), (n, 2)], 1) == (n, 4)  # it runs only if a == n


def test_slices_and_indices_with_symbolic_bounds():
    assert ops.index((k, q), [ops.Slice(1, None)]) == (sub(k, 1), q)
    assert ops.index((k,), [ops.Slice(None, -1)]) == (sub(k, 1),)
    assert ops.index((k,), [ops.Slice(1, 3)]) == (2,)  # k > 3 (generic)
    assert ops.index((n,), [ops.Slice(None, k)]) == (None,)  # k or n: nothing orders them
    assert ops.index((k,), [ops.Slice(None, k)]) == (k,)
    assert ops.index((k,), [ops.Slice(k, None)]) == (0,)
    assert ops.index((k, q), [2]) == (q,)
    _raises(lambda: ops.index((k, q), [k]), ops.ErrorKind.AXIS)
    _raises(lambda: ops.index((k, q), [ops.Slice(), q]), ops.ErrorKind.AXIS)
    _raises(lambda: ops.index((k,), [sub(-1, k)]), ops.ErrorKind.AXIS)  # x[-k - 1]
    assert ops.index((k,), [sub(0, k)]) == ()  # x[-k]
    assert ops.index((k, q), [fresh("i")]) == (q,)


def test_squeeze_einsum_diff_arange():
    _raises(lambda: ops.squeeze((n, 1), 0), ops.ErrorKind.AXIS)
    assert ops.squeeze((n, 1), 1) == (n,)
    _raises(lambda: ops.einsum("ij,jk->ik", [(n, m), (k, n)]), ops.ErrorKind.PRODUCT)
    assert ops.einsum("ij,jk->ik", [(n, 1), (m, k)]) == (n, k)
    assert ops.diff((k,), 1) == (sub(k, 1),)
    assert ops.diff((fresh("a"),), 3) == (None,)


# -- against NumPy at generic values ------------------------------------------------------

# The dims a symbolic shape is made of; their values below are chosen so that
# distinct dims take distinct values and none is 1 (the convention's premise,
# checked for every example).
SYM_DIMS = [1, 2, n, m, k, add(n, 1), sub(n, 1), mul(2, n), mul(n, m), add(n, m)]
GENERIC = {"n": 11, "m": 13, "k": 17}
sym_shapes = st.lists(st.sampled_from(SYM_DIMS), min_size=0, max_size=3).map(tuple)


def _numeric(shape):
    return tuple(_value(d, GENERIC) for d in shape)


def _generic(*shapes):
    dims = {d for s in shapes for d in s}
    values = {}
    for d in dims:
        v = _value(d, GENERIC)
        if values.setdefault(v, d) != d:
            return False
    return True


def _agrees(got, want):
    if got is None:
        return True
    return len(got) == len(want) and all(g is None or _value(g, GENERIC) == w for g, w in zip(got, want))


def _outcomes(algebra, numpy_fn):
    try:
        want = ("ok", tuple(np.shape(numpy_fn())))
    except (ValueError, IndexError, np.exceptions.AxisError):
        want = ("raise", None)
    try:
        got = ("ok", algebra())
    except ops.ShapeMismatch:
        got = ("raise", None)
    return got, want


def _check(algebra, numpy_fn):
    got, want = _outcomes(algebra, numpy_fn)
    assert got[0] == want[0], (got, want)
    if got[0] == "ok":
        assert _agrees(got[1], want[1]), (got, want)


def _arr(shape):
    return np.broadcast_to(np.zeros(()), _numeric(shape))  # no memory for the elements


@settings(max_examples=300, deadline=None)
@given(sym_shapes, sym_shapes)
def test_symbolic_broadcast_matches_numpy(a, b):
    assume(_generic(a, b))
    _check(lambda: ops.broadcast(a, b), lambda: np.broadcast_to(np.zeros(()), np.broadcast_shapes(_numeric(a), _numeric(b))))


# products compute their result: sizes without n * m keep them small
small_sym_shapes = st.lists(st.sampled_from([d for d in SYM_DIMS if d != mul(n, m)]), min_size=0, max_size=3).map(tuple)


@settings(max_examples=300, deadline=None)
@given(small_sym_shapes, small_sym_shapes)
def test_symbolic_products_match_numpy(a, b):
    assume(_generic(a, b))
    _check(lambda: ops.dot(a, b), lambda: np.dot(_arr(a), _arr(b)))
    _check(lambda: ops.matmul(a, b), lambda: np.matmul(_arr(a), _arr(b)))
    _check(lambda: ops.inner(a, b), lambda: np.inner(_arr(a), _arr(b)))


@settings(max_examples=300, deadline=None)
@given(st.lists(sym_shapes.filter(len), min_size=1, max_size=3), st.integers(-2, 1))
def test_symbolic_joining_matches_numpy(shapes, axis):
    assume(_generic(*shapes))
    arrays = [_arr(s) for s in shapes]
    _check(lambda: ops.concatenate(shapes, axis), lambda: np.concatenate(arrays, axis))
    _check(lambda: ops.vstack(shapes), lambda: np.vstack(arrays))
    _check(lambda: ops.hstack(shapes), lambda: np.hstack(arrays))
    _check(lambda: ops.stack(shapes), lambda: np.stack(arrays))


@settings(max_examples=300, deadline=None)
@given(sym_shapes, st.lists(st.sampled_from(SYM_DIMS + [-1]), min_size=1, max_size=3))
def test_symbolic_reshape_matches_numpy(a, new):
    known = tuple(d for d in new if d != -1)
    assume(_generic(a, known, (shape_size(a), product(known))))
    target = tuple(-1 if d == -1 else _value(d, GENERIC) for d in new)
    got, want = _outcomes(lambda: ops.reshape(a, new), lambda: np.zeros(_numeric(a)).reshape(target))
    if got[0] == "ok" and -1 in new and got[1][new.index(-1)] is None:
        # the size of -1 is left unknown where divisibility is not decided (a
        # constant divisor of a symbolic size is a matter of parity)
        return
    assert got[0] == want[0], (got, want)
    if got[0] == "ok":
        assert _agrees(got[1], want[1]), (got, want)


slice_bounds = st.one_of(st.none(), st.integers(-3, 3), st.sampled_from([n, k, sub(n, 1), mul(2, n)]))


@settings(max_examples=300, deadline=None)
@given(sym_shapes.filter(len), slice_bounds, slice_bounds)
def test_symbolic_slices_match_numpy(a, start, stop):
    assume(_generic(a, tuple(b for b in (start, stop) if isinstance(b, Sym))))
    sl = slice(None if start is None else _value(start, GENERIC), None if stop is None else _value(stop, GENERIC))
    _check(lambda: ops.index(a, [ops.Slice(start, stop)]), lambda: _arr(a)[sl])


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([n, m, Sym.name("n_s"), Sym.name("n_"), INVENTED, -1, 0, 1, 3]),
       st.sampled_from([n, m, Sym.name("n_s"), INVENTED, fresh("b"), -2, 0, 1, 2, 7]))
def test_the_fast_path_for_names_gives_the_general_verdict(a, b):
    from shapelint.algebra import dims

    if isinstance(a, int) and isinstance(b, int) or a == b:
        return
    quick = dims._compare_names(a, b)
    general = dims._compare_symbolic.__wrapped__
    saved = dims._compare_names
    dims._compare_names = lambda *_: None
    try:
        assert quick == general(a, b), (a, b)
    finally:
        dims._compare_names = saved


def _one(d):
    v = compare_dims(d, 1)
    return str(v.condition) if v.reason == CONVENTION else ""


def test_when_an_expression_would_be_one():
    assert _one(sub(k, 1)) == "k == 2"
    assert _one(sub(mul(2, k), 5)) == "k == 3"
    assert _one(mul(2, k)) == ""  # never: 2k is even
    assert _one(fresh("a")) == ""  # unknown, not the convention's
    assert _one(n) == "n == 1"


def test_a_condition_is_a_tree_read_by_its_structure():
    from shapelint.algebra.dims import NO_CONDITION, Condition
    from shapelint.algebra.ops import _names_are_one, equal_shapes_condition

    eq = Condition.equal
    ones = Condition.all_of([eq("p", "1"), eq("q", "1")])
    roots = Condition.any_of([eq("k", "2"), eq("k", "3")])
    # a conjunction inside a disjunction is bracketed, and the other way round; one operator flattens
    assert str(Condition.any_of([ones, eq("n", "2")])) == "(p == 1 and q == 1) or n == 2"
    assert str(Condition.all_of([roots, eq("n", "m")])) == "(k == 2 or k == 3) and n == m"
    assert str(Condition.any_of([roots, eq("k", "5"), eq("k", "2")])) == "k == 2 or k == 3 or k == 5"
    assert Condition.all_of([NO_CONDITION]) is NO_CONDITION and not NO_CONDITION
    assert eq("n", "m").same_as(eq("m", "n")) and not eq("n", "m").same_as(eq("n", "k"))
    assert _names_are_one(ones) and _names_are_one(eq("n", "1"))
    assert not _names_are_one(eq("k - 1", "1")) and not _names_are_one(roots) and not _names_are_one(NO_CONDITION)
    # (1, 1) against (n_y, 1): only n_y == 1; two axes with one equality name it once
    assert str(equal_shapes_condition((1, 1), (Sym.name("n_y"), 1))) == "n_y == 1"
    assert str(equal_shapes_condition((n, m), (m, n))) == "n == m"
    assert equal_shapes_condition((2, 3), (2, 4)) is NO_CONDITION  # never equal: no condition


def test_a_branch_for_a_special_size_is_not_judged_by_the_convention():
    """`if n == 1:` is the code saying n is 1 there: nothing in it is an error by n != 1."""
    from shapelint.analysis import analyze_source

    src = ("import numpy as np\n\n\ndef f(n, X):\n    assert X.shape == (n, 3)\n"
           "    if n == 1:\n        a = X.reshape(3)\n    else:\n        a = X + np.ones((4,))\n"
           "    if X.shape[0] != 1:\n        b = X\n    else:\n        b = X.reshape(3)\n"
           "    c = X.reshape(3)\n    return a, b, c\n")
    found = sorted((d.line, d.code) for d in analyze_source(src, "f.py").diagnostics if d.severity == "error")
    assert found == [(9, "SL101"), (14, "SL103")]
