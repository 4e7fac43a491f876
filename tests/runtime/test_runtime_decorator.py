"""``@shapes`` and ``check``: explicit runtime contracts."""

import inspect
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from shapelint.algebra.spec import SpecError
from shapelint.errors import ShapeError
from shapelint.runtime import contracts
from shapelint.runtime.contracts import (
    ShapeContractWarning,
    _slow_call,
    check,
    compile_contract,
    make_wrapper,
)
from shapelint.runtime.decorator import shapes

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(autouse=True)
def checking_on():
    saved = (contracts.STATE.enabled, contracts.STATE.mode)
    contracts.enable("raise")
    contracts.clear_violations()
    yield
    contracts.STATE.enabled, contracts.STATE.mode = saved
    contracts.clear_violations()


def z(*shape):
    return np.zeros(shape)


@shapes(W="n_l n_prev", A_prev="n_prev m", b="n_l 1", returns="n_l m")
def linear_forward(A_prev, W, b):
    return W @ A_prev + b


def test_matching_call_passes_through():
    out = linear_forward(z(3, 5), z(4, 3), z(4, 1))
    assert out.shape == (4, 5)


def test_dims_are_bound_across_arguments():
    with pytest.raises(ShapeError) as info:
        linear_forward(z(3, 5), z(4, 2), z(4, 1))
    message = str(info.value)
    assert message.startswith("linear_forward(): argument 'W' has shape (4, 2), but the contract says "
                              "'n_l n_prev': dim 1 (n_prev) is 2 but n_prev was bound to 3 by "
                              "argument 'A_prev'")
    assert "bound dims: n_prev=3, m=5" in message


def test_violation_names_the_call_site():
    with pytest.raises(ShapeError) as info:
        linear_forward(z(3, 5), z(4, 3), z(3, 1))  # the line below is the call site
    line = inspect.currentframe().f_lineno - 1
    assert f"call at {__file__}:{line}" in str(info.value)
    violation = info.value.violation
    assert (violation.function, violation.argument, violation.shape) == ("linear_forward", "argument 'b'", (3, 1))
    assert violation.bindings == {"n_prev": 3, "m": 5, "n_l": 4}
    assert violation.lineno == line


def test_return_value_is_checked_against_argument_bindings():
    @shapes(x="n m", returns="m n")
    def transpose_wrongly(x):
        return x

    assert shapes(x="n m", returns="m n")(lambda x: x.T)(z(2, 3)).shape == (3, 2)
    with pytest.raises(ShapeError, match=r"return value has shape \(2, 3\).*dim 0 \(m\) is 2 but m was "
                                         r"bound to 3 by argument 'x'"):
        transpose_wrongly(z(2, 3))


def test_shape_error_is_a_value_error():
    with pytest.raises(ValueError):
        linear_forward(z(3), z(4, 3), z(4, 1))


@pytest.mark.parametrize(
    "spec, good, bad",
    [
        ("n m", (2, 3), (2, 3, 1)),
        ("n 1", (5, 1), (5, 2)),
        ("batch *rest", (2, 3, 4), ()),
        ("...", (1, 2, 3), None),
        ("_", (7,), (7, 1)),
        ("", (), (1,)),
        ("n+1 n", (4, 3), (4, 4)),
        ("2*n n", (6, 3), (5, 3)),
        ("#n n", (1, 3), (2, 3)),
        ("(n_h, n_x)", (2, 3), (2,)),
        ("(n,)", (4,), (4, 1)),
        ("(size of previous layer, number of examples)", (2, 3), (2, 3, 4)),
        ("(n[l], n[l-1])", (2, 3), (2,)),
        ("(1, m)", (1, 9), (9, 1)),
    ],
)
def test_each_spec_form(spec, good, bad):
    f = shapes(x=spec)(lambda x: x)
    assert f(z(*good)).shape == good
    if bad is not None:
        with pytest.raises(ShapeError):
            f(z(*bad))


def test_keyword_positional_only_keyword_only_and_defaults():
    @shapes(a="n", b="n", c="n")
    def f(a, /, b=None, *, c=None):
        return a

    f(z(3), b=z(3), c=z(3))
    f(z(3))  # the defaults (None) are not arrays: nothing to check
    with pytest.raises(ShapeError, match="argument 'c'"):
        f(z(3), c=z(4))
    with pytest.raises(ShapeError, match="argument 'b'"):
        f(z(3), z(4))


