"""Random straight-line NumPy programs, and what NumPy really does with them.

``generate(seed)`` returns a :class:`Program`: the source text of a small
module-level program (``import numpy as np`` then 5-15 statements, one per
line, each ``vK = <expr>`` assigning fresh names, plus the occasional
``assert vK.shape == (...)`` and two-branch ``if``) and its :class:`Truth`,
obtained by running the program statement by statement with NumPy.

The generator builds every statement from the names defined so far and from
creation calls with small sizes (1..6).  It runs each statement as it goes
(in a private namespace) so that it can *bias* its choices towards shapes
that fit -- an axis inside the rank, a reshape to a factorisation of the size,
a matmul partner whose inner dimension agrees -- while still choosing a
mismatch a good part of the time.  It never looks at the analyzer.

The truth is not taken from that probe: ``ground_truth(source)`` re-runs the
final text from scratch, so it is what NumPy does with exactly the program
the analyzer sees (and it can be used on a hand-written program too).

Two modes:

* ``literal`` (``generate(seed)``): a module-level program whose sizes are
  small literal ints (1..6).
* ``symbolic`` (``generate(seed, "symbolic")``): a function
  ``f(n, m, k, p, q, X0, X1)`` whose arrays are declared with asserts
  (``assert X0.shape == (k, q)``) and whose statements build compound sizes
  (``2 * q`` from a concatenation, ``k * q`` from ``reshape(-1, 1)``, ``k - 1``
  from ``X[1:]``, ``len(x) * 2``).  The truth is the function's body run with
  *generic* values of the sizes, so that a line crashes or runs for every
  value of the sizes alike and never by an accidental coincidence:

  - the values are distinct primes from 11 to 71, drawn from the sets on which
    every polynomial of a table (the constants 0..8, each name, ``x +- 1``,
    ``x +- 2``, ``2x``, ``3x``, ``x + y``, ``x * y``, ``2xy``,
    ``x + y + z``, ``x * y * z``, ``x * y + z``) takes a distinct value: no size
    equals a literal of the program, ``k + m != 2 * q``, ``n != p * q``, and a
    product of sizes factors in one way only (primes);
  - the program is run under three such assignments (different sets, names
    permuted), and it is kept only if all three agree on the crash line, its
    category, the untaken-branch crashes and the rank of every recorded
    array; otherwise the generator draws another program for that seed.
    Inferred shapes are checked against all three runs, so a size polynomial
    is right only if it gives the real size at three generic points.
"""

from __future__ import annotations

import ast
import itertools
import random
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

import numpy as np

try:  # NumPy >= 1.25
    from numpy.exceptions import AxisError
except ImportError:  # pragma: no cover
    AxisError = np.AxisError  # type: ignore[attr-defined]

# A statement whose result would hold more elements than this is re-drawn
# (repeated outer products would otherwise grow without bound).
MAX_ELEMENTS = 4096
RNG_SEED = 20240601

# ---------------------------------------------------------------------------
# Ground truth


# Crash categories.  The first six are the shape errors the analyzer claims
# (SL101..SL106); the rest are outside its scope and are not counted in recall.
IN_SCOPE = {
    "broadcast": "SL101",
    "matmul": "SL102",
    "reshape": "SL103",
    "concat": "SL104",
    "axis-index": "SL105",
    "assert": "SL106",
    # `n, m = x.shape` on an array that is not 2-D: the program asks for an
    # axis the array does not have (or drops one), so it counts as SL105's.
    "unpack": "SL105",
}
OUT_OF_SCOPE = {
    # max/argmax of an array with a zero-size axis: a value error (no identity),
    # no SL rule covers it.
    "empty-reduction": "max/argmax over a zero-size array",
    # e.g. TypeError from a float size; the generator does not write these,
    # but anything unexpected lands here rather than in recall.
    "other": "not a shape error (e.g. TypeError from a float size)",
}


def classify(exc: BaseException) -> str:
    """The crash category of an exception raised by a generated statement."""
    msg = str(exc)
    if isinstance(exc, AssertionError):
        return "assert"
    if "values to unpack" in msg:
        return "unpack"
    if "zero-size array to reduction" in msg or "empty sequence" in msg:
        return "empty-reduction"
    if "could not be broadcast" in msg:
        return "broadcast"
    if "matmul:" in msg or "not aligned" in msg:
        return "matmul"
    if isinstance(exc, TypeError) and "unsupported operand type(s) for @" in msg:
        return "matmul"  # NumPy scalar @ NumPy scalar: 0-d operands
    if "cannot reshape" in msg or "only specify one unknown dimension" in msg:
        return "reshape"
    if ("input array dimensions" in msg or "must have the same shape" in msg
            or "same number of dimensions" in msg or "need at least one array" in msg
            or "zero-dimensional arrays cannot be concatenated" in msg):
        return "concat"
    if isinstance(exc, AxisError):
        return "axis-index"
    if isinstance(exc, IndexError) and (
            "too many indices" in msg or "out of bounds" in msg or "tuple index out of range" in msg
            or "invalid index to scalar" in msg):
        return "axis-index"
    if isinstance(exc, ValueError) and (
            "axes don't match" in msg or "repeated axis" in msg or "duplicate value in 'axis'" in msg
            or "squeeze out" in msg):
        return "axis-index"
    if isinstance(exc, TypeError) and ("len() of unsized" in msg or "has no len()" in msg):
        return "axis-index"  # len() of a 0-d array: its axis 0 does not exist
    return "other"


# Exceptions that mean the generator wrote a broken program (not a NumPy
# crash): the test fails on these.
GENERATOR_BUGS = (NameError, AttributeError, SyntaxError, MemoryError, KeyError)


