"""Function summaries: what the analysis understood of a function, written as a signature.

``shapelint shapes --signatures`` prints, for every function of a file, the
shapes its own analysis gave its parameters (what the code's uses of them
say) and its result, in one consistent notation:

    linear_backward(dZ: (a, m), cache: ((c, m), (a, c), (a, 1))) -> ((c, m), (a, c), (a, 1))

* Sizes the code or a declaration named keep their names (``n_x``, ``m``,
  ``n[l]``, a docstring's ``n_samples``); a size the code read into a name
  (``n, m = X.shape``, ``m = X.shape[1]``, ``L = len(caches)``) has that name.
* Sizes nobody named are letters (``a``, ``b``, ...), the same letter for the
  same size throughout the signature, never a name the signature already uses
  (a parameter's or a size's).
* ``?`` is a size nothing is known of (or, for a whole value, a value nothing is
  known of); ``array`` an array of unknown rank; ``int`` a parameter used as a
  size.
* A dict shows its keys as the code builds them: ``{W1: (n_h, n_x), ...}``,
  ``{W[l]: (layer_dims[l], layer_dims[l - 1]), ...}`` for ``"W" + str(l)``.
* A result's part whose shape is unknown is named as the ``return`` names it:
  ``sigmoid(Z: ?) -> (A, cache)`` reads "returns its ``A`` and its ``cache``"; so is a
  whole result that is a parameter nothing is known of (``update(parameters: ?, ...) ->
  parameters``).

Where the function's own analysis knows nothing of a parameter or result, the
analyses of its calls (in the file, or in the drivers that import it) fill it
in, joined (what every call that passes a real size agrees on), as ``shapelint
shapes`` does for an assigned name: so the two commands agree wherever
``shapes`` shows a size (where it shows ``?``, a letter here says which made-up
size it is; a number is ``int`` or ``float`` here, ``()`` there).

The same facts say which functions could not be checked at all (see
``unchecked_functions``).
"""

from __future__ import annotations

import re
from typing import Callable, Dict, Iterable, List, Optional, Set, Tuple

import libcst as cst

from shapelint.algebra.dims import DOCUMENTED_PREFIX, INVENTED_PREFIX, Dim, Sym
from shapelint.analysis.values import (
    NONE,
    NUM,
    UNKNOWN,
    ArrayVal,
    ClassVal,
    DictVal,
    InstanceVal,
    IntVal,
    ParamVal,
    SeqVal,
    StrVal,
    TupleVal,
    Val,
    join_shapes,
)

_INVENTED = re.compile(r"\?(.*)#\d+$")  # fresh()'s spelling: `?label#17`
_INVENTED_INSIDE = re.compile(r"\?[^#]*(?:#\d+)+")  # one inside an opaque size: `(?a#3) // 2`
_PHRASE = re.compile(r"#\d+")  # a docstring phrase outside the notation: `number of boxes#0`
# a label a size keeps: one the code wrote as a name (`m = X.shape[1]`), an item or a length
# (`layer_dims[l - 1]`, `len(caches)`); `X.shape[0]` is a letter
_READABLE_LABEL = re.compile(r"[A-Za-z_]\w*(\[[\w +*-]+\])*$|len\([A-Za-z_][\w.]*\)$")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*$")
_LETTERS = "abcdefghijkpqrstuvwxyz"  # no l, m, n, o: the course's own letters, and l/o read as 1/0
MAX_DEPTH = 4
MAX_DICT_ITEMS = 6


def _names_of(d: Dim) -> Tuple[str, ...]:
    return d.names if isinstance(d, Sym) else ()


def shown_name(name: str, made_up=None) -> str:
    """A size's name as the user wrote it (without the analyzer's marks); "" for a made-up size.
    ``made_up`` shows a made-up size inside an opaque one (`(?a#3) // 2`); without it, `?`."""
    if name.startswith(INVENTED_PREFIX):
        return ""
    if INVENTED_PREFIX in name:
        name = _INVENTED_INSIDE.sub(lambda m: made_up(m.group(0)) if made_up else "?", name)
    return _PHRASE.sub("", name.replace(DOCUMENTED_PREFIX, ""))


