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
* a name: an identifier (``n_x``, ``layer_dims[l-1]``) or,
  in tuple style, a phrase of words (``size of previous layer``).
  Identifiers are compared as written.  A phrase is *placed* when it names a
  size of the course's notation (``number of examples`` is ``m``, ``size of
  the current layer`` is ``n[l]``: see ``place_phrase``) and is then that
  identifier.  Any other phrase (``number of boxes``, prose in another
  language) is *unplaced*: its name is the phrase, lowercased, without
  articles, in the reserved namespace ``?`` (``?number of boxes``).  It binds
  like any name within one contract, but statically it is an invented size
  (``spec_to_shape``), which never disagrees with anything; so is
  ``len(chars)``.  ``name = 12288`` (a size with the value of one data set)
  is the name;
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
    "place_phrase",
    "is_placed",
    "display_name",
    "UNPLACED_PREFIX",
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
    ``broadcast`` is jaxtyping's ``#``: the dim may also be 1.  A phrase's
    name is its place in the course's notation (``m``), or ``?phrase`` when it
    cannot be placed (``placed`` is then False).
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

    @property
    def placed(self) -> bool:
        """False when the dim mentions a phrase that could not be placed:
        compared with any other name it gives no verdict (statically)."""
        return all(is_placed(n) for n in self.names)

    @property
    def label(self) -> str:
        """How messages name this dim: as written, and the notation it was placed in."""
        text = " ".join(self.text.split())
        if self.kind != NAME or self.name is None or not is_placed(self.name):
            return text
        bare = text.lstrip("#").strip()
        if _normalize_ident(bare) == self.name or _normalize_phrase(bare) == self.name:
            return text
        return f"{text}, i.e. {self.name}"

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
_IDENT = r"[A-Za-z_][A-Za-z0-9_]*(?:\[(?!\s*,)[^\[\]]*\])*"  # n[l]; not N[, 3] (optional dims)
_INT_RE = re.compile(r"[0-9]+")
# A word of a phrase: letters, digits, underscores, hyphens and apostrophes
# ("hidden-layer", "layer's"), optionally indexed ("size of layer[l]").
_WORD = r"[\w'\-]+(?:\[[^\[\]]*\])*"
_PHRASE_RE = re.compile(rf"[^\W\d_](?:{_WORD})?(?:\s+{_WORD})*")
# A phrase inside arithmetic ("num neurons in previous layer + num neurons in
# this layer", "高+2*pad"): words without hyphens (a hyphen is a minus there).
_EXPR_PHRASE = r"[^\W\d_][\w']*(?:\[[^\[\]]*\])*(?:[ \t]+[^\W\d_][\w']*(?:\[[^\[\]]*\])*)*"
# "input size = 12288", "n_y = 6": a size and its value in one data set
_NAME_WITH_VALUE_RE = re.compile(r"(.*?\S)\s*=\s*[0-9]+")
# "len(chars)": code naming a size
_LEN_CALL_RE = re.compile(r"len\(\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\)")
# "pre-activation" is a word, not a subtraction: a hyphen between two letters.
_HYPHENATED_WORD_RE = re.compile(r"[A-Za-z]\w*-[A-Za-z]")
_EXPR_TOKEN_RE = re.compile(rf"\s*(?:({_IDENT}(?![^\W\d_]))|([0-9]+)|([-+*()]))")
_EXPR_PHRASE_TOKEN_RE = re.compile(rf"\s*({_EXPR_PHRASE})")


def _normalize_ident(text: str) -> str:
    # n[l - 1] and n[l-1] are the same name
    return re.sub(r"\s+", "", text)


_ARTICLES = frozenset(("a", "an", "the"))


def _normalize_phrase(text: str) -> str:
    # "size of the current layer" and "Size of current layer" are one dim:
    # the course docstrings use both for the same size
    words = [w for w in text.lower().split() if w not in _ARTICLES]
    return " ".join(words or text.lower().split())


# -- phrases: the course's notation ------------------------------------------------
#
# Each size of the deep-learning course's notation, with the phrases its
# docstrings (and their forks) use for it.  A phrase is reduced to a set of
# content words (see _phrase_key), so word order, case, articles, plurals,
# hyphens and "num"/"no."/"#" do not matter.  Phrases the notation keeps apart
# stay apart: "number of examples" (m) is never "size of current layer" (n[l]).

UNPLACED_PREFIX = _dims.INVENTED_PREFIX  # "?": an unplaced phrase's name