@dataclass
class Truth:
    crash_line: Optional[int] = None  # first line NumPy raised on (None: ran to the end)
    crash_category: Optional[str] = None  # see classify()
    crash_error: Optional[str] = None  # "ValueError: ..."
    # (line, name) -> real shape, for every name bound to an ndarray or a
    # NumPy scalar by a statement that ran (so only lines before crash_line).
    shapes: Dict[Tuple[int, str], Tuple[int, ...]] = field(default_factory=dict)
    # Lines of an untaken `if` branch that would have raised had it been
    # taken: a finding there is neither right nor wrong, and is not scored.
    dead_crash_lines: Set[int] = field(default_factory=set)
    generator_bug: Optional[str] = None
    # The crash line runs fine for some other outcome of the tests on random
    # data (`if np.random.rand() > 0.5:`) that lead to it: whether it raises
    # depends on the data, so no static tool can say that it will.
    data_dependent: bool = False
    ran: Set[int] = field(default_factory=set)  # lines of statements that ran without raising

    @property
    def in_scope(self) -> bool:
        return self.crash_category in IN_SCOPE


@dataclass
class Program:
    seed: int
    source: str
    truth: Truth
    mode: str = "literal"  # or "symbolic"
    # symbolic: the values of the sizes under which the truths were taken
    # (truth is truths[0]); literal: one empty assignment
    assignments: List[Dict[str, int]] = field(default_factory=lambda: [{}])
    truths: List[Truth] = field(default_factory=list)
    redrawn: int = 0  # symbolic: programs drawn for this seed and dropped as not generic

    def __post_init__(self) -> None:
        if not self.truths:
            self.truths = [self.truth]

    def line(self, n: int) -> str:
        return self.source.splitlines()[n - 1]


class _Crash(Exception):
    def __init__(self, line: int, exc: BaseException):
        super().__init__(line, exc)
        self.line = line
        self.exc = exc


def _exec_stmt(stmt: ast.stmt, ns: Dict[str, Any]) -> None:
    code = compile(ast.Module(body=[stmt], type_ignores=[]), "<prog>", "exec")
    exec(code, ns)  # noqa: S102 - that is the point


def _record(stmt: ast.stmt, ns: Dict[str, Any], shapes: Dict[Tuple[int, str], Tuple[int, ...]]) -> None:
    if not isinstance(stmt, ast.Assign):
        return
    names: List[ast.Name] = []
    for t in stmt.targets:
        if isinstance(t, ast.Name):
            names.append(t)
        elif isinstance(t, (ast.Tuple, ast.List)):
            names.extend(e for e in t.elts if isinstance(e, ast.Name))
    for n in names:
        v = ns.get(n.id)
        if isinstance(v, (np.ndarray, np.generic)):
            shapes[(stmt.lineno, n.id)] = tuple(int(d) for d in np.shape(v))


def _run_block(body: List[ast.stmt], ns: Dict[str, Any], truth: Truth, record: bool,
               forced: Optional[Dict[int, bool]] = None) -> None:
    """Run statements in ``ns``; raise _Crash at the first one that raises.
    ``forced``: the outcome of some `if` tests, by line."""
    for stmt in body:
        if isinstance(stmt, ast.If):
            try:
                if forced is not None and stmt.lineno in forced:
                    taken = forced[stmt.lineno]
                else:
                    taken = bool(eval(compile(ast.Expression(body=stmt.test), "<prog>", "eval"), ns))
            except Exception as exc:  # noqa: BLE001
                raise _Crash(stmt.lineno, exc) from None
            branch, other = (stmt.body, stmt.orelse) if taken else (stmt.orelse, stmt.body)
            if record:
                # What the untaken branch would have done (it reads the same names).
                dry = Truth()
                try:
                    _run_block(other, dict(ns), dry, record=False)
                except _Crash as c:
                    if not isinstance(c.exc, GENERATOR_BUGS):
                        truth.dead_crash_lines.add(c.line)
            _run_block(branch, ns, truth, record, forced)
            continue
        try:
            _exec_stmt(stmt, ns)
        except Exception as exc:  # noqa: BLE001
            raise _Crash(stmt.lineno, exc) from None
        truth.ran.add(stmt.lineno)
        if record:
            _record(stmt, ns, truth.shapes)


SIZE_NAMES = ("n", "m", "k", "p", "q")
ENTRY = "f"  # the function of a symbolic program
DECLARED = ("X0", "X1")  # its array parameters, declared by asserts


def _declared_shapes(fn: ast.FunctionDef, sizes: Dict[str, int]) -> Dict[str, Tuple[int, ...]]:
    """``assert X0.shape == (k, q)`` at the top of ``fn``, evaluated with ``sizes``."""
    out = {}
    for stmt in fn.body:
        if not (isinstance(stmt, ast.Assert) and isinstance(stmt.test, ast.Compare)):
            break
        left = stmt.test.left
        if (isinstance(left, ast.Attribute) and left.attr == "shape" and isinstance(left.value, ast.Name)
                and left.value.id in DECLARED and left.value.id not in out and len(stmt.test.comparators) == 1):
            text = ast.unparse(stmt.test.comparators[0])
            out[left.value.id] = tuple(int(d) for d in eval(text, {"__builtins__": {}}, dict(sizes)))  # noqa: S307
    return out


def _execute(tree: ast.Module, sizes: Optional[Dict[str, int]], record: bool,
             forced: Optional[Dict[int, bool]] = None) -> Truth:
    truth = Truth()
    ns: Dict[str, Any] = {"__name__": "__differential__"}
    state = np.random.get_state()
    np.random.seed(RNG_SEED)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            body = _program_body(tree, sizes, ns)
            _run_block(body, ns, truth, record, forced)
    except _Crash as c:
        truth.crash_line = c.line
        truth.crash_error = f"{type(c.exc).__name__}: {c.exc}"
        if isinstance(c.exc, GENERATOR_BUGS):
            truth.generator_bug = truth.crash_error
            truth.crash_category = "other"
        else:
            truth.crash_category = classify(c.exc)
    finally:
        np.random.set_state(state)
    return truth


def _program_body(tree: ast.Module, sizes: Optional[Dict[str, int]], ns: Dict[str, Any]) -> List[ast.stmt]:
    """The statements to run (a symbolic program: its function's, with ``ns`` set up)."""
    if sizes is None:
        return tree.body
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == ENTRY)
    _run_block([n for n in tree.body if not isinstance(n, ast.FunctionDef)], ns, Truth(), record=False)
    ns.update(sizes)
    for name, shape in _declared_shapes(fn, sizes).items():
        ns[name] = np.random.randn(*shape)
    return [n for n in fn.body if not isinstance(n, ast.Return)]


