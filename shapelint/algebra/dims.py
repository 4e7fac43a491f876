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

import functools
import itertools
import math
import re
from typing import Dict, Iterable, List, Optional, Tuple, Union

Monomial = Tuple[str, ...]  # sorted names, repeated for powers
_Terms = Tuple[Tuple[Monomial, int], ...]

INVENTED_PREFIX = "?"


class Sym:
    """A symbolic size: a sum of ``coefficient * name * name ...`` terms."""

    __slots__ = ("terms", "_hash", "_names")

    def __init__(self, terms: _Terms):
        self.terms = terms
        self._hash = hash(terms)
        self._names: Optional[Tuple[str, ...]] = None  # computed on first use: a Sym never changes

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
        if self._names is None:
            self._names = tuple(sorted({n for m, _ in self.terms for n in m}))
        return self._names

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
    """True / False when known, None when we cannot tell (see ``compare_dims``)."""
    return compare_dims(a, b).equal


# -- verdicts -------------------------------------------------------------------
#
# Two sizes are compared in two steps.  First *arithmetic* over positive
# integers: ``2 * q != q``, ``q + 1 != q``, ``2 * k != 3``, ``n * m == m * n``.
# What arithmetic leaves open, the *generic-size convention* decides: declared
# sizes (every name that is not invented) are independent generic values, so two
# different polynomials over declared names are different sizes (``n != m``,
# ``n != 3``, ``p * q != q`` since ``p != 1``), and a declared size is larger
# than any constant.  Invented sizes are unknowns: the convention never applies
# to them.

ARITHMETIC = "arithmetic"  # holds for every assignment of positive integers
CONVENTION = "convention"  # holds for generic declared sizes (fails for some special values)
DOCUMENTED = "documented"  # the convention, applied to a size only a docstring names (DOCUMENTED_PREFIX)
UNKNOWN = "unknown"        # cannot be decided

_REASON_RANK = {ARITHMETIC: 0, CONVENTION: 1, DOCUMENTED: 2, UNKNOWN: 3}


def weakest(*reasons: str) -> str:
    """The reason of a verdict that needs all of these verdicts."""
    return max(reasons, key=_REASON_RANK.__getitem__) if reasons else ARITHMETIC


class Condition:
    """When sizes that differ by the convention would be equal after all: equalities between
    sizes joined with ``and`` / ``or`` (``k == 2``, ``p == 1 and q == 1``, ``(a == 1 or a == 2)
    and n == m``), kept as a tree so that what reads it asks its structure, never its text.
    The empty condition (``NO_CONDITION``, false) stands for "no simple form" or "never".

    ``op``: ``"=="`` or ``"divides"`` (``parts``: the two sizes' texts), ``"and"``, ``"or"``
    (``parts``: the conditions joined), or ``""`` (empty).
    """

    __slots__ = ("op", "parts")

    def __init__(self, op: str, parts: Tuple):
        self.op, self.parts = op, parts

    @staticmethod
    def equal(left: str, right: str) -> "Condition":
        return Condition("==", (left, right))

    @staticmethod
    def divides(left: str, right: str) -> "Condition":
        return Condition("divides", (left, right))

    @staticmethod
    def all_of(conditions: Iterable["Condition"]) -> "Condition":
        return Condition._join("and", conditions)

    @staticmethod
    def any_of(conditions: Iterable["Condition"]) -> "Condition":
        return Condition._join("or", conditions)

    @staticmethod
    def _join(op: str, conditions: Iterable["Condition"]) -> "Condition":
        parts: List[Condition] = []
        for c in conditions:
            for part in (c.parts if c.op == op else (c,)):  # (a or b) or c is a or b or c
                if part and part not in parts:
                    parts.append(part)
        if not parts:
            return NO_CONDITION
        return parts[0] if len(parts) == 1 else Condition(op, tuple(parts))

    def relations(self) -> Iterable["Condition"]:
        """The equalities and divisibilities it is made of."""
        if self.op in ("and", "or"):
            for part in self.parts:
                yield from part.relations()
        elif self.op:
            yield self

    def equalities(self) -> Iterable[Tuple[str, str]]:
        """The sizes of each equality it is made of."""
        return (r.parts for r in self.relations() if r.op == "==")

    def is_conjunction(self) -> bool:
        """One equality, or equalities that must all hold (no ``or``)."""
        return self.op == "==" or (self.op == "and" and all(p.op == "==" for p in self.parts))

    def asks_only_ones(self) -> bool:
        """Is every relation in it a size equal to 1 (``n_y == 1``; not ``n_h == m``)?"""
        return bool(self) and all(r.op == "==" and r.parts[1] == "1" for r in self.relations())

    def same_as(self, other: "Condition") -> bool:
        """Equal, ``n == m`` being ``m == n``."""
        if self.op == "==" and other.op == "==":
            return set(self.parts) == set(other.parts)
        return self == other

    def __bool__(self) -> bool:
        return bool(self.op)

    def __str__(self) -> str:
        if self.op not in ("and", "or"):
            return f" {self.op} ".join(self.parts)
        # a conjunction inside a disjunction (or the other way) is bracketed
        return f" {self.op} ".join(f"({p})" if p.op not in ("==", self.op) else str(p) for p in self.parts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Condition) and (self.op, self.parts) == (other.op, other.parts)

    def __hash__(self) -> int:
        return hash((self.op, self.parts))

    def __repr__(self) -> str:
        return f"Condition({str(self)!r})"


