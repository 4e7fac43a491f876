"""What a function declares about shapes, reconciled from everywhere it can say so.

A function states shapes in three places: ``@shapelint.shapes(...)`` specs,
annotations (jaxtyping, ``np.ndarray[tuple[int, int], ...]``) and its
docstring (``shapelint.algebra.docstrings``).  ``declared_contract`` turns
what a caller read from those places into one ``DeclaredContract``.  The
static analyzer passes what it reads from the syntax tree (parameter names,
the docstring, annotations as source text, the decorator's string
arguments); the runtime passes what ``inspect`` gives.  Both then build
their own checker from the same declaration: the analyzer in symbolic sizes
(``shapelint.analysis.contracts.StaticContract``), the runtime as compiled
checks (``shapelint.runtime.contracts.RuntimeContract``).  So the two halves
cannot read one function's declarations differently.

The rules:

* ``@shapes`` with specs is the whole contract: annotations and the
  docstring are not read (as at run time, where the decorator compiles its
  specs and nothing else).  Positional specs apply to the parameters in
  order, ``*args`` included; ``@shapes`` / ``@shapes()`` reads the others;
* an annotation wins over the docstring: for a parameter (its shape, and any
  ``same shape as`` relation the docstring gives it) and for the return
  value (the docstring's return values are then not read at all);
* docstring entries naming no parameter are ignored; a parameter's
  relation counts only between two named (not ``*args`` / ``**kwargs``)
  parameters.  A return value's may name any value (``same shape as
  A_prev``, unpacked from a cache): whether it can be checked is each
  half's to decide;
* return values: one declared value is the value itself; several are the
  elements of a returned tuple, by position, when their positions are known:
  every documented return value is named, or each has a stated shape.
  Otherwise (some unnamed, and not all with a shape) none is declared;
* a declaration that cannot be read is a problem (text, reason) for the
  static analyzer to report; in a docstring only a course-style line
  (``name -- ...``) or an unclosed parenthesis counts, not numpydoc prose.

Pure module: no libcst, no numpy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from shapelint.algebra.docstrings import SameShapeAs, annotation_spec, parse_docstring
from shapelint.algebra.spec import ShapeSpec, SpecError, parse_spec

__all__ = [
    "Param",
    "DecoratorSpecs",
    "DeclaredReturn",
    "DeclaredContract",
    "declared_contract",
    "DECORATOR",
    "ANNOTATION",
    "DOCSTRING",
]

# where a declaration was read
DECORATOR = "decorator"
ANNOTATION = "annotation"
DOCSTRING = "docstring"

SpecLike = Union[str, ShapeSpec]


@dataclass(frozen=True)
class Param:
    """A parameter, in signature order; ``variadic`` for ``*args`` / ``**kwargs``."""

    name: str
    variadic: bool = False


@dataclass(frozen=True)
class DecoratorSpecs:
    """The specs given to ``@shapes(...)``, as written.

    ``positional`` has one entry per positional argument (None where the
    static analyzer cannot read it, a variable for instance: it still takes
    its parameter's place); ``returns`` is None, one spec, or a tuple of
    specs (a returned tuple, element by element; None for an element not
    checked).
    """

    positional: Tuple[Optional[SpecLike], ...] = ()
    named: Tuple[Tuple[str, SpecLike], ...] = ()
    returns: Union[None, SpecLike, Tuple[Optional[SpecLike], ...]] = None


@dataclass(frozen=True)
class DeclaredReturn:
    """One declared return value: its documented name (None when unnamed), its
    shape (None when only a relation, or nothing, is declared at this
    position) and the value whose shape it has (``dA_prev -- same shape as
    A_prev``; the other value need not be a parameter)."""

    name: Optional[str]
    spec: Optional[ShapeSpec]
    relation: Optional[SameShapeAs] = None


@dataclass
class DeclaredContract:
    """What one function declares.

    ``params`` maps parameters (in signature order, ``*args`` / ``**kwargs``
    included: ``variadic`` names those; a decorator's spec may name no
    parameter, which the runtime refuses) to their shapes, and ``sources``
    says where each was read.  ``returns`` lists the declared return values; when
    ``returns_tuple`` they are the elements of a returned tuple of that
    length, else there is at most one, the value itself.  ``relations`` maps a
    parameter to the parameter whose shape it has.  ``problems`` are the
    declarations that could not be read, as (text, reason).
    """

    params: Dict[str, ShapeSpec] = field(default_factory=dict)
    sources: Dict[str, str] = field(default_factory=dict)
    variadic: frozenset = frozenset()
    returns: List[DeclaredReturn] = field(default_factory=list)
    returns_tuple: bool = False
    returns_source: Optional[str] = None
    relations: Dict[str, SameShapeAs] = field(default_factory=dict)
    problems: List[Tuple[str, str]] = field(default_factory=list)
    # the docstring's shapes for parameters whose annotation won: not checked, but the
    # docstring was read (the runtime names it among the contract's sources)
    overruled: Dict[str, ShapeSpec] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.params or self.returns or self.relations or self.problems)


def declared_contract(
    params: Sequence[Param],
    docstring: Optional[str] = None,
    annotations: Optional[Mapping[str, Optional[SpecLike]]] = None,
    decorator: Optional[DecoratorSpecs] = None,
    strict: bool = False,
) -> DeclaredContract:
    """The contract a function declares (see the module's docstring for the rules).

    ``annotations`` maps a parameter name, or ``"return"``, to the annotation
    as source text or as the spec already read from it (the runtime reads
    annotation objects itself); entries declaring no shape may be None.
    ``decorator`` is given when ``@shapes`` has arguments; with ``strict`` a
    decorator spec that cannot be parsed raises ``SpecError`` (the runtime
    refuses the decoration) instead of being a problem.
    """
    contract = DeclaredContract(variadic=frozenset(p.name for p in params if p.variadic))
    if decorator is not None:
        _read_decorator(contract, decorator, [p.name for p in params], strict)
        return contract
    names = {p.name for p in params}
    return_annotation: Optional[ShapeSpec] = None
    for name, annotation in (annotations or {}).items():
        spec = annotation_spec(annotation) if isinstance(annotation, str) else annotation
        if spec is None:
            continue
        if name == "return":
            return_annotation = spec
        elif name in names:
            contract.params[name] = spec
            contract.sources[name] = ANNOTATION
    if return_annotation is not None:
        contract.returns.append(DeclaredReturn(None, return_annotation))
        contract.returns_source = ANNOTATION
    if docstring and _may_declare_shapes(docstring):
        _read_docstring(contract, docstring, params, read_returns=return_annotation is None)
    contract.params = {p.name: contract.params[p.name] for p in params if p.name in contract.params}
    return contract


def _spec(text: SpecLike) -> ShapeSpec:
    return text if isinstance(text, ShapeSpec) else parse_spec(text)


def _read_decorator(contract: DeclaredContract, decorator: DecoratorSpecs, names: List[str],
                    strict: bool) -> None:
    def parsed(text: SpecLike) -> Optional[ShapeSpec]:
        if strict:
            return _spec(text)
        try:
            return _spec(text)
        except SpecError as exc:
            contract.problems.append((str(text), str(exc)))
            return None

    for name, text in list(zip(names, decorator.positional)) + list(decorator.named):
        spec = parsed(text) if text is not None else None
        if spec is not None:
            # a name that is no parameter is kept: the runtime refuses it, and the
            # static analyzer checks only the parameters it has
            contract.params[name] = spec
            contract.sources[name] = DECORATOR
    if decorator.returns is None:
        return
    texts = decorator.returns if isinstance(decorator.returns, tuple) else (decorator.returns,)
    specs = [parsed(t) if t is not None else None for t in texts]  # None: an element not checked
    if any(spec is None and t is not None for spec, t in zip(specs, texts)):
        return  # a spec that cannot be read: which elements are declared is not known
    contract.returns = [DeclaredReturn(None, spec) for spec in specs]
    contract.returns_tuple = isinstance(decorator.returns, tuple)
    contract.returns_source = DECORATOR


# Every declaration a docstring can make contains one of these (lowercased):
# a parenthesized shape (ASCII or full-width), the word "shape" (a [...] shape,
# "same shape as", an unclosed "shape (n"), "dimension" ("same dimensions as")
# or the Chinese for dimensions / shape.  Most docstrings contain none of them.
_DECLARATION_MARKS = ("(", "\uff08", "shape", "dimension", "\u7ef4", "\u5f62\u72b6")


def _may_declare_shapes(doc: str) -> bool:
    lowered = doc.lower()
    return any(mark in lowered for mark in _DECLARATION_MARKS)


def _read_docstring(contract: DeclaredContract, doc: str, params: Sequence[Param], read_returns: bool) -> None:
    parsed = parse_docstring(doc, [p.name for p in params])
    names = {p.name for p in params}
    named = {p.name for p in params if not p.variadic}
    for name, spec in parsed.params.items():
        if name in names and name not in contract.params:
            contract.params[name] = spec
            contract.sources[name] = DOCSTRING
        elif name in names:
            contract.overruled[name] = spec
    for name, relation in parsed.relations.items():
        # a declared shape wins over a relation, as within one docstring
        if name in named and relation.name in named and name not in contract.params:
            contract.relations[name] = relation
    if read_returns:
        _read_returns(contract, parsed)
    lines = doc.splitlines()
    for problem in parsed.problems:
        # In the course style the `name -- ... shape (...)` line is the contract, so an
        # unreadable one deserves a word; numpydoc prose like "(n_samples)" is left alone.
        line = lines[problem.line] if 0 <= problem.line < len(lines) else ""
        prose = "trailing comma" in problem.reason and " " in problem.text.strip("() ")
        if (" -- " in line and not prose) or problem.reason == "unclosed parenthesis":
            contract.problems.append((problem.text, problem.reason))


def _read_returns(contract: DeclaredContract, parsed: Any) -> None:
    names = parsed.return_names
    if len(names) > 1 and None not in names:
        # `A -- ... of shape (n, m)` and `cache -- a tuple`: A by its position
        shaped = dict(parsed.returns)
        related = dict(parsed.return_relations)
        entries = [DeclaredReturn(n, shaped.get(n), related.get(n)) for n in names]
    elif len(names) > 1 and len(parsed.returns) == len(names):
        # unnamed ones, each with its shape: by position
        entries = [DeclaredReturn(n, spec) for n, spec in parsed.returns]
    elif len(names) == 1:
        spec = parsed.returns[0][1] if parsed.returns else None
        relation = parsed.return_relations[0][1] if parsed.return_relations else None
        entries = [DeclaredReturn(names[0], spec, relation)]
    else:
        # several documented return values, some unnamed and without a shape
        # (or "only returned when ..."): no position to trust
        return
    if all(e.spec is None and e.relation is None for e in entries):
        return
    contract.returns = entries
    contract.returns_tuple = len(entries) > 1
    contract.returns_source = DOCSTRING