MAX_DATA_TESTS = 6  # 2 ** 6 runs at most


def _depends_on_data(tree: ast.Module, sizes: Optional[Dict[str, int]], truth: Truth) -> bool:
    """Does the crash line run fine for another outcome of the tests on random data?"""
    fn = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == ENTRY), None)
    body = fn.body if sizes is not None and fn is not None else tree.body
    tests = [n.lineno for n in body if isinstance(n, ast.If) and "random" in ast.unparse(n.test)
             and n.lineno < (truth.crash_line or 0)]
    if not tests or len(tests) > MAX_DATA_TESTS:
        return False
    for outcome in itertools.product((True, False), repeat=len(tests)):
        other = _execute(tree, sizes, record=False, forced=dict(zip(tests, outcome)))
        if truth.crash_line in other.ran:
            return True
    return False


def ground_truth(source: str, sizes: Optional[Dict[str, int]] = None, data: bool = True) -> Truth:
    """Run ``source`` top to bottom with NumPy, statement by statement.

    With ``sizes`` (a symbolic program), run the body of its function ``f``
    with those values of the sizes and arrays of the declared shapes.
    ``data``: find out whether the crash depends on random data (more runs)."""
    tree = ast.parse(source)
    truth = _execute(tree, sizes, record=True)
    if data and truth.crash_line is not None and truth.generator_bug is None:
        truth.data_dependent = _depends_on_data(tree, sizes, truth)
    return truth


# ---------------------------------------------------------------------------
# The generator


def _tuple_text(items: List[str]) -> str:
    if len(items) == 1:
        return f"({items[0]},)"
    return "(" + ", ".join(items) + ")"


def _is_arr(v: Any) -> bool:
    return isinstance(v, (np.ndarray, np.generic))