def test_functions_that_are_wrappers_themselves_and_odd_parameter_names():
    import functools

    def logged(func):
        @functools.wraps(func)
        def inner(*args, **kwargs):
            return func(*args, **kwargs)
        return inner

    @shapes(x="n 1")
    @logged
    def f(x):
        return x

    @shapes(_sl_s="n 1")
    def g(_sl_s):
        return _sl_s

    for h in (f, g):
        assert h.__code__.co_filename != "<shapelint contract wrapper>"  # the generic wrapper
        h(z(3, 1))
        with pytest.raises(ShapeError, match="dim 1 is 2, expected 1"):
            h(z(3, 2))


def test_array_default_is_checked_like_a_passed_argument():
    @shapes(x="n", w="n")
    def f(x, w=np.ones(3)):
        return x * w

    assert f(z(3)).shape == (3,)
    with pytest.raises(ShapeError, match="argument 'w'"):
        f(z(4))


def test_positional_specs_apply_in_parameter_order():
    @shapes("n k", "k m", returns="n m")
    def matmul(a, b):
        return a @ b

    assert matmul(z(2, 3), z(3, 4)).shape == (2, 4)
    with pytest.raises(ShapeError, match="argument 'b'"):
        matmul(z(2, 3), z(4, 3))


def test_var_positional_and_var_keyword():
    @shapes(arrays="n", options="n")
    def f(*arrays, **options):
        return len(arrays)

    assert f(z(2), z(2), scale=z(2), flag=True) == 2
    with pytest.raises(ShapeError, match=r"argument arrays\[1\] has shape \(3,\)"):
        f(z(2), z(3))
    with pytest.raises(ShapeError, match=r"argument options\['scale'\]"):
        f(z(2), scale=z(3))


def test_methods_staticmethods_and_classmethods():
    class Layer:
        @shapes(x="n d", returns="n k")
        def forward(self, x):
            return x @ self.w

        @shapes(x="n")
        @staticmethod
        def norm(x):
            return float(np.sum(x))

        @classmethod
        @shapes(x="n 1")
        def column(cls, x):
            return cls

        def __init__(self, w):
            self.w = w

    layer = Layer(z(3, 2))
    assert layer.forward(z(5, 3)).shape == (5, 2)
    assert Layer.norm(z(4)) == 0.0
    assert Layer.column(z(4, 1)) is Layer
    with pytest.raises(ShapeError, match=r"Layer.forward\(\): argument 'x'"):
        layer.forward(z(5))
    with pytest.raises(ShapeError):
        Layer.norm(z(4, 1))
    with pytest.raises(ShapeError):
        Layer.column(z(4, 2))


def test_tuple_returns():
    @shapes(x="n m", returns=("n", "m", None))
    def stats(x):
        return x.sum(axis=1), x.sum(axis=0), "label"

    stats(z(2, 3))

    @shapes(x="n m", returns=("n", "m"))
    def wrong(x):
        return x.sum(axis=0), x.sum(axis=1)

    with pytest.raises(ShapeError, match=r"return value \[0\] has shape \(3,\)"):
        wrong(z(2, 3))

    @shapes(x="n m", returns=("n", "m"))
    def not_a_tuple(x):
        return x

    with pytest.raises(ShapeError, match="returned a ndarray, expected a tuple of 2"):
        not_a_tuple(z(2, 3))


def test_values_without_shape_are_not_checked():
    @shapes(x="n m")
    def f(x):
        return x

    assert f([1, 2, 3]) == [1, 2, 3]
    assert f(None) is None
    assert f(3.5) == 3.5
    with pytest.raises(ShapeError):
        f(np.float64(3.5))  # a NumPy scalar has shape ()


def test_shape_that_is_not_a_tuple_goes_through_the_generic_checker():
    class Fake:
        def __init__(self, shape):
            self.shape = list(shape)

    @shapes(x="n m", y="m")
    def f(x, y):
        return 1

    assert f(Fake((2, 3)), Fake((3,))) == 1
    with pytest.raises(ShapeError, match=r"argument 'y' has shape \(4,\)"):
        f(Fake((2, 3)), Fake((4,)))


def test_wrapper_keeps_metadata():
    assert linear_forward.__name__ == "linear_forward"
    assert list(inspect.signature(linear_forward).parameters) == ["A_prev", "W", "b"]
    assert linear_forward.__wrapped__.__name__ == "linear_forward"


def test_decoration_errors():
    with pytest.raises(TypeError, match="'y' is not a parameter"):
        shapes(y="n")(lambda x: x)
    with pytest.raises(SpecError):
        shapes(x="(n)")(lambda x: x)
    with pytest.raises(TypeError, match="only 1 parameters"):
        shapes("n", "m")(lambda x: x)
    with pytest.raises(TypeError, match="two specs"):
        shapes("n", x="m")(lambda x: x)
    with pytest.raises(TypeError, match="states no shapes"):
        shapes()(lambda x: x)


