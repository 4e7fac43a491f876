"""One reconciliation of declared shapes, used by both halves (issue 15).

``shapelint.algebra.declared.declared_contract`` turns what a function
declares (decorator specs, annotations, docstring) into one
``DeclaredContract``.  The static analyzer (``read_contract``, from the syntax
tree) and the runtime (``contract_from_function``, from the function object)
both go through it.  For each case below:

* the pure function gives the expected contract;
* each half's entry point gives that same contract, in its own terms;

and a half whose ``declared_contract`` is replaced by one that reads
differently no longer gives it: these tests see a half that diverges.
"""

from __future__ import annotations

import textwrap
from typing import Any, Dict, List, Optional, Tuple

import libcst as cst
import pytest

from shapelint.algebra import declared as declared_module
from shapelint.algebra.declared import DecoratorSpecs, DeclaredContract, Param, declared_contract
from shapelint.analysis import contracts as static_contracts
from shapelint.runtime import instrument as runtime_instrument

# The contract in one form both halves can be put in:
# params: parameter -> spec text; returns: (position, spec text) of the checked return values;
# arity: the returned tuple's length, or None for the value itself; relations: parameter -> other;
# return_relations: (position, other)
Summary = Dict[str, Any]


def summary(params: Dict[str, str], returns: List[Tuple[Optional[int], str]] = (), arity: Optional[int] = None,
            relations: Optional[Dict[str, str]] = None,
            return_relations: List[Tuple[Optional[int], str]] = ()) -> Summary:
    return {"params": dict(params), "returns": list(returns), "arity": arity,
            "relations": dict(relations or {}), "return_relations": list(return_relations)}


CASES = {
    "course": (
        '''
        def layer(X, W1, b1):
            """
            Arguments:
            X -- input data of shape (n_x, m)
            W1 -- weight matrix of shape (n_h, n_x)
            b1 -- bias vector of shape (n_h, 1)

            Returns:
            A1 -- the activations, of shape (n_h, m)
            cache -- a dictionary containing "Z1" and "A1"
            """
        ''',
        summary({"X": "(n_x, m)", "W1": "(n_h, n_x)", "b1": "(n_h, 1)"}, [(0, "(n_h, m)")], arity=2),
    ),
    "numpydoc": (
        '''
        def fit(X, y, sample_weight=None):
            """Fit the model.

            Parameters
            ----------
            X : ndarray of shape (n_features, n_samples)
                Training data.
            y : ndarray of shape (n_samples,)
                Targets.
            sample_weight : float
                Not an array.

            Returns
            -------
            coef : ndarray of shape (n_features,)
            """
        ''',
        summary({"X": "(n_features, n_samples)", "y": "(n_samples,)"}, [(None, "(n_features,)")]),
    ),
    "google": (
        '''
        def scale(x, factor):
            """Scale.

            Args:
                x (np.ndarray): input of shape (n, m).
                factor (float): how much.
            """
        ''',
        summary({"x": "(n, m)"}),
    ),
    "annotations": (
        '''
        def project(X: Float[np.ndarray, "n d"], W: Float[np.ndarray, "d k"]) -> Float[np.ndarray, "n k"]:
            return X @ W
        ''',
        summary({"X": "n d", "W": "d k"}, [(None, "n k")]),
    ),
    "annotation wins over the docstring": (
        '''
        def column_sum(X: Float[np.ndarray, "n m"], Y) -> Float[np.ndarray, "n 1"]:
            """
            Arguments:
            X -- data of shape (m, n)
            Y -- labels of shape (1, m)

            Returns:
            s -- of shape (1, n)
            t -- of shape (1, m)
            """
        ''',
        summary({"X": "n m", "Y": "(1, m)"}, [(None, "n 1")]),
    ),
    "relations": (
        '''
        def update(W, dW, b, db):
            """
            Arguments:
            W -- weights of shape (n_h, n_x)
            dW -- gradient, same shape as W
            b -- bias of shape (n_h, 1)
            db -- gradient, same shape as b

            Returns:
            W -- updated W, same shape as W
            b -- updated b, same shape as b
            """
        ''',
        summary({"W": "(n_h, n_x)", "b": "(n_h, 1)"}, arity=2, relations={"dW": "W", "db": "b"},
                return_relations=[(0, "W"), (1, "b")]),
    ),
    "unnamed returns, each with its shape": (
        '''
        def split(X):
            """
            Parameters
            ----------
            X : ndarray of shape (n, 2)

            Returns
            -------
            ndarray of shape (n,)
            ndarray of shape (n, 1)
            """
        ''',
        summary({"X": "(n, 2)"}, [(0, "(n,)"), (1, "(n, 1)")], arity=2),
    ),
    "chinese": (
        '''
        def forward(X, W):
            """
            参数：
            X - 输入数据，维度为（n_x, m）
            W - 权重矩阵，维度为（n_h, n_x）
            """
        ''',
        summary({"X": "(n_x, m)", "W": "(n_h, n_x)"}),
    ),
}