class _Gen:
    max_elements = MAX_ELEMENTS

    def __init__(self, seed: int):
        self.seed = seed
        self.rng = random.Random(seed)
        # Two or three favourite sizes per program make matches likely.
        self.palette = self.rng.sample(range(1, 7), self.rng.choice((2, 2, 3)))
        self.ns: Dict[str, Any] = {"np": np}
        self.lines: List[str] = ["import numpy as np"]
        self.counter = 0
        self.n_stmts = self.rng.randint(5, 15)

    # -- small helpers -------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def fresh(self) -> str:
        name = f"v{self.counter}"
        self.counter += 1
        return name

    def size(self) -> int:
        return self.rng.choice(self.palette) if self.chance(0.8) else self.rng.randint(1, 6)

    def arrays(self) -> List[str]:
        return [k for k, v in self.ns.items() if _is_arr(v)]

    def ints(self) -> List[str]:
        return [k for k, v in self.ns.items() if isinstance(v, int) and not isinstance(v, bool)]

    def size_text(self, want: Optional[int] = None) -> str:
        """A size: a literal, or (sometimes) an int name from `x.shape[0]`/`len(x)`."""
        names = self.ints()
        if names and self.chance(0.3):
            if want is not None:
                same = [n for n in names if self.ns[n] == want]
                if same and self.chance(0.8):
                    return self.rng.choice(same)
            else:
                return self.rng.choice(names)
        return str(want if want is not None else self.size())

    def rand_shape(self, ndim: Optional[int] = None) -> List[int]:
        if ndim is None:
            ndim = self.rng.choices((0, 1, 2, 3), weights=(2, 35, 45, 18))[0]
        return [self.size() for _ in range(ndim)]

    def value(self, text: str) -> Any:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return eval(text, self.ns)  # noqa: S307

    # -- creation ------------------------------------------------------------

    def create(self, shape: Optional[List[int]] = None) -> str:
        """A creation call; of `shape` when given (always, except `*_like`)."""
        if shape is None:
            arrs = [a for a in self.arrays() if isinstance(self.ns[a], np.ndarray)]
            if arrs and self.chance(0.12):
                x = self.rng.choice(arrs)
                kind = self.rng.choice(("zeros_like", "ones_like", "empty_like", "full_like"))
                return f"np.{kind}({x}, 2.0)" if kind == "full_like" else f"np.{kind}({x})"
            if self.chance(0.06):
                return self.literal()
            shape = self.rand_shape()
        dims = [self.size_text(d) for d in shape]
        nd = len(shape)
        choices: List[Callable[[], str]] = [
            lambda: f"np.zeros({self.shape_arg(dims)})",
            lambda: f"np.ones({self.shape_arg(dims)})",
            lambda: f"np.empty({self.shape_arg(dims)})",
            lambda: f"np.full({_tuple_text(dims)}, 2.0)",
            lambda: f"np.random.default_rng(0).standard_normal({_tuple_text(dims)})",
        ]
        if nd >= 1:
            choices.append(lambda: f"np.random.randn({', '.join(dims)})")
            choices.append(lambda: f"np.random.rand({', '.join(dims)})")
        if nd == 1:
            choices.append(lambda: f"np.arange({dims[0]})")
            choices.append(lambda: f"np.linspace(0, 1, {dims[0]})")
        if nd == 2 and shape[0] == shape[1]:
            choices.append(lambda: f"np.eye({dims[0]})")
            choices.append(lambda: f"np.eye({dims[0]})")
        return self.rng.choice(choices)()

    def shape_arg(self, dims: List[str]) -> str:
        if len(dims) == 1 and self.chance(0.5):
            return dims[0]
        return _tuple_text(dims)

    def literal(self) -> str:
        if self.chance(0.5):
            return "np.array([[1., 2.], [3., 4.]])"
        vals = [f"{i}." for i in range(1, 10)]
        if self.chance(0.5):
            return "np.array([" + ", ".join(vals[: self.rng.randint(1, 4)]) + "])"
        r, c = self.rng.randint(1, 3), self.rng.randint(1, 3)
        rows = ["[" + ", ".join(vals[i * c + j] for j in range(c)) + "]" for i in range(r)]
        return "np.array([" + ", ".join(rows) + "])"

    # -- operands ------------------------------------------------------------

    def pick(self) -> Optional[str]:
        arrs = self.arrays()
        if not arrs:
            return None
        # favour recent names, as real code does
        weights = [1.0 + i for i in range(len(arrs))]
        return self.rng.choices(arrs, weights=weights)[0]

    def operand(self, min_ndim: int = 0) -> str:
        """An earlier array name, or a fresh creation call.  With min_ndim,
        mostly (not always) one of at least that rank."""
        name = self.pick()
        if min_ndim and self.chance(0.85):
            ok = [a for a in self.arrays() if np.ndim(self.ns[a]) >= min_ndim]
            if ok and self.chance(0.75):
                return self.rng.choices(ok, weights=[1.0 + i for i in range(len(ok))])[0]
            return self.create(self.rand_shape(self.rng.randint(min_ndim, 3)))
        if name is not None and self.chance(0.75):
            return name
        return self.create()

    def partner(self, fit: Callable[[Tuple[int, ...]], Optional[List[int]]], p_fit: float = 0.7) -> str:
        """A second operand: with probability p_fit one of shape fit(...) (an
        earlier name of that shape if there is one, else a creation call)."""
        if self.chance(p_fit):
            want = fit(())
            if want is not None:
                same = [a for a in self.arrays() if tuple(np.shape(self.ns[a])) == tuple(want)]
                if same and self.chance(0.5):
                    return self.rng.choice(same)
                return self.create(list(want))
        return self.operand()

    def shape_of(self, text: str) -> Tuple[int, ...]:
        return tuple(np.shape(self.value(text)))

    # -- expressions ---------------------------------------------------------

    def e_create(self) -> str:
        return self.create()

    def e_binary(self) -> str:
        a = self.operand()
        sa = self.shape_of(a)

        def fit(_: Any) -> List[int]:
            r = self.rng.random()
            if r < 0.55 or not sa:
                return list(sa)
            if r < 0.75:
                return list(sa[self.rng.randint(1, len(sa)):]) if len(sa) > 1 else list(sa)
            return [1 if self.chance(0.5) else d for d in sa]

        if self.chance(0.08):
            b = self.rng.choice(("2.0", "1.5", "3"))
        else:
            b = self.partner(fit)
        if self.chance(0.5):
            a, b = b, a
        form = self.rng.choices(("+", "-", "*", "/", "maximum", "where"), weights=(4, 3, 4, 2, 2, 2))[0]
        if form == "maximum":
            return f"np.maximum({a}, {b})"
        if form == "where":
            if a[0].isdigit():
                a, b = b, a
            return f"np.where({a} > 0, {a}, {b})"
        return f"{a} {form} {b}"

    def e_unary(self) -> str:
        return f"np.{self.rng.choice(('exp', 'tanh'))}({self.operand()})"

    def e_matmul(self) -> str:
        a = self.operand(min_ndim=1)
        sa = self.shape_of(a)
        form = self.rng.choice(("dot", "@", "matmul", "outer", "inner"))

        def fit(_: Any) -> Optional[List[int]]:
            if not sa:
                return [self.size()] if self.chance(0.5) else []
            if form == "inner":
                return ([self.size()] if self.chance(0.3) else []) + [sa[-1]]
            if form == "outer":
                return self.rand_shape(self.rng.choice((1, 1, 2)))
            k = sa[-1]
            if self.chance(0.3):
                return [k]
            if len(sa) >= 3 and form != "dot" and self.chance(0.5):
                return [sa[0], k, self.size()]
            return [k, self.size()]

        b = self.partner(fit, p_fit=0.75)
        if form == "@":
            return f"{a} @ {b}"
        return f"np.{form}({a}, {b})"

    def axis_value(self, nd: int, allow_none: bool = True) -> Optional[int]:
        if nd == 0 or self.chance(0.1):
            return self.rng.choice((nd, -nd - 1, nd + 1, 2, -3))  # out of range
        ax = self.rng.randrange(nd)
        return ax - nd if self.chance(0.3) else ax

    def e_reduce(self) -> str:
        x = self.operand(min_ndim=1)
        nd = len(self.shape_of(x))
        fn = self.rng.choice(("sum", "mean", "max", "argmax"))
        r = self.rng.random()
        axis: Optional[str]
        if r < 0.25:
            axis = None
        elif r < 0.85 or fn == "argmax" or nd < 2:
            axis = str(self.axis_value(nd))
        else:
            k = self.rng.randint(2, nd)
            axes = self.rng.sample(range(nd), k)
            if self.chance(0.15):
                axes[-1] = axes[0] - nd if self.chance(0.5) else nd  # duplicate / out of range
            axes = [a - nd if self.chance(0.25) and a >= 0 else a for a in axes]
            axis = _tuple_text([str(a) for a in axes])
        args: List[str] = []
        if axis is not None:
            args.append(f"axis={axis}" if self.chance(0.7) else axis)
        if self.chance(0.3):
            if axis is None:
                args.append("axis=None")
            args.append("keepdims=True" if self.chance(0.8) else "keepdims=False")
        if self.chance(0.5):
            return f"np.{fn}({', '.join([x] + args)})"
        return f"{x}.{fn}({', '.join(args)})"

    def reshape_target(self, size: int) -> List[int]:
        if self.chance(0.7) and size > 0:
            k = self.rng.choice((1, 2, 2, 3))
            dims = []
            rest = size
            for _ in range(k - 1):
                divs = [d for d in range(1, rest + 1) if rest % d == 0]
                d = self.rng.choice(divs)
                dims.append(d)
                rest //= d
            dims.append(rest)
            self.rng.shuffle(dims)
            return dims
        return self.rand_shape(self.rng.choice((1, 2, 2, 3)))

    def e_reshape(self) -> str:
        x = self.operand()
        size = int(np.size(self.value(x)))
        dims = [str(d) for d in self.reshape_target(size)]
        if self.chance(0.35):
            dims[self.rng.randrange(len(dims))] = "-1"
        if self.chance(0.1):
            dims = ["-1"]
        form = self.rng.random()
        if form < 0.4:
            return f"{x}.reshape({_tuple_text(dims)})"
        if form < 0.75:
            return f"{x}.reshape({', '.join(dims)})"
        return f"np.reshape({x}, {_tuple_text(dims)})"

    def e_layout(self) -> str:
        form = self.rng.choice(("T", "transpose", "transpose_axes", "swapaxes", "squeeze", "expand_dims",
                                "ravel", "flatten"))
        x = self.operand(min_ndim=1 if form in ("transpose_axes", "swapaxes", "squeeze") else 0)
        sx = self.shape_of(x)
        nd = len(sx)
        if form == "T":
            return f"{x}.T"
        if form == "transpose":
            return f"np.transpose({x})"
        if form == "transpose_axes":
            axes = list(range(nd))
            self.rng.shuffle(axes)
            if self.chance(0.15) or nd == 0:
                r = self.rng.random()
                if r < 0.4:
                    axes = axes[:-1] if axes else [0]
                elif r < 0.7:
                    axes = axes + [nd]
                elif axes:
                    axes[-1] = axes[0]
                else:
                    axes = [1]
            axes = [a - nd if self.chance(0.2) else a for a in axes]
            if self.chance(0.5):
                return f"np.transpose({x}, {_tuple_text([str(a) for a in axes]) if axes else '()'})"
            return f"{x}.transpose({', '.join(str(a) for a in axes)})"
        if form == "swapaxes":
            i, j = self.axis_value(nd), self.axis_value(nd)
            if self.chance(0.5):
                return f"np.swapaxes({x}, {i}, {j})"
            return f"{x}.swapaxes({i}, {j})"
        if form == "squeeze":
            ones = [i for i, d in enumerate(sx) if d == 1]
            if self.chance(0.4):
                return f"np.squeeze({x})" if self.chance(0.5) else f"{x}.squeeze()"
            ax = self.rng.choice(ones) if ones and self.chance(0.7) else self.axis_value(nd)
            if self.chance(0.5):
                return f"np.squeeze({x}, axis={ax})"
            return f"{x}.squeeze({ax})"
        if form == "expand_dims":
            if self.chance(0.9):
                ax = self.rng.randint(-nd - 1, nd)
            else:
                ax = self.rng.choice((nd + 1, -nd - 2))
            return f"np.expand_dims({x}, {ax})" if self.chance(0.6) else f"np.expand_dims({x}, axis={ax})"
        if form == "ravel":
            return f"{x}.ravel()" if self.chance(0.5) else f"np.ravel({x})"
        return f"{x}.flatten()"

    def index_in(self, d: Optional[int]) -> int:
        if d is None or d == 0 or self.chance(0.1):
            return self.rng.randint(0, 6)
        i = self.rng.randrange(d)
        return i - d if self.chance(0.2) else i

    def e_index(self) -> str:
        form = self.rng.choice(("i", "0", "col", "slice", "newcol", "ellipsis", "none"))
        x = self.operand(min_ndim=2 if form in ("col", "newcol") else 1 if form != "none" else 0)
        sx = self.shape_of(x)
        d0 = sx[0] if len(sx) >= 1 else None
        d1 = sx[1] if len(sx) >= 2 else None
        if form == "0":
            return f"{x}[0]"
        if form == "i":
            return f"{x}[{self.index_in(d0)}]"
        if form == "col":
            return f"{x}[:, {self.index_in(d1)}]"
        if form == "slice":
            a = self.rng.randint(0, 3)
            b = a + self.rng.randint(1, 3)
            return self.rng.choice((f"{x}[{a}:{b}]", f"{x}[1:3]", f"{x}[:{b}]", f"{x}[:, {a}:{b}]"))
        if form == "newcol":
            return f"{x}[:, None]"
        if form == "ellipsis":
            dl = sx[-1] if sx else None
            return f"{x}[..., {self.index_in(dl)}]"
        return f"{x}[None]"

    def e_concat(self) -> str:
        a = self.operand()
        sa = list(self.shape_of(a))
        nd = len(sa)
        form = self.rng.choice(("concatenate", "concatenate", "stack", "vstack", "hstack", "column_stack"))
        axis: Optional[int] = None
        if form == "concatenate":
            axis = self.axis_value(nd) if self.chance(0.6) else 0
        elif form == "stack":
            axis = self.rng.randint(-nd - 1, nd) if self.chance(0.9) else nd + 1
            if self.chance(0.4):
                axis = 0

        def fit(_: Any) -> List[int]:
            s = list(sa)
            if form == "concatenate" and s and axis is not None and -nd <= axis < nd:
                s[axis] = self.size()
            elif form == "vstack" and nd >= 2:
                s[0] = self.size()
            elif form == "hstack" and nd >= 2:
                s[1] = self.size()
            elif form == "hstack" and nd == 1:
                s[0] = self.size()
            elif form == "column_stack" and nd >= 2:
                s[1] = self.size()
            elif form == "column_stack" and nd == 1 and self.chance(0.5):
                s = [s[0], self.size()]
            return s

        parts = [a, self.partner(fit, p_fit=0.75)]
        if self.chance(0.15):
            parts.append(self.partner(fit, p_fit=0.75))
        if self.chance(0.5):
            self.rng.shuffle(parts)
        seq = "[" + ", ".join(parts) + "]" if self.chance(0.6) else "(" + ", ".join(parts) + ")"
        if form in ("concatenate", "stack"):
            if axis == 0 and self.chance(0.5):
                return f"np.{form}({seq})"
            return f"np.{form}({seq}, axis={axis})"
        return f"np.{form}({seq})"

    EXPRS = (
        ("e_create", 14), ("e_binary", 16), ("e_unary", 5), ("e_matmul", 12), ("e_reduce", 12),
        ("e_reshape", 8), ("e_layout", 9), ("e_index", 8), ("e_concat", 8),
    )

    def expression(self) -> str:
        names, weights = zip(*self.EXPRS)
        if not self.arrays():
            return self.e_create()
        return getattr(self, self.rng.choices(names, weights=weights)[0])()

    # -- statements ----------------------------------------------------------

    def s_sizes(self) -> List[str]:
        arrs = self.arrays()
        if not arrs:
            return [f"{self.fresh()} = {self.expression()}"]
        nd_of = {a: np.ndim(self.ns[a]) for a in arrs}
        form = self.rng.choice(("shape_i", "len", "unpack"))
        if form == "unpack":
            good = [a for a in arrs if nd_of[a] in (2, 3)]
            x = self.rng.choice(good) if good and self.chance(0.9) else self.rng.choice(arrs)
            k = nd_of[x] if nd_of[x] in (2, 3) and self.chance(0.9) else self.rng.choice((2, 3))
            names = [self.fresh() for _ in range(k)]
            return [f"{', '.join(names)} = {x}.shape"]
        good = [a for a in arrs if nd_of[a] >= 1]
        x = self.rng.choice(good) if good and self.chance(0.9) else self.rng.choice(arrs)
        if form == "len":
            return [f"{self.fresh()} = len({x})"]
        return [f"{self.fresh()} = {x}.shape[{self.index_in(nd_of[x]) if nd_of[x] else self.rng.randint(0, 2)}]"]

    def s_assert(self) -> List[str]:
        x = self.pick()
        if x is None:
            return [f"{self.fresh()} = {self.expression()}"]
        s = [int(d) for d in np.shape(self.ns[x])]
        if self.chance(0.25):
            r = self.rng.random()
            if r < 0.4 and s:
                i = self.rng.randrange(len(s))
                s[i] = s[i] + self.rng.choice((1, 2)) if self.chance(0.5) or s[i] < 2 else s[i] - 1
            elif r < 0.7:
                s = s + [self.size()]
            elif s:
                s = s[1:]
            else:
                s = [self.size()]
        return [f"assert {x}.shape == {_tuple_text([str(d) for d in s]) if s else '()'}"]

    def s_if(self) -> List[str]:
        x = self.pick()
        if x is None:
            return [f"{self.fresh()} = {self.expression()}"]
        # Shape conditions, and a data condition NumPy decides at run time
        # (ground_truth seeds np.random, so it is deterministic; a condition on
        # the values of an `np.empty` array would not be).
        cond = self.rng.choice((f"{x}.shape[0] > {self.rng.randint(1, 5)}", f"len({x}) > {self.rng.randint(1, 5)}",
                                "np.random.rand() > 0.5"))
        name = self.fresh()
        e1 = self.expression()
        e2 = self.expression()
        return [f"if {cond}:", f"    {name} = {e1}", "else:", f"    {name} = {e2}"]

    STMTS = (("assign", 84), ("sizes", 8), ("assert", 4), ("if", 4))

    def statement(self) -> List[str]:
        names, weights = zip(*self.STMTS)
        kind = self.rng.choices(names, weights=weights)[0]
        if kind == "sizes":
            return self.s_sizes()
        if kind == "assert":
            return self.s_assert()
        if kind == "if":
            return self.s_if()
        return [f"{self.fresh()} = {self.expression()}"]

    def probe(self, lines: List[str]) -> Optional[Dict[str, Any]]:
        """Run a statement on a copy of the namespace.  None: re-draw it
        (too large a result, or a generator bug).  A NumPy error is fine:
        the names it would have bound just stay undefined."""
        ns = dict(self.ns)
        tree = ast.parse("\n".join(lines))
        state = np.random.get_state()
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                _run_block(tree.body, ns, Truth(), record=False)
        except _Crash as c:
            if isinstance(c.exc, GENERATOR_BUGS):
                return None
        finally:
            np.random.set_state(state)
        for k, v in ns.items():
            if _is_arr(v) and np.size(v) > self.max_elements:
                return None
        return ns

    def fallback_size(self) -> str:
        return str(self.size())

    def build(self) -> str:
        for _ in range(self.n_stmts):
            saved = self.counter
            for _attempt in range(20):
                self.counter = saved
                lines = self.statement()
                ns = self.probe(lines)
                if ns is not None:
                    break
            else:  # pragma: no cover - 20 oversized draws in a row
                self.counter = saved
                lines = [f"{self.fresh()} = np.zeros({self.fallback_size()})"]
                ns = self.probe(lines) or self.ns
            self.lines.extend(lines)
            self.ns = ns
        return "\n".join(self.lines) + "\n"