NO_CONDITION = Condition("", ())


class Verdict:
    """The outcome of comparing two sizes.

    equal: True / False / None (cannot tell).
    reason: ARITHMETIC, CONVENTION or UNKNOWN (``equal is None``).
    condition: for a CONVENTION verdict, the special values where it would not
    hold (``k == 2``), or ``NO_CONDITION`` when that has no simple form.
    """

    __slots__ = ("equal", "reason", "condition")

    def __init__(self, equal: Optional[bool], reason: str, condition: Condition = NO_CONDITION):
        self.equal, self.reason, self.condition = equal, reason, condition

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Verdict)
                and (self.equal, self.reason, self.condition) == (other.equal, other.reason, other.condition))

    def __hash__(self) -> int:
        return hash((self.equal, self.reason, self.condition))

    def __repr__(self) -> str:
        cond = f", {self.condition!r}" if self.condition else ""
        return f"Verdict({self.equal}, {self.reason}{cond})"


_UNKNOWN_VERDICT = Verdict(None, UNKNOWN)
_EQUAL = Verdict(True, ARITHMETIC)
_DIFFERENT = Verdict(False, ARITHMETIC)


def _is_opaque(name: str) -> bool:
    """Sizes the convention says nothing about: invented ones, and opaque
    quotients such as ``(n) // 2`` (whose parity no convention decides)."""
    return name.startswith(INVENTED_PREFIX) or "//" in name


def _poly_of(d: Union[int, "Sym"]) -> Dict[Monomial, int]:
    return {(): d} if isinstance(d, int) else d.poly()


def _shifted(poly: Dict[Monomial, int], shift: int) -> Dict[Monomial, int]:
    """poly with every name x replaced by ``shift + x``."""
    out: Dict[Monomial, int] = {}
    for mono, coef in poly.items():
        terms: Dict[Monomial, int] = {(): coef}
        for name in mono:
            nxt: Dict[Monomial, int] = {}
            for m, c in terms.items():
                nxt[m] = nxt.get(m, 0) + c * shift
                grown = tuple(sorted(m + (name,)))
                nxt[grown] = nxt.get(grown, 0) + c
            terms = nxt
        for m, c in terms.items():
            out[m] = out.get(m, 0) + c
    return {m: c for m, c in out.items() if c}


def _sign_for_positive(poly: Dict[Monomial, int], shift: int) -> Optional[int]:
    """1 / -1 when ``poly`` is > 0 / < 0 for every assignment of integers >= shift to its
    names (proved by substituting ``shift + y`` with ``y >= 0``: every coefficient
    has one sign and the constant is not 0); 0 when it is the zero polynomial."""
    if not poly:
        return 0
    shifted = _shifted(poly, shift)
    const = shifted.get((), 0)
    if const > 0 and all(c >= 0 for c in shifted.values()):
        return 1
    if const < 0 and all(c <= 0 for c in shifted.values()):
        return -1
    return None