_NOTATION: Dict[str, Tuple[str, ...]] = {
    "m": ("number of examples", "number of samples", "number of training examples",
          "number of train examples", "number of training samples", "batch size",
          "size of the batch", "number of data points", "number of observations",
          "number of inputs examples", "examples"),
    "m_test": ("number of test examples", "number of testing examples", "number of test samples"),
    "n[l]": ("size of the current layer", "current layer size", "size of layer",
             "layer size", "number of units in the current layer"),
    "n[l-1]": ("size of the previous layer", "previous layer size",
               "number of units in the previous layer", "size of the layer l-1"),
    "n_x": ("input size", "size of the input", "size of the input layer", "input layer size",
            "number of input units", "number of input features", "number of features",
            "input dimension", "number of inputs", "number of input nodes"),
    "n_h": ("hidden size", "hidden layer size", "size of the hidden layer", "number of hidden units",
            "number of hidden neurons", "number of hidden nodes"),
    "n_y": ("output size", "size of the output", "size of the output layer", "output layer size",
            "number of outputs", "number of output units", "number of output nodes",
            "output dimension", "number of classes"),
    "n_H": ("height", "image height", "height of the image", "height of the output",
            "output height"),
    "n_W": ("width", "image width", "width of the image", "width of the output", "output width"),
    "n_C": ("number of channels", "number of filters", "number of output channels"),
    "n_H_prev": ("height of the previous layer", "previous layer height", "previous height"),
    "n_W_prev": ("width of the previous layer", "previous layer width", "previous width"),
    "n_C_prev": ("number of channels of the previous layer", "number of channels in the previous layer",
                 "number of filters of the previous layer", "number of filters in the previous layer",
                 "previous number of channels", "number of input channels"),
    "f": ("filter size", "size of the filter", "kernel size"),
    "T_x": ("number of time steps", "number of timesteps", "sequence length", "length of the sequence",
            "length of the input sequence", "input sequence length", "number of input time steps"),
    "T_y": ("number of output time steps", "length of the output sequence", "output sequence length"),
    "n_a": ("hidden state size", "size of the hidden state", "number of units of the hidden state"),
    "vocab_size": ("vocabulary size", "size of the vocabulary", "vocab size",
                   "number of unique characters", "number of words in the vocabulary"),
}

# words that carry no meaning in a size's name
_FILLER = frozenset(("a", "an", "the", "of", "in", "for", "per", "each", "every", "to", "at",
                     "on", "its", "our", "your"))
_WORD_FOR = {
    "num": "number", "no": "number", "nb": "number", "nr": "number", "#": "number",
    "count": "number", "this": "current", "prev": "previous", "cur": "current",
    "curr": "current", "dimension": "size", "dim": "size", "nodes": "unit", "node": "unit",
    "neuron": "unit", "timestep": "time step", "timesteps": "time step",
    "minibatch": "mini batch",
}
# "number of units in layer X" is the size of layer X
_UNIT_WORDS = frozenset(("unit",))


def _singular(word: str) -> str:
    if len(word) <= 3 or not word.isascii():
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "as")):
        return word[:-1]
    return word


def _phrase_key(text: str) -> Optional[frozenset]:
    """The content words of an English phrase as a set, or None for other prose."""
    text = text.lower().replace("\u2019", "'").replace("'s", "")
    # "layer l-1" is the previous layer, "layer l" the current one
    text = re.sub(r"\[\s*l\s*-\s*1\s*\]|\bl\s*-\s*1\b", " previous ", text)
    text = re.sub(r"\[\s*l\s*\]|\bl\b", " ", text)
    text = text.replace("#", " # ")
    text = re.sub(r"[-_/]", " ", text)
    words: List[str] = []
    for raw in text.split():
        word = raw.strip(".,;:()")
        if not word:
            continue
        if not re.fullmatch(r"[a-z#]+", word):
            return None  # digits, other scripts: not a phrase we can place
        word = _WORD_FOR.get(word, word)
        for part in word.split():
            part = _WORD_FOR.get(_singular(part), _singular(part))
            if part not in _FILLER:
                words.append(part)
    if not words:
        return None
    key = set(words)
    if "number" in key and key & _UNIT_WORDS and "layer" in key:
        key = (key - {"number"} - _UNIT_WORDS) | {"size"}
    return frozenset(key)


def _build_notation() -> Dict[frozenset, str]:
    table: Dict[frozenset, str] = {}
    for name, phrases in _NOTATION.items():
        for phrase in phrases:
            key = _phrase_key(phrase)
            assert key is not None and table.get(key, name) == name, (phrase, name, table.get(key))
            table[key] = name
    return table


_PLACED = _build_notation()
NOTATION_NAMES = frozenset(_NOTATION)  # the course's own names of sizes (m, n[l], n_x, ...)