# ---------------------------------------------------------------------------
# Symbolic mode

MAX_ELEMENTS_SYMBOLIC = 200_000
_PRIMES = tuple(x for x in range(11, 72) if all(x % d for d in range(2, x)))


def _table_injective(values: Tuple[int, ...]) -> bool:
    """Do the polynomials of the table (see the module docstring) take distinct values?"""
    seen: Dict[int, Tuple[Any, ...]] = {}

    def put(key: Tuple[Any, ...], v: int) -> bool:
        if seen.setdefault(v, key) != key:
            return False
        return True

    idx = range(len(values))
    keys: List[Tuple[Tuple[Any, ...], int]] = [(("c", c), c) for c in range(9)]
    for i in idx:
        x = values[i]
        keys += [(("x", i), x), (("x+1", i), x + 1), (("x-1", i), x - 1), (("x+2", i), x + 2),
                 (("x-2", i), x - 2), (("2x", i), 2 * x), (("3x", i), 3 * x)]
    for i, j in itertools.combinations(idx, 2):
        x, y = values[i], values[j]
        keys += [(("x+y", i, j), x + y), (("xy", i, j), x * y), (("2xy", i, j), 2 * x * y)]
        keys += [(("xy+z", i, j, z), x * y + values[z]) for z in idx if z not in (i, j)]
    for i, j, z in itertools.combinations(idx, 3):
        keys += [(("x+y+z", i, j, z), values[i] + values[j] + values[z]),
                 (("xyz", i, j, z), values[i] * values[j] * values[z])]
    return all(put(k, v) for k, v in keys)