class SignatureWriter:
    """Writes values in the summary notation; one writer per signature, so letters are consistent."""

    def __init__(self, env_vars: Dict[str, Val], avoid: Iterable[str] = ()):
        self.env = env_vars
        self.reserved: Set[str] = set()  # the real sizes' names: no made-up size is shown as one
        self.avoid: Set[str] = set(avoid)  # no letter reads as one of these either (parameters, locals)
        self.shown: Dict[str, str] = {}  # made-up size -> its letter or label
        # made-up size -> the first local that holds it as an int (`m = A.shape[1]`)
        self.locals: Dict[str, str] = {}
        for var, v in env_vars.items():
            if isinstance(v, IntVal) and isinstance(v.dim, Sym) and len(v.dim.terms) == 1:
                (mono, coef), = v.dim.terms
                if coef == 1 and len(mono) == 1 and mono[0].startswith(INVENTED_PREFIX) and var.strip("_"):
                    self.locals.setdefault(mono[0], var)
        self.used: Set[str] = set()
        self.next_letter = 0

    # -- sizes ---------------------------------------------------------------
    def reserve_value(self, v: Optional[Val], depth: int = 0) -> None:
        """Reserve the real size names in ``v`` (first pass: letters are chosen around them)."""
        for d in _dims_in(v, self.env, depth):
            for n in _names_of(d):
                if INVENTED_PREFIX not in n:
                    self.reserved.add(shown_name(n))

    def made_up(self, name: str) -> str:
        if name not in self.shown:
            text = next((c for c in self.names_for(name) if c not in self.reserved and c not in self.used), None)
            text = text or self.letter()
            self.shown[name] = text
            self.used.add(text)
        return self.shown[name]

    def names_for(self, name: str) -> List[str]:
        """What a made-up size may be shown as, best first: the name the code gave it where it
        made it (`n, m = X.shape`, a loop's `l`), a local that holds it (`m = A.shape[1]`,
        `L = len(caches)`), its label when readable (`len(caches)`, `layer_dims[l]`)."""
        m = _INVENTED.match(name)
        label = m.group(1) if m else ""
        out = []
        if label.strip("_") and _IDENTIFIER.match(label):
            out.append(label)
        if name in self.locals:
            out.append(self.locals[name])
        if label.strip("_") and _READABLE_LABEL.match(label):
            out.append(label)
        return out

    def letter(self) -> str:
        while True:
            n = self.next_letter
            self.next_letter += 1
            candidate = _LETTERS[n % len(_LETTERS)] + ("" if n < len(_LETTERS) else str(n // len(_LETTERS)))
            if candidate not in self.reserved and candidate not in self.used and candidate not in self.avoid:
                return candidate

    def dim(self, d: Dim) -> str:
        if d is None:
            return "?"
        if isinstance(d, int):
            return str(d)
        poly: Dict[Tuple[str, ...], int] = {}
        for mono, coef in d.terms:
            key = tuple(sorted(self.made_up(n) if n.startswith(INVENTED_PREFIX) else shown_name(n, self.made_up)
                               for n in mono))
            poly[key] = poly.get(key, 0) + coef
        out = Sym.from_poly(poly)
        return str(out)

    # -- values --------------------------------------------------------------
    def value(self, v: Optional[Val], depth: int = 0) -> str:
        if depth > MAX_DEPTH:
            return "..."
        if isinstance(v, ArrayVal):
            if v.shape is None:
                return "array"
            dims = [self.dim(d) for d in v.shape]
            return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"
        if isinstance(v, IntVal):
            return "int"
        if v is NUM:
            return "float"
        if v is NONE:
            return "None"
        if isinstance(v, StrVal):
            return "str"
        if isinstance(v, TupleVal):
            inner = ", ".join(self.value(x, depth + 1) for x in v.items)
            return f"[{inner}]" if v.is_list else f"({inner}{',' if len(v.items) == 1 else ''})"
        if isinstance(v, SeqVal):
            return f"[{self.value(v.elem, depth + 1)}, ...]"
        if isinstance(v, DictVal):
            items = list(v.entries.items())
            body = ", ".join(f"{self.key(k)}: {self.value(x, depth + 1)}" for k, x in items[:MAX_DICT_ITEMS])
            more = len(items) > MAX_DICT_ITEMS or (not v.complete and items)
            return "{" + body + (", ..." if more else "") + "}" if items else "dict"
        if isinstance(v, InstanceVal):
            return v.cls.name
        if isinstance(v, ClassVal):
            return f"type[{v.name}]"
        if isinstance(v, ParamVal) and v.parts:
            return self.value(TupleVal(tuple(self.env.get(p, ParamVal(p)) for p in v.parts)), depth + 1)
        return "?"

    def key(self, parts: Tuple) -> str:
        """A dict key as the code builds it: `W1`; `W[l]` for `"W" + str(l)`."""
        out = []
        for p in parts:
            if isinstance(p, str):
                out.append(p)
            elif isinstance(p, int):
                out.append(str(p))
            else:
                out.append(f"[{self.key_dim(p)}]")
        return "".join(out) or "''"

    def key_dim(self, d: Dim) -> str:
        """A key's size keeps the code's name for it even where two loops' `l` are different sizes
        (`W[l]` and `W[l + 1]` read as the code wrote them)."""
        if not isinstance(d, Sym):
            return self.dim(d)
        labels = {}
        for n in d.names:
            if n.startswith(INVENTED_PREFIX) and self.names_for(n):
                labels[n] = self.names_for(n)[0]
        if not labels:
            return self.dim(d)
        poly: Dict[Tuple[str, ...], int] = {}
        for mono, coef in d.terms:
            key = tuple(sorted(labels.get(n) or (self.made_up(n) if n.startswith(INVENTED_PREFIX)
                                                 else shown_name(n, self.made_up)) for n in mono))
            poly[key] = poly.get(key, 0) + coef
        return str(Sym.from_poly(poly))


def _dims_in(v: Optional[Val], env: Dict[str, Val], depth: int = 0):
    if depth > MAX_DEPTH or v is None:
        return
    if isinstance(v, ArrayVal) and v.shape is not None:
        yield from v.shape
    elif isinstance(v, IntVal):
        yield v.dim
    elif isinstance(v, TupleVal):
        for x in v.items:
            yield from _dims_in(x, env, depth + 1)
    elif isinstance(v, SeqVal):
        yield from _dims_in(v.elem, env, depth + 1)
    elif isinstance(v, DictVal):
        for k, x in list(v.entries.items())[:MAX_DICT_ITEMS]:
            yield from (p for p in k if not isinstance(p, str))
            yield from _dims_in(x, env, depth + 1)
    elif isinstance(v, ParamVal) and v.parts:
        for p in v.parts:
            yield from _dims_in(env.get(p), env, depth + 1)


def _is_unknown(v: Optional[Val]) -> bool:
    return v is None or v is UNKNOWN or (isinstance(v, ParamVal) and not v.parts) \
        or (isinstance(v, ArrayVal) and v.shape is None)


def fill_from_calls(v: Optional[Val], seen: List[Val], env: Dict[str, Val], depth: int = 0) -> Optional[Val]:
    """``v`` (what the function's own analysis knows) with its unknown parts taken from ``seen``
    (what the analyses of its calls had there), joined over the calls that know a shape,
    as ``shapelint shapes`` does for a name (see ``ReportingMixin.shape_records``)."""
    if not seen or depth > MAX_DEPTH:
        return v
    if isinstance(v, ParamVal) and v.parts:
        v = TupleVal(tuple(env.get(p, ParamVal(p)) for p in v.parts))
    if _is_unknown(v):
        arrays = [s.shape for s in seen if isinstance(s, ArrayVal) and s.shape is not None]
        # a call made by code that knows no sizes either (a caller's own analysis) tells only a
        # rank: joined with the calls that pass real sizes, it would hide them; so the calls
        # that know every size come first, then those that know some
        full = [s for s in arrays if all(_real_size(d) or d in (0, 1) for d in s)]
        some = [s for s in arrays if any(_real_size(d) or d in (0, 1) for d in s)]
        arrays = full or some or arrays
        if arrays:
            shape = arrays[0]
            for other in arrays[1:]:
                shape = join_shapes(shape, other)
            return ArrayVal(shape) if shape is not None else v
        if all(isinstance(s, TupleVal) for s in seen) and len({(len(s.items), s.is_list) for s in seen}) == 1:
            first = seen[0]
            return TupleVal(tuple(fill_from_calls(UNKNOWN, [s.items[i] for s in seen], env, depth + 1)
                                  for i in range(len(first.items))), first.is_list)
        if all(isinstance(s, DictVal) for s in seen):
            keys = [k for k in seen[0].entries if all(k in s.entries for s in seen[1:])]
            if keys:
                return DictVal({k: fill_from_calls(UNKNOWN, [s.entries[k] for s in seen], env, depth + 1)
                                for k in keys}, complete=False)
        return v
    if isinstance(v, TupleVal):
        same = [s for s in seen if isinstance(s, TupleVal) and len(s.items) == len(v.items)]
        return TupleVal(tuple(fill_from_calls(x, [s.items[i] for s in same], env, depth + 1)
                              for i, x in enumerate(v.items)), v.is_list)
    if isinstance(v, DictVal):
        dicts = [s for s in seen if isinstance(s, DictVal)]
        return DictVal({k: fill_from_calls(x, [s.entries[k] for s in dicts if k in s.entries], env, depth + 1)
                        for k, x in v.entries.items()}, v.complete)
    return v


def returned_names(func: cst.FunctionDef) -> Optional[List[Optional[str]]]:
    """The names a function's only tuple ``return`` gives its parts (`return A, cache`), else None."""
    found: List[cst.Return] = []

    class Returns(cst.CSTVisitor):
        def visit_Return(self, node: cst.Return) -> None:
            found.append(node)

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return node is func

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            return False

    func.visit(Returns())
    values = [r.value for r in found if r.value is not None]
    if not values:
        return None
    shapes = []
    for value in values:
        if isinstance(value, cst.Tuple):
            shapes.append([e.value.value if isinstance(e.value, cst.Name) else None for e in value.elements])
        else:
            shapes.append([value.value if isinstance(value, cst.Name) else None])
    if any(len(s) != len(shapes[0]) for s in shapes):
        return None
    # several returns: a part keeps its name where they all agree
    return [names[0] if len(set(names)) == 1 else None for names in zip(*shapes)]


def render_signature(name: str, params: List[str], env_vars: Dict[str, Val], result: Val,
                     skip_first: bool = False, returns_as: Optional[List[Optional[str]]] = None) -> str:
    """The summary line: `f(x: (a, m), n: int) -> (a, 1)`."""
    shown = params[1:] if skip_first else params
    # a letter never reads as a parameter or a local (`b` in `A_prev, W, b = cache`)
    writer = SignatureWriter(env_vars, avoid=list(params) + list(env_vars))
    values = [env_vars.get(p) for p in shown]
    for v in values + [result]:
        writer.reserve_value(v)
    size_names = {shown_name(n) for v in values + [result] for d in _dims_in(v, env_vars) for n in _names_of(d)}
    rendered = []
    for p, v in zip(shown, values):
        text = "int" if isinstance(v, ParamVal) and not v.parts and p in size_names else writer.value(v)
        rendered.append(f"{p}: {text}")
    return f"{name}(" + ", ".join(rendered) + f") -> {_result_text(writer, result, returns_as, shown)}"


def _result_text(writer: SignatureWriter, result: Val, returns_as: Optional[List[Optional[str]]],
                 params: List[str]) -> str:
    if returns_as is None:
        return writer.value(result)
    if isinstance(result, TupleVal) and not result.is_list and len(returns_as) == len(result.items) > 1:
        parts = [n if n and _is_unknown(x) else writer.value(x, 1) for x, n in zip(result.items, returns_as)]
        return "(" + ", ".join(parts) + ")"
    if len(returns_as) == 1 and returns_as[0] in params and _is_unknown(result) and not isinstance(result, ArrayVal):
        return returns_as[0]  # `-> parameters`: it returns a parameter it was given, nothing known of it
    return writer.value(result)


# -- the facts, gathered while the file (and its drivers) run ------------------------


class FunctionFacts:
    """One function of the checked file: its own analysis, and what its calls passed and got."""

    def __init__(self, node: cst.FunctionDef):
        self.node = node
        params = node.params
        self.param_names = [p.name.value for p in list(params.posonly_params) + list(params.params)
                            + list(params.kwonly_params)]
        self.name = ""
        self.env: Optional[Dict[str, Val]] = None  # its own analysis: every local at the end
        self.result: Val = UNKNOWN
        self.method = False
        # (parameter values, result, made by a driver?) of each analysis at a call (when shapes are collected)
        self.calls: List[Tuple[Dict[str, Optional[Val]], Val, bool]] = []
        self.sized_call = False  # a call passed an argument with a size that can be checked
        self.has_finding = False  # its own analysis reported something: it was checked

    def own(self, func, env_vars: Dict[str, Val], result: Val, method: bool) -> None:
        self.name = func.qualname if func.owner is None else f"{func.owner.name}.{func.qualname}"
        self.env, self.result, self.method = dict(env_vars), result, method

    @property
    def analyzed(self) -> bool:
        return self.env is not None and isinstance(self.node, cst.FunctionDef)

    @property
    def shown_params(self) -> List[str]:
        return self.param_names[1:] if self.method else self.param_names

    def filled(self) -> Tuple[Dict[str, Val], Val]:
        """Parameters and result, the own analysis's unknowns filled in from the calls: the file's
        own first, then what is still unknown from its drivers' (as `shapes` merges them)."""
        env = dict(self.env or {})
        result = self.result
        for driver in (False, True):
            calls = [(args, r) for args, r, by_driver in self.calls if by_driver == driver]
            for p in self.shown_params:
                env[p] = fill_from_calls(env.get(p), [c[0][p] for c in calls if c[0].get(p) is not None], env)
            result = fill_from_calls(result, [r for _, r in calls], env)
        return env, result

    def signature(self) -> str:
        env, result = self.filled()
        return render_signature(self.name, self.param_names, env, result, skip_first=self.method,
                                returns_as=returned_names(self.node))

    def unchecked(self) -> bool:
        """Could shapelint not check this function at all?  Yes when all of these hold:

        * no analysis of a call to it got an argument with a size that can be checked (a number
          other than 0 or 1, or a size the code or a declaration named): nothing calls it, or
          only code that knows no sizes either;
        * it has parameters (``self`` aside), and its own analysis knows no such size in any of
          its values: no docstring, annotation, decorator or assert declares one, and neither a
          literal nor a parameter used as a size gives one;
        * it works with arrays (one of its values is an array);
        * its own analysis reported nothing (an SL208 needs no size to be known).

        Then every size in it is made up, and sizes shapelint made up never cause a finding.
        """
        if not self.analyzed or self.sized_call or self.has_finding or not self.shown_params:
            return False
        values = list((self.env or {}).values()) + [self.result]
        if any(knows_a_size(v) for v in values):
            return False
        return any(holds_an_array(v) for v in values)


# -- what could not be checked ---------------------------------------------------


def _any_inside(v: Optional[Val], leaf: Callable[[Val], Optional[bool]], instances: bool, depth: int = 0) -> bool:
    """Does ``leaf`` say yes of ``v`` or of a value inside it (tuple items, a list's element, a dict's
    first 50 entries, and with ``instances`` an object's first 50 attributes)?  ``leaf`` answers
    None for a value it does not judge."""
    if depth > MAX_DEPTH or v is None:
        return False
    said = leaf(v)
    if said is not None:
        return said
    if isinstance(v, TupleVal):
        inside = list(v.items)
    elif isinstance(v, SeqVal):
        inside = [v.elem]
    elif isinstance(v, DictVal):
        inside = list(v.entries.values())[:50]
    elif isinstance(v, InstanceVal) and instances:
        inside = list(v.attrs.values())[:50]
    else:
        return False
    return any(_any_inside(x, leaf, instances, depth + 1) for x in inside)


def knows_a_size(v: Optional[Val]) -> bool:
    """Does ``v`` hold a size that can be checked: a number other than 0 and 1, or a name the code
    or a declaration gave?  (0 and 1 are structure: `keepdims=True` makes `(a, 1)` of anything.)"""
    return _any_inside(v, _size_leaf, instances=True)


def _size_leaf(v: Val) -> Optional[bool]:
    if isinstance(v, ArrayVal):
        return v.shape is not None and any(_real_size(d) for d in v.shape)
    if isinstance(v, IntVal):
        return _real_size(v.dim)
    return None


def _real_size(d: Dim) -> bool:
    if isinstance(d, int):
        return d > 1
    # (an opaque `(?a) // 2` is made up too: `Sym.invented` looks at the name's start only)
    return isinstance(d, Sym) and not any(INVENTED_PREFIX in n for n in d.names)


def holds_an_array(v: Optional[Val]) -> bool:
    return _any_inside(v, lambda x: True if isinstance(x, ArrayVal) else None, instances=False)