def _nonneg_for_positive(poly: Dict[Monomial, int]) -> bool:
    """poly >= 0 for every assignment of positive integers (a proof, as above)."""
    return all(c >= 0 for c in _shifted(poly, 1).values())


def _eventual_sign(poly: Dict[Monomial, int]) -> Optional[int]:
    """The sign of ``poly`` when every name is a generic (large) size: substitute
    ``C + y`` and read each coefficient's leading power of ``C``.  1 / -1 when the
    sign is the same for all ``y >= 0`` and large ``C``, 0 for the zero polynomial."""
    if not poly:
        return 0
    # coefficient of each y-monomial, as {power of C: int}
    out: Dict[Monomial, Dict[int, int]] = {}
    for mono, coef in poly.items():
        terms: Dict[Tuple[Monomial, int], int] = {((), 0): coef}
        for name in mono:
            nxt: Dict[Tuple[Monomial, int], int] = {}
            for (m, p), c in terms.items():
                nxt[(m, p + 1)] = nxt.get((m, p + 1), 0) + c
                grown = (tuple(sorted(m + (name,))), p)
                nxt[grown] = nxt.get(grown, 0) + c
            terms = nxt
        for (m, p), c in terms.items():
            slot = out.setdefault(m, {})
            slot[p] = slot.get(p, 0) + c
    signs = []
    for m, by_power in out.items():
        nonzero = {p: c for p, c in by_power.items() if c}
        if not nonzero:
            continue
        signs.append((m, 1 if nonzero[max(nonzero)] > 0 else -1))
    if not signs:
        return 0
    const = [s for m, s in signs if m == ()]
    if not const:
        return None  # zero when every y is 0
    if all(s == const[0] for _, s in signs):
        return const[0]
    return None


def _names_of(poly: Dict[Monomial, int]) -> Tuple[str, ...]:
    return tuple(sorted({n for m in poly for n in m}))


def _gcd_excludes_zero(poly: Dict[Monomial, int]) -> bool:
    """No integer root: the gcd of the non-constant coefficients does not divide the constant."""
    g = 0
    for m, c in poly.items():
        if m:
            g = math.gcd(g, abs(c))
    const = poly.get((), 0)
    return g > 1 and const % g != 0


_MAX_ROOT_SEARCH = 10 ** 6


def _positive_roots_univariate(poly: Dict[Monomial, int]) -> Optional[List[int]]:
    """The positive integer roots of a polynomial in one name (None: not univariate,
    or too large a constant to search)."""
    names = _names_of(poly)
    if len(names) != 1:
        return None
    coeffs = {len(m): c for m, c in poly.items()}  # degree -> coefficient
    low = min(coeffs)
    coeffs = {d - low: c for d, c in coeffs.items()}  # x > 0: divide by x ** low
    const = coeffs.get(0, 0)
    if abs(const) > _MAX_ROOT_SEARCH:
        return None
    roots = []
    for x in range(1, abs(const) + 1):
        if const % x == 0 and sum(c * x ** d for d, c in coeffs.items()) == 0:
            roots.append(x)
    return roots


def _without_common_factor(poly: Dict[Monomial, int]) -> Dict[Monomial, int]:
    """Divide by the names every term has (sizes are positive: ``q * (p - 1) == 0``
    exactly when ``p - 1 == 0``)."""
    monos = [list(m) for m in poly]
    if not monos:
        return poly
    common = list(monos[0])
    for m in monos[1:]:
        rest = []
        for n in m:
            if n in common:
                common.remove(n)
                rest.append(n)
        common = rest
    if not common:
        return poly
    out = {}
    for m, c in poly.items():
        left = list(m)
        for n in common:
            left.remove(n)
        out[tuple(left)] = c
    return out