GENERIC_SETS = tuple(s for s in itertools.combinations(_PRIMES, len(SIZE_NAMES)) if _table_injective(s))


def generic_assignments(rng: random.Random, count: int = 3) -> List[Dict[str, int]]:
    """``count`` assignments of generic values to the sizes, from different sets."""
    sets = rng.sample(GENERIC_SETS, count)
    out = []
    for values in sets:
        values = list(values)
        rng.shuffle(values)
        out.append(dict(zip(SIZE_NAMES, values)))
    return out


def _factors(value: int, primes: Dict[int, str]) -> Optional[List[int]]:
    """``value`` as a product of size values and small primes (None: something else)."""
    out = []
    for p in sorted(primes) + [2, 3, 5]:
        while value > 1 and value % p == 0:
            out.append(p)
            value //= p
    return out if value == 1 else None


def _small_part(value: int) -> int:
    """The factor of ``value`` made of 2, 3 and 5 (sizes are larger primes)."""
    out = 1
    for p in (2, 3, 5):
        while value and value % p == 0:
            out *= p
            value //= p
    return out


class _SymGen(_Gen):
    """Statements of the body of ``f(n, m, k, p, q, X0, X1)``.

    The probe runs with the first generic assignment; a size is written as the
    name whose value it has (``q``), an int name bound to it, or ``x.shape[i]``
    / ``len(x)`` of an array that has it.

    ``gaps`` adds three forms that the analyzer does not follow yet (a size
    parameter is read as a size only where a shape is expected): arithmetic on
    the size parameters (``np.zeros((k * q, 1))``, ``x[-q - 1]``), a size
    parameter as an index (``X1[:, p]``), and ``if`` tests on symbolic sizes
    (``if X1.shape[0] > 3:``, which the convention decides).  Without it those
    are written through names the analyzer follows (``X1[:, X1.shape[1]]``) or
    left out."""

    max_elements = MAX_ELEMENTS_SYMBOLIC

    def __init__(self, seed: int, sizes: Dict[str, int], gaps: bool = False):
        super().__init__(seed)
        self.sizes = sizes
        self.by_value = {v: k for k, v in sizes.items()}
        self.gaps = gaps
        self.palette = [sizes[n] for n in self.rng.sample(SIZE_NAMES, self.rng.choice((2, 3, 3)))]
        self.ns.update(sizes)
        header = []
        for name in DECLARED:
            nd = self.rng.choices((1, 2), weights=(1, 3))[0]
            dims = [self.rng.choice(SIZE_NAMES) if self.chance(0.9) else "1" for _ in range(nd)]
            header.append(f"    assert {name}.shape == {_tuple_text(dims)}")
            self.ns[name] = np.random.randn(*[sizes.get(d, 1) for d in dims])
        self.lines = ["import numpy as np", "", "", f"def {ENTRY}({', '.join(SIZE_NAMES + DECLARED)}):"] + header

    def ints(self) -> List[str]:
        return [k for k in super().ints() if k not in SIZE_NAMES]

    def size(self) -> int:
        r = self.rng.random()
        if r < 0.75:
            return self.rng.choice(self.palette)
        if r < 0.9:
            return 1
        if r < 0.95:
            return self.rng.choice((2, 3))
        return self.sizes[self.rng.choice(SIZE_NAMES)]

    def refs(self, want: int) -> List[str]:
        """``x.shape[i]`` and ``len(x)`` of the arrays that have size ``want``."""
        out = [f"{a}.shape[{i}]" for a in self.arrays() if isinstance(self.ns[a], np.ndarray)
               for i, d in enumerate(self.ns[a].shape) if d == want]
        return out + [f"len({a})" for a in self.arrays()
                      if isinstance(self.ns[a], np.ndarray) and self.ns[a].ndim and len(self.ns[a]) == want]

    def size_text(self, want: Optional[int] = None) -> str:
        if want is None:
            want = self.size()
        named = [k for k in self.ints() if self.ns[k] == want]
        if want in self.by_value:
            if named and self.chance(0.2):
                return self.rng.choice(named)
            return self.by_value[want]
        if want <= 8:
            return str(want)
        if named and self.chance(0.5):
            return self.rng.choice(named)
        refs = self.refs(want)
        if self.gaps:
            text = self.arith_text(want)
            if text is not None and (not refs or self.chance(0.7)):
                return text
        if refs:
            return self.rng.choice(refs)
        if named:
            return self.rng.choice(named)
        return self.by_value[self.rng.choice(self.palette)]  # no way to write it: another size

    def arith_text(self, want: int) -> Optional[str]:
        fs = _factors(want, self.by_value)
        if fs is None:
            return None
        names = [self.by_value[f] for f in fs if f in self.by_value]
        const = 1
        for f in fs:
            if f not in self.by_value:
                const *= f
        parts = ([str(const)] if const != 1 else []) + names
        return " * ".join(parts) if parts else "1"

    def index_in(self, d: Optional[int]) -> str:  # type: ignore[override]
        if d is None or d <= 8:
            return str(super().index_in(d))
        if self.chance(0.1):  # one past the end: the size itself, or -size - 1
            names = [k for k in self.ints() if self.ns[k] == d] + self.refs(d)
            if self.gaps and d in self.by_value:
                names.append(self.by_value[d])
            if names:
                name = self.rng.choice(names)
                return name if self.chance(0.5) else f"-{name} - 1"
        i = self.rng.randint(0, 3)
        return str(-i - 1 if self.chance(0.2) else i)

    def e_index(self) -> str:
        if self.chance(0.35):
            x = self.operand(min_ndim=1)
            nd = len(self.shape_of(x))
            forms = ["[1:]", "[:-1]", "[2:]"]
            if nd >= 2:
                forms += ["[1:, :]", "[:, 1:]", "[:, :-1]"]
            return f"{x}{self.rng.choice(forms)}"
        return super().e_index()

    def reshape_target(self, size: int) -> List[int]:
        fs = _factors(size, self.by_value) if size > 0 else None
        if fs is None or not self.chance(0.7):
            return self.rand_shape(self.rng.choice((1, 2, 2, 3)))
        k = self.rng.choice((1, 2, 2, 3))
        groups = [1] * k
        for f in fs:
            groups[self.rng.randrange(k)] *= f
        self.rng.shuffle(groups)
        return groups

    def e_reshape(self) -> str:
        x = self.operand()
        size = int(np.size(self.value(x)))
        target = self.reshape_target(size)
        # a group that is a product of sizes is written -1 (several: one -1 for their product)
        compound = [i for i, d in enumerate(target) if d > 8 and d not in self.by_value]
        if len(compound) > 1:
            merged = 1
            for i in compound:
                merged *= target[i]
            target = [merged if i == compound[0] else d for i, d in enumerate(target) if i not in compound[1:]]
            compound = compound[:1]
        texts = ["-1" if i in compound else self.size_text(d) for i, d in enumerate(target)]
        if "-1" not in texts and self.chance(0.35):
            i = self.rng.randrange(len(texts))
            # not where the rest would divide the size by a constant it lacks:
            # that is a question of parity, which generic sizes do not decide
            if _small_part(size) % _small_part(int(np.prod([d for j, d in enumerate(target) if j != i]))) == 0:
                texts[i] = "-1"
        if self.chance(0.1):
            texts = ["-1"]
        form = self.rng.random()
        if form < 0.4:
            return f"{x}.reshape({_tuple_text(texts)})"
        if form < 0.75:
            return f"{x}.reshape({', '.join(texts)})"
        return f"np.reshape({x}, {_tuple_text(texts)})"

    def s_sizes(self) -> List[str]:
        derived = self.ints()
        if derived and self.chance(0.4):
            a = self.rng.choice(derived)
            r = self.rng.random()
            if r < 0.4:
                expr = f"{a} * 2" if self.chance(0.5) else f"2 * {a}"
            elif r < 0.7:
                expr = f"{a} + 1" if self.chance(0.5) else f"{a} - 1"
            else:
                expr = f"{a} * {self.rng.choice(derived)}"
            return [f"{self.fresh()} = {expr}"]
        return super().s_sizes()

    def s_assert(self) -> List[str]:
        x = self.pick()
        if x is None:
            return [f"{self.fresh()} = {self.expression()}"]
        s = [int(d) for d in np.shape(self.ns[x])]
        texts = [self.size_text(d) for d in s]
        if self.chance(0.25) and texts:
            i = self.rng.randrange(len(texts))
            texts[i] = self.rng.choice([n for n in SIZE_NAMES if n != texts[i]])
        elif self.chance(0.1):
            texts = texts[1:]
        return [f"assert {x}.shape == {_tuple_text(texts) if texts else '()'}"]

    def s_if(self) -> List[str]:
        x = self.pick()
        if x is None:
            return [f"{self.fresh()} = {self.expression()}"]
        # a data condition that does not depend on the sizes (the global
        # generator's state does: randn(q) draws q numbers); a size condition
        # on a literal size (on a symbolic one only with gaps: see the class)
        # on a literal size, or on the rank (on a symbolic size only with gaps:
        # see the class)
        first = np.shape(self.ns[x])[:1]
        if self.chance(0.33):
            cond = f"np.random.default_rng({self.rng.randint(0, 9)}).random() > 0.5"
        elif first and (first[0] <= 8 or self.gaps):
            cond = self.rng.choice((f"{x}.shape[0] > {self.rng.randint(1, 5)}", f"len({x}) > {self.rng.randint(1, 5)}"))
        else:
            cond = self.rng.choice((f"{x}.ndim == {self.rng.randint(1, 2)}", f"{x}.ndim > {self.rng.randint(0, 2)}"))
        name = self.fresh()
        e1 = self.expression()
        e2 = self.expression()
        return [f"if {cond}:", f"    {name} = {e1}", "else:", f"    {name} = {e2}"]

    def fallback_size(self) -> str:
        return self.size_text()

    def build(self) -> str:
        text = super().build()
        lines = text.splitlines()
        head = len(DECLARED) + 4
        return "\n".join(lines[:head] + ["    " + ln for ln in lines[head:]]) + "\n"


