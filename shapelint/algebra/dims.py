"""Dimensions and shapes: the vocabulary shared by the static and runtime halves.

A dimension (``Dim``) is one of
  * an ``int`` (a known size),
  * a ``Sym``: a polynomial with integer coefficients over named sizes
    (``n_x``, ``n * m``, ``k + 1``), kept in a canonical form so that
    ``m * n == n * m``,
  * ``None``: nothing is known.

A shape is a tuple of dims, or ``None`` when even the rank is unknown.

Names that start with ``?`` are *invented*: the analyzer made them up for a
size it could not name (``X.shape[0]`` of an array of unknown shape).  They let
two uses of the same unknown size agree, but a disagreement involving one is
never reported as an error: we do not know what the user meant.
"""

from __future__ import annotations

import itertools
import re
from typing import Dict, Iterable, Optional, Tuple, Union

Monomial = Tuple[str, ...]  # sorted names, repeated for powers
_Terms = Tuple[Tuple[Monomial, int], ...]

INVENTED_PREFIX = "?"


class Sym:
    """A symbolic size: a sum of ``coefficient * name * name ...`` terms."""

    __slots__ = ("terms", "_hash")

    def __init__(self, terms: _Terms):
        self.terms = terms
        self._hash = hash(terms)

    # -- construction -------------------------------------------------------
    @staticmethod
    def name(name: str) -> "Sym":
        return Sym((((name,), 1),))

    @staticmethod
    def from_poly(poly: Dict[Monomial, int]) -> "Dim":
        items = tuple(sorted((m, c) for m, c in poly.items() if c != 0))
        if not items:
            return 0
        if len(items) == 1 and items[0][0] == ():
            return items[0][1]
        return Sym(items)

    def poly(self) -> Dict[Monomial, int]:
        return dict(self.terms)

    # -- queries ------------------------------------------------------------
    @property
    def names(self) -> Tuple[str, ...]:
        return tuple(sorted({n for m, _ in self.terms for n in m}))

    @property
    def invented(self) -> bool:
        return any(n.startswith(INVENTED_PREFIX) for n in self.names)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sym) and self.terms == other.terms

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        parts = []
        for mono, coef in sorted(self.terms, key=lambda t: (-len(t[0]), t[0])):
            body = " * ".join(mono)
            if not mono:
                parts.append(("-" if coef < 0 else "+", str(abs(coef))))
            elif coef == 1:
                parts.append(("+", body))
            elif coef == -1:
                parts.append(("-", body))
            else:
                parts.append(("-" if coef < 0 else "+", f"{abs(coef)} * {body}"))
        text = ""
        for i, (sign, body) in enumerate(parts):
            if i == 0:
                text = body if sign == "+" else "-" + body
            else:
                text += f" {sign} {body}"
        return text

    __repr__ = __str__


Dim = Union[int, Sym, None]
Shape = Optional[Tuple[Dim, ...]]

_counter = itertools.count(1)


def fresh(label: str = "") -> Sym:
    """A new invented size, distinct from every other.

    ``label`` is what messages show for it (``n`` for ``n = len(x)``).
    """
    return Sym.name(f"{INVENTED_PREFIX}{label}#{next(_counter)}")


def _as_poly(d: Union[int, Sym]) -> Dict[Monomial, int]:
    return {(): d} if isinstance(d, int) else d.poly()


def add(a: Dim, b: Dim) -> Dim:
    if a is None or b is None:
        return None
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    poly = _as_poly(a)
    for m, c in _as_poly(b).items():
        poly[m] = poly.get(m, 0) + c
    return Sym.from_poly(poly)


def neg(a: Dim) -> Dim:
    if a is None:
        return None
    if isinstance(a, int):
        return -a
    return Sym.from_poly({m: -c for m, c in a.terms})


def sub(a: Dim, b: Dim) -> Dim:
    return add(a, neg(b))