def _condition_of(poly: Dict[Monomial, int], a: Dim, b: Dim) -> Condition:
    """When would ``poly == 0`` (that is, ``a == b``)?  ``k == 2``, ``n == 1``,
    or the equation itself for a small one."""
    poly = _without_common_factor(poly)
    roots = _positive_roots_univariate(poly)
    if roots is not None:
        name = _names_of(poly)[0]
        return Condition.any_of(Condition.equal(fmt_dim(Sym.name(name)), str(r)) for r in roots)
    names = _names_of(poly)
    # c * x * y * ... == c: every name is 1
    if len(poly) == 2 and () in poly:
        (mono, coef), = ((m, c) for m, c in poly.items() if m)
        if coef == -poly[()] and len(set(mono)) == len(mono):
            return Condition.all_of(Condition.equal(fmt_dim(Sym.name(n)), "1") for n in mono)
    if len(names) <= 3:
        return Condition.equal(fmt_dim(a), fmt_dim(b))
    return NO_CONDITION


def _singular(name: str) -> str:
    return name[:-1] if name.endswith("s") else name


def _same_up_to_plural(poly: Dict[Monomial, int]) -> bool:
    """Does ``poly`` vanish once ``n_features`` and ``n_feature`` are one name?"""
    out: Dict[Monomial, int] = {}
    for m, c in poly.items():
        key = tuple(sorted(_singular(n) for n in m))
        out[key] = out.get(key, 0) + c
    return not any(out.values())


def compare_dims(a: Dim, b: Dim) -> Verdict:
    """Are two sizes equal?  With the reason of the verdict (see above)."""
    if a is None or b is None:
        return _UNKNOWN_VERDICT
    if isinstance(a, int) and isinstance(b, int):
        return _EQUAL if a == b else _DIFFERENT
    if a == b:
        return _EQUAL
    return _compare_symbolic(a, b)


# Comparisons kept between two checks (see forget_comparisons).
REMEMBERED_COMPARISONS = 8192


def forget_comparisons() -> None:
    """Called between two checks: the sizes a check invents are numbered anew by the next one, so
    its comparisons are never asked again, and the small objects they hold, kept across a long run
    (a worker over a distribution, an editor's session), scatter the memory the process cannot
    give back.  Cleared past ``REMEMBERED_COMPARISONS``."""
    if _compare_symbolic.cache_info().currsize > REMEMBERED_COMPARISONS:
        _compare_symbolic.cache_clear()


@functools.lru_cache(maxsize=65536)  # sizes are immutable; the analyzer compares the same pairs often
def _compare_symbolic(a: Union[int, "Sym"], b: Union[int, "Sym"]) -> Verdict:
    quick = _compare_names(a, b)
    if quick is not None:
        return quick
    diff = _poly_of(sub(a, b))
    reduced = _without_common_factor(diff)
    if (b == 0 or a == 0) and len(diff) == 1:
        # c * n * m against a literal 0: sizes are positive, but an empty array
        # is real; like the fast path, the convention decides (never for an
        # invented size)
        names = _names_of(diff)
        if any(_is_opaque(n) for n in names):
            return _UNKNOWN_VERDICT
        return Verdict(False, CONVENTION, Condition.any_of(Condition.equal(fmt_dim(Sym.name(n)), "0") for n in names))
    if (_sign_for_positive(reduced, 1) is not None or _gcd_excludes_zero(reduced)
            or _positive_roots_univariate(reduced) == []):
        return Verdict(False, ARITHMETIC)
    names = _names_of(diff)
    if any(_is_opaque(n) for n in names):
        return _UNKNOWN_VERDICT
    # Kept from the first version: a docstring that says n_feature where the code
    # says n_features has a typo, it does not claim two sizes.
    if _same_up_to_plural(diff):
        return _UNKNOWN_VERDICT
    return Verdict(False, _convention_for(*names), _condition_of(diff, a, b))