def _agree(truths: List[Truth]) -> bool:
    """Do the runs under different generic assignments behave alike?"""
    first = truths[0]
    for t in truths[1:]:
        if (t.crash_line, t.crash_category, t.dead_crash_lines) != (
                first.crash_line, first.crash_category, first.dead_crash_lines):
            return False
        if {k: len(v) for k, v in t.shapes.items()} != {k: len(v) for k, v in first.shapes.items()}:
            return False
    return True


def generate(seed: int, mode: str = "literal", gaps: bool = False) -> Program:
    """The program for ``seed`` (deterministic) and what NumPy does with it.

    mode: "literal" or "symbolic" (see the module docstring); ``gaps``: a
    symbolic program may also use the forms the analyzer does not follow yet
    (see ``_SymGen``)."""
    # The probes draw from NumPy's global generator (an `if np.random.rand() > 0.5`
    # steers what comes next): seed it, so the program depends on `seed` only.
    state = np.random.get_state()
    np.random.seed(seed % 2**32)
    try:
        if mode == "literal":
            source = _Gen(seed).build()
            return Program(seed=seed, source=source, truth=ground_truth(source))
        if mode != "symbolic":
            raise ValueError(f"unknown mode {mode!r}")
        rng = random.Random(f"sizes-{seed}")
        for attempt in range(50):
            assignments = generic_assignments(rng)
            source = _SymGen(seed * 1000 + attempt, assignments[0], gaps).build()
            truths = [ground_truth(source, a, data=i == 0) for i, a in enumerate(assignments)]
            if _agree(truths):
                return Program(seed=seed, source=source, truth=truths[0], mode=mode,
                               assignments=assignments, truths=truths, redrawn=attempt)
        raise RuntimeError(f"seed {seed}: no generic program in 50 draws")  # pragma: no cover
    finally:
        np.random.set_state(state)


if __name__ == "__main__":  # pragma: no cover - a quick look: python progen.py SEED
    import sys

    p = generate(int(sys.argv[1]) if len(sys.argv) > 1 else 0, sys.argv[2] if len(sys.argv) > 2 else "literal")
    for i, text in enumerate(p.source.splitlines(), 1):
        print(f"{i:3d}  {text}")
    print(p.truth)