@lru_cache(maxsize=4096)
def place_phrase(text: str) -> str:
    """The name a phrase stands for: an identifier of the course's notation
    (``number of training examples`` -> ``m``) when it can be placed, else
    ``?`` followed by the phrase lowercased, whitespace collapsed and without
    articles (``?number of boxes``)."""
    key = _phrase_key(text)
    if key is not None and key in _PLACED:
        return _PLACED[key]
    return UNPLACED_PREFIX + _normalize_phrase(text)


def is_placed(name: str) -> bool:
    """False for the name of an unplaced phrase."""
    return not name.startswith(UNPLACED_PREFIX)


def display_name(name: str) -> str:
    """A canonical name as messages show it (an unplaced phrase without its ``?``)."""
    return name[len(UNPLACED_PREFIX):] if name.startswith(UNPLACED_PREFIX) else name


def _canonical_poly(poly: Mapping[Monomial, int]) -> Poly:
    return tuple(sorted((m, c) for m, c in poly.items() if c != 0))


class _ExprParser:
    """Recursive descent over ``+ - *`` and parentheses, into a polynomial."""

    def __init__(self, text: str, allow_phrase: bool = False):
        self.text = text
        self.tokens: List[Tuple[str, str]] = []
        self.has_phrase = False  # a name of several words
        pos = 0
        stripped = text.rstrip()
        while pos < len(stripped):
            m = _EXPR_TOKEN_RE.match(stripped, pos)
            if allow_phrase:
                p = _EXPR_PHRASE_TOKEN_RE.match(stripped, pos)
                if p is not None and (m is None or m.group(1) is None or p.end() > m.end()):
                    words = p.group(1)
                    self.has_phrase |= len(words.split()) > 1
                    self.tokens.append(("name", _parse_name(words, True) or words))
                    pos = p.end()
                    continue
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
    if allow_phrase:
        m = _LEN_CALL_RE.fullmatch(body)
        if m:
            # the length of something the function may not even see (`chars`): like an
            # unplaced phrase, it binds within one call but is compared with nothing else
            return DimSpec(NAME, text, name=f"{UNPLACED_PREFIX}len({m.group(1)})", broadcast=broadcast)
        m = _NAME_WITH_VALUE_RE.fullmatch(body)
        if m and not broadcast:
            # the value is the example data set's, not part of the contract
            named = _parse_dim(m.group(1), allow_phrase)
            if named.kind == NAME:
                return DimSpec(NAME, text, name=named.name)
    expr_error: Optional[SpecError] = None
    poly = None
    if re.search(r"[-+*]", body) and not _HYPHENATED_WORD_RE.search(body):
        try:
            parser = _ExprParser(body, allow_phrase)
            poly = _canonical_poly(parser.parse())
            if parser.has_phrase and re.search(r"\w-\w", body):
                poly = None  # "size of layer l-1": a hyphen inside a phrase, not a minus
        except SpecError as exc:
            expr_error = exc  # "layer l-1 size" may still be a phrase
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
    if allow_phrase and not body.isascii() and re.search(r"[^\W\d_]", body):
        # prose in another language that is not one phrase ("【列表类型】cache"):
        # a size we cannot place, but the tuple's rank is still explicit
        return DimSpec(NAME, text, name=UNPLACED_PREFIX + _normalize_phrase(body), broadcast=broadcast)
    if expr_error is not None:
        raise expr_error
    raise SpecError(f"cannot read {text!r} as a dim")


def _parse_name(text: str, allow_phrase: bool) -> Optional[str]:
    if re.fullmatch(_IDENT, text):
        return _normalize_ident(text)
    if allow_phrase:
        # "No. of examples": the abbreviation's dot is not punctuation
        words = re.sub(r"(?i)\b(no|num|nb|nr)\.(?=\s)", r"\1", text)
        if _PHRASE_RE.fullmatch(words) and not _INT_RE.fullmatch(words.split()[0]):
            return place_phrase(words)
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
                return (f"dim {i} ({d.label}) is {actual} but {display_name(d.name)} was bound to "
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
                return f"dim {i} ({d.text}) is {actual}, which no size {display_name(name)} satisfies"
            new[name] = value
            continue
        if expected != actual:
            known = ", ".join(
                f"{display_name(nm)}={_fmt_binding(lookup(nm))}" for nm in d.names
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

    An unplaced phrase (``?number of boxes``) becomes an *invented* size
    (``dims``: it never causes a mismatch) that displays as the phrase.  It is
    the same size wherever the same phrase is written, so two uses in one
    docstring agree, and it differs from every other name.
    """
    if spec.variadic_index is not None:
        return None
    symbols = symbols or {}

    def name_dim(name: str) -> Dim:
        if name in symbols:
            return symbols[name]
        if not is_placed(name):
            return Sym.name(f"{name}#0")  # dims.fresh()'s spelling, with a fixed number
        return Sym.name(name)

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