def test_bare_decorator_reads_the_docstring():
    @shapes
    def f(X, y):
        """
        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
        y : ndarray of shape (n_samples,)
        """
        return X

    f(z(4, 2), z(4))
    with pytest.raises(ShapeError, match=r"dim 0 \(n_samples\) is 5 but n_samples was bound to 4"):
        f(z(4, 2), z(5))


# -- switching off ------------------------------------------------------------------


def test_disable_after_decoration_short_circuits():
    f = shapes(x="n 1")(lambda x: x)
    contracts.disable()
    assert f(z(3, 2)).shape == (3, 2)
    contracts.enable()
    with pytest.raises(ShapeError):
        f(z(3, 2))


def test_decorating_while_disabled_returns_the_function_itself():
    def f(x):
        return x

    contracts.disable()
    assert shapes(x="n")(f) is f
    with pytest.raises(SpecError):  # specs are still validated
        shapes(x="n $")(f)


def test_env_var_turns_checking_off_and_to_warn():
    code = ("import shapelint.runtime as r, numpy as np\n"
            "f = lambda x: x\n"
            "g = r.shapes(x='n 1')(f)\n"
            "print(r.is_enabled(), r.get_mode(), g is f)\n")
    outputs = []
    for value in ("0", "warn"):
        env = dict(os.environ, SHAPELINT_RUNTIME=value, PYTHONPATH=REPO)
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout.strip())
    assert outputs == ["False raise True", "True warn False"]


def test_warn_mode_records_and_goes_on():
    contracts.set_mode("warn")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = shapes(x="n 1")(lambda x: x * 2)(np.ones((3, 2)))
    assert out.shape == (3, 2)
    assert [w.category for w in caught] == [ShapeContractWarning]
    assert "argument 'x' has shape (3, 2)" in str(caught[0].message)
    (violation,) = contracts.violations()
    assert violation.reason == "dim 1 is 2, expected 1"
    assert contracts.violation_count() == 1


# -- check() ----------------------------------------------------------------------------


def test_check_returns_its_argument():
    x = z(3, 1)
    assert check(x, "n 1") is x


def test_check_shares_bindings_and_names_the_value():
    bindings = {}
    check(z(3, 4), "n m", bindings)
    assert bindings == {"n": 3, "m": 4}
    check(z(4, 1), "m 1", bindings)
    with pytest.raises(ShapeError) as info:
        check(z(5, 1), "m 1", bindings, name="b")
    assert str(info.value).startswith(
        "check(): value 'b' has shape (5, 1), but the contract says 'm 1': "
        "dim 0 (m) is 5 but m was bound to 4")


def test_check_measures_lists_and_skips_when_disabled():
    assert check([[1, 2, 3]], "1 n") == [[1, 2, 3]]
    with pytest.raises(ShapeError):
        check([1, 2, 3], "n 1")
    contracts.disable()
    assert check([1, 2, 3], "n 1") == [1, 2, 3]


# -- the generated fast path agrees with the generic checker -----------------------------

spec_strategy = st.lists(st.sampled_from(["a", "b", "1", "2", "_"]), min_size=0, max_size=3).map(" ".join)
shape_strategy = st.one_of(st.none(), st.lists(st.integers(1, 2), max_size=3).map(tuple))


@settings(max_examples=150, deadline=None)
@given(specs=st.lists(spec_strategy, min_size=3, max_size=3), ret=spec_strategy,
       shapes_=st.lists(shape_strategy, min_size=4, max_size=4))
def test_fast_wrapper_agrees_with_generic_checker(specs, ret, shapes_):
    values = [None if s is None else np.zeros(s) for s in shapes_]

    def f(p, q, r):
        return values[3]

    contract = compile_contract(f, dict(zip("pqr", specs)), ret)
    fast = make_wrapper(f, contract)
    assert fast.__code__.co_filename == "<shapelint contract wrapper>"

    def outcome(call):
        try:
            call()
            return None
        except ShapeError as exc:
            return str(exc).split("\n")[0]

    args = values[:3]
    assert outcome(lambda: fast(*args)) == outcome(lambda: _slow_call(contract, f, tuple(args), {}))
    assert outcome(lambda: fast(p=args[0], q=args[1], r=args[2])) == outcome(
        lambda: _slow_call(contract, f, (), {"p": args[0], "q": args[1], "r": args[2]}))
