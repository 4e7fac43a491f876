"""The shape-spec mini-language, shared by the static analyzer and the runtime.

Two spellings of the same thing:

* jaxtyping style, dims separated by spaces: ``"n m"``, ``"n 1"``,
  ``"batch *rest"``, ``"..."``, ``"_"``, ``"n_l n_prev"``, ``""`` (a scalar),
  ``"n+1 2*n"``;
* tuple style, as written in docstrings: ``"(n_h, n_x)"``, ``"(n,)"``,
  ``"(size of previous layer, number of examples)"``, ``"(n[l], n[l-1])"``,
  ``"()"``; old sklearn lists ``"[n_samples, n_features]"`` too.

A dim is one of

* an int (``1``, ``784``);
* a name: an identifier (``n_x``, ``layer_dims[l-1]``) or, in tuple style, a
  phrase of words (``size of previous layer``).  Phrases are compared
  lowercased, whitespace collapsed and the articles a/an/the dropped;
  identifiers are compared as written;
* ``_`` (any one dim; jaxtyping's ``_name`` is the same, with a label);
* ``*name`` (a named variadic: any number of dims, bound as a tuple) or
  ``...`` / ``*_`` (anonymous variadic).  At most one variadic per spec;
* an arithmetic expression over names and ints with ``+ - *`` and parentheses
  (``n+1``, ``2*n``, ``n_h * n_w``);
* ``#name`` / ``#3``: jaxtyping's broadcastable dim, which may also be 1.

This module is pure: no libcst, no numpy.  The runtime calls ``parse_spec`` on
every checked call of ``shapelint.check`` so parsing is cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, List, Mapping, MutableMapping, Optional, Sequence, Tuple, Union

from shapelint.algebra import dims as _dims
from shapelint.algebra.dims import Dim, Shape, Sym

__all__ = [
    "SpecError",
    "DimSpec",
    "ShapeSpec",
    "parse_spec",
    "match_shape",
    "spec_to_shape",
    "INT",
    "NAME",
    "ANY",
    "VARIADIC",
    "EXPR",
]

# DimSpec kinds
INT = "int"
NAME = "name"
ANY = "any"
VARIADIC = "variadic"
EXPR = "expr"

Monomial = Tuple[str, ...]
Poly = Tuple[Tuple[Monomial, int], ...]  # canonical: sorted, no zero terms


class SpecError(ValueError):
    """A shape spec that cannot be parsed."""


@dataclass(frozen=True)
class DimSpec:
    """One position of a shape spec.

    ``text`` is the dim as the user wrote it (for messages); ``name`` is the
    canonical name that binds (names, named variadics); ``value`` the int of an
    ``INT`` dim; ``poly`` the canonical polynomial of an ``EXPR`` dim;
    ``broadcast`` is jaxtyping's ``#``: the dim may also be 1.
    """

    kind: str
    text: str
    name: Optional[str] = None
    value: Optional[int] = None
    poly: Optional[Poly] = None
    broadcast: bool = False

    @property
    def is_variadic(self) -> bool:
        return self.kind == VARIADIC

    @property
    def names(self) -> Tuple[str, ...]:
        """Every name this dim mentions (binds or reads)."""
        if self.kind == EXPR:
            return tuple(sorted({n for mono, _ in self.poly for n in mono}))
        return (self.name,) if self.name is not None else ()

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class ShapeSpec:
    """A parsed shape spec.  ``rank`` is None when the spec has a variadic."""

    dims: Tuple[DimSpec, ...]
    text: str
    rank: Optional[int] = field(init=False, compare=False)
    variadic_index: Optional[int] = field(init=False, compare=False, repr=False)
    # (kind, value or name) per dim when the spec is simple, for quick matching
    _plan: Optional[Tuple[Tuple[str, object], ...]] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        variadics = [i for i, d in enumerate(self.dims) if d.kind == VARIADIC]
        if len(variadics) > 1:
            raise SpecError(
                f"{self.text!r}: at most one variadic dim (*name or ...) is allowed in a shape"
            )
        object.__setattr__(self, "variadic_index", variadics[0] if variadics else None)
        object.__setattr__(self, "rank", None if variadics else len(self.dims))
        simple = all(d.kind in (INT, NAME, ANY) and not d.broadcast for d in self.dims)
        plan = tuple((d.kind, d.value if d.kind == INT else d.name) for d in self.dims)
        object.__setattr__(self, "_plan", plan if simple else None)

    @property
    def names(self) -> Tuple[str, ...]:
        """Canonical names mentioned, in order of first appearance."""
        seen: Dict[str, None] = {}
        for d in self.dims:
            for n in d.names:
                seen.setdefault(n, None)
        return tuple(seen)

    @property
    def is_simple(self) -> bool:
        """Only ints, plain names and ``_``: what the runtime compiles to straight-line code."""
        return self._plan is not None

    def __str__(self) -> str:
        return self.text


# -- parsing ---------------------------------------------------------------------

# An identifier, optionally indexed: n, n_x, n[l], layer_dims[l-1], W[1][2]
_IDENT = r"[A-Za-z_][A-Za-z0-9_]*(?:\[[^\[\]]*\])*"
_INT_RE = re.compile(r"[0-9]+")
# A word of a phrase: letters, digits, underscores, hyphens and apostrophes
# ("hidden-layer", "layer's"), optionally indexed ("size of layer[l]").
_WORD = r"[A-Za-z0-9_'\-]+(?:\[[^\[\]]*\])*"
_PHRASE_RE = re.compile(rf"[A-Za-z]{_WORD}?(?:\s+{_WORD})*")
# "pre-activation" is a word, not a subtraction: a hyphen between two letters.
_HYPHENATED_WORD_RE = re.compile(r"[A-Za-z]\w*-[A-Za-z]")
_EXPR_TOKEN_RE = re.compile(rf"\s*(?:({_IDENT})|([0-9]+)|([-+*()]))")


def _normalize_ident(text: str) -> str:
    # n[l - 1] and n[l-1] are the same name
    return re.sub(r"\s+", "", text)


_ARTICLES = frozenset(("a", "an", "the"))


def _normalize_phrase(text: str) -> str:
    # "size of the current layer" and "Size of current layer" are one dim:
    # the course docstrings use both for the same size
    words = [w for w in text.lower().split() if w not in _ARTICLES]
    return " ".join(words or text.lower().split())


def _canonical_poly(poly: Mapping[Monomial, int]) -> Poly:
    return tuple(sorted((m, c) for m, c in poly.items() if c != 0))


class _ExprParser:
    """Recursive descent over ``+ - *`` and parentheses, into a polynomial."""

    def __init__(self, text: str):
        self.text = text
        self.tokens: List[Tuple[str, str]] = []
        pos = 0
        stripped = text.rstrip()
        while pos < len(stripped):
            m = _EXPR_TOKEN_RE.match(stripped, pos)
            if m is None or m.end() == pos:
                raise SpecError(f"cannot read {text!r} as a dim")
            ident, number, op = m.groups()
            if ident is not None:
                self.tokens.append(("name", _normalize_ident(ident)))
            elif number is not None:
                self.tokens.append(("int", number))
            else:
                self.tokens.append(("op", op))
            pos = m.end()
        self.i = 0

    def parse(self) -> Dict[Monomial, int]:
        poly = self._sum()
        if self.i != len(self.tokens):
            raise SpecError(f"cannot read {self.text!r} as a dim: unexpected {self.tokens[self.i][1]!r}")
        return poly

    def _peek(self) -> Optional[Tuple[str, str]]:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _sum(self) -> Dict[Monomial, int]:
        out = self._product()
        while (tok := self._peek()) is not None and tok in (("op", "+"), ("op", "-")):
            self.i += 1
            rhs = self._product()
            sign = 1 if tok[1] == "+" else -1
            for m, c in rhs.items():
                out[m] = out.get(m, 0) + sign * c
        return out

    def _product(self) -> Dict[Monomial, int]:
        out = self._factor()
        while self._peek() == ("op", "*"):
            self.i += 1
            rhs = self._factor()
            prod: Dict[Monomial, int] = {}
            for ma, ca in out.items():
                for mb, cb in rhs.items():
                    m = tuple(sorted(ma + mb))
                    prod[m] = prod.get(m, 0) + ca * cb
            out = prod
        return out

    def _factor(self) -> Dict[Monomial, int]:
        tok = self._peek()
        if tok is None:
            raise SpecError(f"cannot read {self.text!r} as a dim: it ends too early")
        self.i += 1
        kind, val = tok
        if kind == "int":
            return {(): int(val)}
        if kind == "name":
            if val == "_":
                raise SpecError(f"{self.text!r}: '_' cannot be used in arithmetic")
            return {(val,): 1}
        if val == "(":
            inner = self._sum()
            if self._peek() != ("op", ")"):
                raise SpecError(f"cannot read {self.text!r} as a dim: unbalanced parentheses")
            self.i += 1
            return inner
        if val == "-":
            return {m: -c for m, c in self._factor().items()}
        raise SpecError(f"cannot read {self.text!r} as a dim: unexpected {val!r}")


def _parse_dim(raw: str, allow_phrase: bool) -> DimSpec:
    text = raw.strip()
    if not text:
        raise SpecError("empty dim")
    if text == "...":
        return DimSpec(VARIADIC, text)
    if text.startswith("*"):
        rest = text[1:].strip()
        if rest in ("", "_"):
            if rest == "":
                raise SpecError(f"{text!r}: a variadic needs a name (*batch) or use ...")
            return DimSpec(VARIADIC, text)
        name = _parse_name(rest, allow_phrase)
        if name is None:
            raise SpecError(f"{text!r}: a variadic must be *name")
        return DimSpec(VARIADIC, text, name=name)
    broadcast = False
    body = text
    if body.startswith("#"):
        broadcast = True
        body = body[1:].strip()
        if not body:
            raise SpecError(f"{text!r}: # must be followed by a name or size")
    if re.fullmatch(r"_[A-Za-z0-9_]*", body):
        # jaxtyping: "_" is any dim, "_name" is any dim with a label
        return DimSpec(ANY, text)
    if _INT_RE.fullmatch(body):
        return DimSpec(INT, text, value=int(body), broadcast=broadcast)
    name = _parse_name(body, allow_phrase=False)
    if name is not None:
        return DimSpec(NAME, text, name=name, broadcast=broadcast)
    expr_error: Optional[SpecError] = None
    if re.search(r"[-+*]", body) and not _HYPHENATED_WORD_RE.search(body):
        try:
            poly = _canonical_poly(_ExprParser(body).parse())
        except SpecError as exc:
            poly, expr_error = None, exc  # "layer l-1 size" may still be a phrase
    else:
        poly = None
    if poly is not None:
        if not poly:
            return DimSpec(INT, text, value=0, broadcast=broadcast)
        if len(poly) == 1 and poly[0][0] == ():
            value = poly[0][1]
            if value < 0:
                raise SpecError(f"{text!r} is negative")
            return DimSpec(INT, text, value=value, broadcast=broadcast)
        if len(poly) == 1 and len(poly[0][0]) == 1 and poly[0][1] == 1:
            return DimSpec(NAME, text, name=poly[0][0][0], broadcast=broadcast)
        return DimSpec(EXPR, text, poly=poly, broadcast=broadcast)
    name = _parse_name(body, allow_phrase)
    if name is not None:
        return DimSpec(NAME, text, name=name, broadcast=broadcast)
    if body.startswith("(") and body.endswith(")"):
        # "(n)" inside a spec: a parenthesized dim, e.g. "(n+1) m"
        return _parse_dim(("#" if broadcast else "") + body[1:-1], allow_phrase)
    if expr_error is not None:
        raise expr_error
    raise SpecError(f"cannot read {text!r} as a dim")


def _parse_name(text: str, allow_phrase: bool) -> Optional[str]:
    if re.fullmatch(_IDENT, text):
        return _normalize_ident(text)
    if allow_phrase and _PHRASE_RE.fullmatch(text) and not _INT_RE.fullmatch(text.split()[0]):
        return _normalize_phrase(text)
    return None


def _split_top_level(text: str, sep: str) -> List[str]:
    """Split on ``sep`` (',' or whitespace) outside brackets and parentheses."""
    parts: List[str] = []
    depth = 0
    start = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
            if depth < 0:
                raise SpecError(f"{text!r}: unbalanced {ch!r}")
        elif depth == 0 and (ch == sep if sep == "," else ch.isspace()):
            parts.append(text[start:i])
            start = i + 1
        i += 1
    if depth != 0:
        raise SpecError(f"{text!r}: unbalanced brackets")
    parts.append(text[start:])
    if sep != ",":
        parts = [p for p in parts if p.strip()]
    return parts


def _encloses(text: str, open_: str, close: str) -> bool:
    """Does the bracket at text[0] close at text[-1] (and not earlier)?"""
    if not (text.startswith(open_) and text.endswith(close)):
        return False
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
            if depth == 0 and i != len(text) - 1:
                return False
    return depth == 0


def _parse_items(text: str, inner: str, one_item_needs_comma: bool) -> Tuple[DimSpec, ...]:
    if not inner.strip():
        return ()
    items = _split_top_level(inner, ",")
    trailing_comma = len(items) > 1 and not items[-1].strip()
    if trailing_comma:
        items = items[:-1]
    if len(items) == 1 and one_item_needs_comma and not trailing_comma:
        raise SpecError(
            f"{text!r}: a one-item shape needs a trailing comma, "
            f"write ({items[0].strip()},)"
        )
    for item in items:
        if not item.strip():
            raise SpecError(f"{text!r}: empty dim between commas")
    return tuple(_parse_dim(item, allow_phrase=True) for item in items)


@lru_cache(maxsize=4096)
def parse_spec(text: str) -> ShapeSpec:
    """Parse a shape spec in either spelling.  Raises ``SpecError``."""
    if not isinstance(text, str):
        raise SpecError(f"a shape spec is a string, not {type(text).__name__}")
    s = text.strip()
    if _encloses(s, "(", ")"):
        dims = _parse_items(s, s[1:-1], one_item_needs_comma=True)
    elif _encloses(s, "[", "]"):
        dims = _parse_items(s, s[1:-1], one_item_needs_comma=False)
    elif "," in s and len(_split_top_level(s, ",")) > 1:
        dims = _parse_items(s, s, one_item_needs_comma=False)
    else:
        dims = tuple(_parse_dim(tok, allow_phrase=False) for tok in _split_top_level(s, " "))
    return ShapeSpec(dims, s)


# -- runtime matching ------------------------------------------------------------

_UNBOUND = object()
Binding = Union[int, Tuple[int, ...]]


def _eval_poly(poly: Poly, lookup) -> Optional[int]:
    total = 0
    for mono, coef in poly:
        term = coef
        for n in mono:
            v = lookup(n)
            if v is _UNBOUND or not isinstance(v, int):
                return None
            term *= v
        total += term
    return total


def _solve_linear(poly: Poly, lookup, actual: int) -> Optional[Tuple[str, Optional[int]]]:
    """If exactly one name is unbound and appears only linearly, solve for it.

    Returns (name, value) with value None when no non-negative integer works,
    or None when the expression cannot be solved (then it is not checked).
    """
    unbound = {n for mono, _ in poly for n in mono if lookup(n) is _UNBOUND}
    if len(unbound) != 1:
        return None
    (name,) = unbound
    coef = 0
    rest = 0
    for mono, c in poly:
        if name in mono:
            if mono != (name,):
                return None  # n*n, n*m with m unbound-free but nonlinear in n
            coef = c
            continue
        term = c
        for n in mono:
            v = lookup(n)
            if not isinstance(v, int):
                return None
            term *= v
        rest += term
    diff = actual - rest
    if coef == 0 or diff % coef != 0 or diff // coef < 0:
        return name, None
    return name, diff // coef


def _fmt_tuple(t: Sequence[int]) -> str:
    return "(" + ", ".join(str(v) for v in t) + ("," if len(t) == 1 else "") + ")"


def _fmt_binding(v: Binding) -> str:
    return _fmt_tuple(v) if isinstance(v, tuple) else str(v)


def match_shape(
    spec: ShapeSpec,
    shape: Sequence[int],
    bindings: MutableMapping[str, Binding],
    *,
    origin: Optional[str] = None,
    origins: Optional[MutableMapping[str, str]] = None,
) -> Optional[str]:
    """Match a concrete shape; None on success, else the reason it fails.

    Names the spec binds are added to ``bindings`` only on success (ints for
    dims, tuples for variadics).  When ``origins`` is given, it maps a name to
    who bound it (``"argument 'X'"``); newly bound names get ``origin`` and
    reasons mention the earlier binder.
    """
    if type(shape) is not tuple:
        shape = tuple(shape)
    plan = spec._plan
    if plan is not None and len(shape) == len(plan):
        # the common case, without building any message
        quick: Optional[Dict[str, Binding]] = None  # names this shape binds
        for (kind, key), actual in zip(plan, shape):
            if kind is NAME:
                prev = bindings.get(key, _UNBOUND)
                if prev is _UNBOUND:
                    if quick is None:
                        quick = {key: actual}
                    else:
                        prev = quick.setdefault(key, actual)
                        if prev != actual:
                            break
                elif prev != actual:
                    break
            elif kind is INT and actual != key:
                break
        else:
            if quick:
                bindings.update(quick)
                if origins is not None and origin is not None:
                    for name in quick:
                        origins.setdefault(name, origin)
            return None
    new: Dict[str, Binding] = {}

    def lookup(name: str):
        if name in new:
            return new[name]
        return bindings.get(name, _UNBOUND)

    def bound_by(name: str) -> str:
        if name in new:
            return " earlier in this shape"
        if origins is not None and name in origins:
            return f" by {origins[name]}"
        return ""

    dims = spec.dims
    vi = spec.variadic_index
    n = len(shape)
    if vi is None:
        if n != len(dims):
            return f"has {n} dim{'s' if n != 1 else ''}, expected {len(dims)}"
        positions = list(zip(range(n), dims, shape))
    else:
        fixed = len(dims) - 1
        if n < fixed:
            return f"has {n} dim{'s' if n != 1 else ''}, expected at least {fixed}"
        n_suffix = len(dims) - vi - 1
        positions = list(zip(range(vi), dims[:vi], shape[:vi]))
        positions += [
            (n - n_suffix + k, d, shape[n - n_suffix + k]) for k, d in enumerate(dims[vi + 1:])
        ]
        var = dims[vi]
        if var.name is not None:
            got = shape[vi:n - n_suffix]
            prev = lookup(var.name)
            if prev is _UNBOUND:
                new[var.name] = got
            elif prev != got:
                first, last = vi, n - n_suffix - 1
                where = f"dims {first}..{last}" if last > first else (
                    f"dim {first}" if last == first else f"no dims at {first}")
                return (f"{where} ({var.text}) are {_fmt_tuple(got)} but *{var.name} "
                        f"was bound to {_fmt_binding(prev)}{bound_by(var.name)}")

    exprs = []
    for i, d, actual in positions:
        kind = d.kind
        if kind == ANY:
            continue
        if d.broadcast and actual == 1:
            continue
        if kind == INT:
            if actual != d.value:
                alt = " or 1" if d.broadcast else ""
                return f"dim {i} is {actual}, expected {d.value}{alt}"
        elif kind == NAME:
            prev = lookup(d.name)
            if prev is _UNBOUND:
                new[d.name] = actual
            elif prev != actual:
                alt = " (or 1)" if d.broadcast else ""
                label = d.name if d.text == d.name else f"{d.text}"
                return (f"dim {i} ({label}) is {actual} but {d.name} was bound to "
                        f"{_fmt_binding(prev)}{bound_by(d.name)}{alt}")
        else:  # EXPR: after every plain name of this spec is bound
            exprs.append((i, d, actual))

    for i, d, actual in exprs:
        expected = _eval_poly(d.poly, lookup)
        if expected is None:
            solved = _solve_linear(d.poly, lookup, actual)
            if solved is None:
                continue  # too many unknowns: cannot be checked
            name, value = solved
            if value is None:
                return f"dim {i} ({d.text}) is {actual}, which no size {name} satisfies"
            new[name] = value
            continue
        if expected != actual:
            known = ", ".join(
                f"{nm}={_fmt_binding(lookup(nm))}" for nm in d.names
            )
            return f"dim {i} ({d.text}) is {actual}, expected {expected} ({known})"

    if new:
        bindings.update(new)
        if origins is not None and origin is not None:
            for name in new:
                origins.setdefault(name, origin)
    return None


# -- static side -----------------------------------------------------------------


def spec_to_shape(spec: ShapeSpec, symbols: Optional[Mapping[str, Dim]] = None) -> Shape:
    """The static shape a spec declares.

    Ints stay ints, a name becomes ``Sym.name(canonical_name)`` (or
    ``symbols[name]`` when given, so a caller can map declared names to the
    dims it already knows), ``_`` becomes a fresh invented size and an
    expression becomes the matching polynomial.  Any variadic makes the rank
    unknown: None.
    """
    if spec.variadic_index is not None:
        return None
    symbols = symbols or {}

    def name_dim(name: str) -> Dim:
        return symbols[name] if name in symbols else Sym.name(name)

    out: List[Dim] = []
    for d in spec.dims:
        if d.broadcast:
            out.append(None if d.kind != INT or d.value != 1 else 1)
        elif d.kind == INT:
            out.append(d.value)
        elif d.kind == NAME:
            out.append(name_dim(d.name))
        elif d.kind == ANY:
            out.append(_dims.fresh())
        else:
            total: Dim = 0
            for mono, coef in d.poly:
                term: Dim = coef
                for name in mono:
                    term = _dims.mul(term, name_dim(name))
                total = _dims.add(total, term)
            out.append(total)
    return tuple(out)