def _function(source: str) -> str:
    return textwrap.dedent(source).strip() + "\n"


def _params(source: str) -> List[Param]:
    node = cst.parse_module(_function(source)).body[0]
    ps = node.params
    plain = list(ps.posonly_params) + list(ps.params) + list(ps.kwonly_params)
    return [Param(p.name.value) for p in plain]


# -- each half, in the summary's terms -----------------------------------------------------


class _Analysis:
    """What ``read_contract`` uses of the inference: the module's text, and where findings go."""

    def __init__(self, module: cst.Module):
        self.module = module
        self.findings: List[Tuple[str, Any]] = []

    def emit(self, event: Any) -> None:
        self.findings.append((type(event).__name__, event))


def static_summary(source: str, decorator: Any = None) -> Optional[Summary]:
    module = cst.parse_module(_function(source))
    node = module.body[0]
    contract = static_contracts.read_contract(_Analysis(module), node, decorator)
    if contract is None:
        return None
    n = max(len(contract.returns), len(contract.return_relations))
    arity = n if contract.returns_tuple else None
    position = (lambda i: i) if arity is not None else (lambda i: None)
    return summary(
        {name: text for name, (_, text, _) in contract.params.items()},
        [(position(i), text) for i, (_, _, text) in enumerate(contract.returns) if text],
        arity,
        {name: other for name, (other, _) in contract.relations.items()},
        [(position(i), rel[0]) for i, (_, rel) in enumerate(contract.return_relations) if rel is not None],
    )


def runtime_summary(source: str) -> Optional[Summary]:
    namespace: Dict[str, Any] = {}
    # annotations stay text, as the runtime sees them under `from __future__ import annotations`
    exec(compile("from __future__ import annotations\n" + _function(source), "<case>", "exec"), namespace)
    func = next(v for k, v in namespace.items() if callable(v) and not k.startswith("__"))
    contract = runtime_instrument.contract_from_function(func)
    if contract is None:
        return None
    return summary(
        {a.name: str(a.spec) for a in contract.args},
        [(r.index, str(r.spec)) for r in contract.returns],
        contract.return_arity,
        {r.subject: r.other for r in contract.relations if r.subject is not None},
        [(r.index, r.other) for r in contract.relations if r.subject is None],
    )


def declared_summary(declared: DeclaredContract) -> Summary:
    arity = len(declared.returns) if declared.returns_tuple else None
    position = (lambda i: i) if arity is not None else (lambda i: None)
    return summary(
        {name: str(spec) for name, spec in declared.params.items()},
        [(position(i), str(r.spec)) for i, r in enumerate(declared.returns) if r.spec is not None],
        arity,
        {name: rel.name for name, rel in declared.relations.items()},
        [(position(i), r.relation.name) for i, r in enumerate(declared.returns) if r.relation is not None],
    )


def _docstring_and_annotations(source: str) -> Tuple[Optional[str], Dict[str, str]]:
    module = cst.parse_module(_function(source))
    node = module.body[0]
    annotations = {p.name.value: module.code_for_node(p.annotation.annotation)
                   for p in node.params.params if p.annotation is not None}
    if node.returns is not None:
        annotations["return"] = module.code_for_node(node.returns.annotation)
    return node.get_docstring(clean=True), annotations


# -- the pure function, and each half's use of it -------------------------------------------


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_pure_reconciliation(case):
    source, expected = CASES[case]
    docstring, annotations = _docstring_and_annotations(source)
    assert declared_summary(declared_contract(_params(source), docstring, annotations)) == expected


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_static_half_gives_that_contract(case):
    source, expected = CASES[case]
    assert static_summary(source) == expected


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_runtime_half_gives_that_contract(case):
    source, expected = CASES[case]
    assert runtime_summary(source) == expected