def _compare_names(a: Union[int, "Sym"], b: Union[int, "Sym"]) -> Optional[Verdict]:
    """The common case, a name against a name or a constant, without polynomials
    (the same verdicts as the general path)."""
    na = _single_name(a) if isinstance(a, Sym) else None
    nb = _single_name(b) if isinstance(b, Sym) else None
    if (na is None and not isinstance(a, int)) or (nb is None and not isinstance(b, int)):
        return None
    if na is None:
        a, b, na, nb = b, a, nb, na
    assert na is not None
    if isinstance(b, int):
        if b < 0:
            return Verdict(False, ARITHMETIC)  # a size is never negative
        if _is_opaque(na):
            return _UNKNOWN_VERDICT
        # n against 0 is the convention's too (empty arrays are real, if not generic)
        return Verdict(False, _convention_for(na), Condition.equal(fmt_dim(a), str(b)))
    assert nb is not None
    if _is_opaque(na) or _is_opaque(nb) or _singular(na.lstrip(DOCUMENTED_PREFIX)) == _singular(
            nb.lstrip(DOCUMENTED_PREFIX)):
        return _UNKNOWN_VERDICT
    return Verdict(False, _convention_for(na, nb), Condition.equal(fmt_dim(a), fmt_dim(b)))


def _convention_for(*names: str) -> str:
    """The convention's reason for sizes with these names: DOCUMENTED when a docstring alone names one."""
    return DOCUMENTED if any(n.startswith(DOCUMENTED_PREFIX) for n in names) else CONVENTION


def compare_order(a: Dim, b: Dim) -> Tuple[Optional[int], str]:
    """The sign of ``a - b`` (1, 0, -1, or None: cannot tell), and its reason.

    Arithmetic proves signs for every positive assignment (``k - 1 >= 0`` is not
    a sign, but ``k + 1 > k`` is); the convention adds that a declared size is
    larger than any constant (``k > 3``, ``n * m > m``).  Nothing orders two
    declared sizes (``n`` against ``m``).
    """
    if a is None or b is None:
        return None, UNKNOWN
    diff = _poly_of(sub(a, b))
    sign = _sign_for_positive(diff, 1)
    if sign is not None:
        return sign, ARITHMETIC
    if any(_is_opaque(n) for n in _names_of(diff)):
        return None, UNKNOWN
    sign = _eventual_sign(diff)
    if sign is not None:
        return sign, CONVENTION
    return None, UNKNOWN


def at_least(a: Dim, b: Dim) -> Tuple[Optional[bool], str]:
    """Is ``a >= b``?  (True / False / None, and the reason.)"""
    if a is None or b is None:
        return None, UNKNOWN
    if isinstance(a, int) and isinstance(b, int):
        return a >= b, ARITHMETIC
    diff = _poly_of(sub(a, b))
    if _nonneg_for_positive(diff):
        return True, ARITHMETIC
    sign, reason = compare_order(a, b)
    if sign is None:
        return None, UNKNOWN
    return sign >= 0, reason


def maybe_one(d: Dim) -> bool:
    """Could this size be 1 at run time?  Declared sizes are assumed not (the convention)."""
    return compare_dims(d, 1).equal is not False


def is_bare_name(d: Dim) -> bool:
    """A single declared or invented name (``n``), not an expression (``n + 1``, ``2 * n``)."""
    return isinstance(d, Sym) and _single_name(d) is not None


def _single_name(d: "Sym") -> Optional[str]:
    if len(d.terms) == 1 and d.terms[0][1] == 1 and len(d.terms[0][0]) == 1:
        return d.terms[0][0][0]
    return None


_INVENTED_NAME = re.compile(r"\?([^#]*)#\d+")


DOCUMENTED_PREFIX = "~"  # a size only a docstring names (outside the course's notation): compared like
# any declared size, but a docstring can be wrong, so what follows from it alone is a warning


def fmt_dim(d: Dim) -> str:
    """A size as the author would write it: invented sizes show their label (or ``?``)."""
    if d is None:
        return "?"
    text = str(d)
    if isinstance(d, Sym) and d.invented:
        text = _INVENTED_NAME.sub(lambda m: m.group(1) or "?", text)
    return text.replace(DOCUMENTED_PREFIX, "") if isinstance(d, Sym) else text


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