def mul(a: Dim, b: Dim) -> Dim:
    if a is None or b is None:
        # 0 * anything is still 0
        if a == 0 or b == 0:
            return 0
        return None
    if isinstance(a, int) and isinstance(b, int):
        return a * b
    poly: Dict[Monomial, int] = {}
    for ma, ca in _as_poly(a).items():
        for mb, cb in _as_poly(b).items():
            m = tuple(sorted(ma + mb))
            poly[m] = poly.get(m, 0) + ca * cb
    return Sym.from_poly(poly)


def floordiv(a: Dim, b: Dim) -> Dim:
    """Exact where the division is exact, an opaque named size otherwise."""
    if a is None or b is None:
        return None
    if isinstance(b, int):
        if b == 0:
            return None
        if isinstance(a, int):
            return a // b
        if all(c % b == 0 for _, c in a.terms):
            return Sym.from_poly({m: c // b for m, c in a.terms})
        return Sym.name(f"({a}) // {b}")
    if isinstance(a, Sym) or isinstance(b, Sym):
        # n * m // m == n
        qa, qb = _as_poly(a), _as_poly(b)
        if len(qb) == 1:
            (mb, cb), = qb.items()
            out: Dict[Monomial, int] = {}
            for ma, ca in qa.items():
                rest = list(ma)
                for n in mb:
                    if n not in rest:
                        break
                    rest.remove(n)
                else:
                    if ca % cb == 0:
                        out[tuple(rest)] = ca // cb
                        continue
                break
            else:
                return Sym.from_poly(out)
        return Sym.name(f"({fmt_dim(a)}) // ({fmt_dim(b)})")
    return None


def product(dims: Iterable[Dim]) -> Dim:
    out: Dim = 1
    for d in dims:
        out = mul(out, d)
    return out


def is_invented(d: Dim) -> bool:
    return isinstance(d, Sym) and d.invented


def dims_equal(a: Dim, b: Dim) -> Optional[bool]:
    """True / False when known, None when we cannot tell.

    Two different *declared* symbols are taken to be different sizes: that is
    what the author means by giving them different names.  A symbol and an int
    may be equal, and nothing is known of an invented size.
    """
    if a is None or b is None:
        return None
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    if a == b:
        return True
    diff = sub(a, b)
    if isinstance(diff, int):  # n vs n + 1
        return diff == 0
    if isinstance(a, int) or isinstance(b, int):
        return None
    if a.invented or b.invented:
        return None
    # Different declared *names* are different sizes (what the author means);
    # products and sums of names can coincide (n_params == n * k), so no verdict.
    na, nb = _single_name(a), _single_name(b)
    if na is None or nb is None:
        return None
    if na.rstrip("s") == nb.rstrip("s"):
        return None  # n_feature vs n_features: a typo, not a claim
    return False


def _single_name(d: "Sym") -> Optional[str]:
    if len(d.terms) == 1 and d.terms[0][1] == 1 and len(d.terms[0][0]) == 1:
        return d.terms[0][0][0]
    return None


def maybe_one(d: Dim) -> bool:
    """Could this size be 1 at run time?  Declared symbols are assumed not."""
    if d is None:
        return True
    if isinstance(d, int):
        return d == 1
    return d.invented


_INVENTED_NAME = re.compile(r"\?([^#]*)#\d+")


def fmt_dim(d: Dim) -> str:
    """A size as the author would write it: invented sizes show their label (or ``?``)."""
    if d is None:
        return "?"
    text = str(d)
    if isinstance(d, Sym) and d.invented:
        return _INVENTED_NAME.sub(lambda m: m.group(1) or "?", text)
    return text


def fmt_shape(s: Shape) -> str:
    if s is None:
        return "(unknown)"
    if len(s) == 1:
        return f"({fmt_dim(s[0])},)"
    return "(" + ", ".join(fmt_dim(d) for d in s) + ")"


def dim_to_json(d: Dim):
    if d is None or (isinstance(d, Sym) and d.invented):
        return None
    if isinstance(d, int):
        return d
    return str(d)


def shape_to_json(s: Shape):
    if s is None:
        return None
    return [dim_to_json(d) for d in s]


def shape_size(s: Shape) -> Dim:
    if s is None:
        return None
    return product(s)