@pytest.mark.parametrize("half", ["static", "runtime"])
def test_a_half_that_reads_differently_is_seen(monkeypatch, half):
    """Each half's contract comes from ``declared_contract``: one that reads a docstring
    differently (here it forgets the return values) changes that half's contract, and the
    comparisons above fail for it."""
    source, expected = CASES["course"]

    def forgets_returns(*args: Any, **kwargs: Any) -> DeclaredContract:
        contract = declared_contract(*args, **kwargs)
        contract.returns, contract.returns_tuple = [], False
        return contract

    module, read = ((static_contracts, static_summary) if half == "static"
                    else (runtime_instrument, runtime_summary))
    monkeypatch.setattr(module, "declared_contract", forgets_returns)
    assert read(source) == summary(expected["params"])
    assert read(source) != expected


# -- the rules the halves used to apply each their own way ----------------------------------


def test_relations_to_another_value_are_the_runtimes_to_drop():
    """``dA_prev -- same shape as A_prev`` where ``A_prev`` comes out of the cache: declared
    (the analyzer compares it with ``A_prev`` as the function holds it), but at run time only
    an argument can be compared with."""
    source = '''
        def backward(dA, cache):
            """
            Arguments:
            dA -- gradient of shape (n_l, m)
            cache -- tuple (A_prev, W, b)

            Returns:
            dA_prev -- gradient, same shape as A_prev
            dW -- gradient, same shape as W
            """
    '''
    docstring, annotations = _docstring_and_annotations(source)
    declared = declared_contract(_params(source), docstring, annotations)
    assert [(r.name, r.relation.name) for r in declared.returns] == [("dA_prev", "A_prev"), ("dW", "W")]
    assert static_summary(source)["return_relations"] == [(0, "A_prev"), (1, "W")]
    assert runtime_summary(source) == summary({"dA": "(n_l, m)"})


def test_decorator_specs_are_the_whole_contract():
    """``@shapes(...)`` with specs: neither annotations nor the docstring are read (as at run
    time); positional specs take the parameters in order, ``*args`` included."""
    params = [Param("a"), Param("rest", variadic=True), Param("b")]
    declared = declared_contract(params, "a -- of shape (n, m)", {"b": 'Float[np.ndarray, "k"]'},
                                 DecoratorSpecs(("n", "m", "k"), (), ("n", "k")))
    assert {n: str(s) for n, s in declared.params.items()} == {"a": "n", "rest": "m", "b": "k"}
    assert declared.variadic == {"rest"} and declared.returns_tuple
    source = '''
        @shapes("n", "m", "k", returns=("n",))
        def f(a, *rest, b: Float[np.ndarray, "j"]):
            """a -- of shape (n, m)"""
    '''
    module = cst.parse_module(_function(source))
    node = module.body[0]
    contract = static_contracts.read_contract(_Analysis(module), node, node.decorators[0].decorator)
    # the analysis does not check `*args` element by element; a 1-tuple is a tuple
    assert {n: t for n, (_, t, _) in contract.params.items()} == {"a": "n", "b": "k"}
    assert contract.returns_tuple and [t for _, _, t in contract.returns] == ["n"]


def test_unreadable_declarations_are_problems():
    declared = declared_contract([Param("W")], "Arguments:\nW -- weights of shape (n_h, n_x\n")
    assert declared.problems == [("(n_h, n_x", "unclosed parenthesis")]
    bad = declared_contract([Param("W")], None, None, DecoratorSpecs(("n +",)))
    assert [text for text, _ in bad.problems] == ["n +"] and not bad.params
    # the static half reports them (SL303); the runtime has nothing to check
    source = '''
        def f(W):
            """
            Arguments:
            W -- weights of shape (n_h, n_x
            """
    '''
    module = cst.parse_module(_function(source))
    analysis = _Analysis(module)
    contract = static_contracts.read_contract(analysis, module.body[0])
    assert contract.problems == [("(n_h, n_x", "unclosed parenthesis")]
    assert [kind for kind, _ in analysis.findings] == ["ContractUnreadableEvent"]
    assert runtime_summary(source) is None


def test_the_docstring_overruled_by_an_annotation_is_remembered():
    declared = declared_contract([Param("X")], "X -- data of shape (m, n)", {"X": 'Float[np.ndarray, "n m"]'})
    assert {n: str(s) for n, s in declared.params.items()} == {"X": "n m"}
    assert declared.sources == {"X": "annotation"}
    assert {n: str(s) for n, s in declared.overruled.items()} == {"X": "(m, n)"}


def test_the_module_is_pure():
    assert "libcst" not in vars(declared_module) and "numpy" not in vars(declared_module)
