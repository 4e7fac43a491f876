"""Shape contracts already written in docstrings and annotations.

Three docstring styles are read:

* the deep-learning course style::

      Arguments:
      A -- activations from previous layer (or input data): (size of previous layer, number of examples)
      W -- weights matrix: numpy array of shape (size of current layer, size of previous layer)
      Returns:
      Z -- the input of the activation function

* numpydoc (``Parameters`` / ``Returns`` underlined with dashes)::

      X : ndarray of shape (n_samples, n_features)

* Google (``Args:`` / ``Returns:``)::

      x (np.ndarray): input of shape (n, m).

Section headers may be singular or plural (``Argument:``, ``Arguments:``,
``Inputs:``, ``Return:``, ``Outputs:`` ...) or Chinese (``参数：``, ``输入：``,
``返回：``, ``输出：``).  Course items are ``name -- text`` or ``name - text``;
such an item before any header (a docstring without ``Arguments:``) is read
as a parameter's (``parse_docstring(doc, params)`` keeps only the items
naming a parameter).  Full-width ``（），：`` are read as ``(),:``.

A shape is a parenthesized group that follows ``of shape`` / ``shape`` /
``size`` / ``dimensions`` (``维度为``, ``形状为``, ``大小为``) or a colon; when a
line has several, the last one wins.  A group without such a keyword in front
is prose, e.g. ``(or input data)`` or ``tuple of values (A_prev, W, b)``, and
is never read as a shape.  A one-item shape needs its trailing comma,
``(n,)``.  Alternatives (``(n,) or (n, k)``) are ambiguous: no contract is
recorded.  Nothing is guessed: a parameter without a stated shape has no
contract.  Dims written as phrases are placed in the course's notation or
left unplaced (see ``shapelint.algebra.spec``).

A *relation* declares a value's shape to be another's: ``dW -- gradient,
same shape as W``, ``A -- of the same shape as Z``, ``与W的维度相同``.  It is
read only where the item states no shape itself, and only when the other
name is documented, a parameter, or looks like code (``A_prev``, ``W``,
``a3``).  Relations are kept apart from shapes (``DocContract.relations`` and
``return_relations``): the other name need not be a parameter (``same shape
as A_prev`` where ``A_prev`` comes out of ``cache``), so whether one can be
checked is the caller's to decide.

``annotation_spec`` reads jaxtyping annotations written as source text
(``Float[np.ndarray, "n m"]``) and ``np.ndarray[tuple[int, int], ...]``.

Pure module: no libcst, no numpy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, Iterable, List, Optional, Tuple

from shapelint.algebra.spec import NAME, UNPLACED_PREFIX, DimSpec, ShapeSpec, SpecError, parse_spec

__all__ = ["DocProblem", "DocContract", "SameShapeAs", "parse_docstring", "annotation_spec"]


@dataclass(frozen=True)
class SameShapeAs:
    """A documented value whose shape is declared equal to another's.

    ``name`` is the other value (a parameter or another documented name, or
    a name the docstring only mentions, like ``A_prev`` unpacked from a
    cache); ``text`` is the relation as written (``same shape as A_prev``);
    ``line`` is its 0-based line in the docstring.
    """

    name: str
    text: str
    line: int = field(default=-1, compare=False)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class DocProblem:
    """A shape declaration that could not be read.

    ``line`` is the 0-based line offset within the docstring (line 0 is the
    one with the opening quotes); ``param`` the documented name (None for an
    unnamed return value); ``text`` the shape as written.
    """

    line: int
    param: Optional[str]
    text: str
    reason: str
    section: str = "params"


@dataclass
class DocContract:
    """What a docstring promises about shapes.

    ``params`` maps a parameter name to its declared shape; ``returns`` lists
    the return values whose shape is stated, in order; ``return_names`` lists
    every documented return value in order (None when unnamed), so a caller
    can tell which element of a returned tuple a shape belongs to.
    ``relations`` (parameters) and ``return_relations`` (return values, in
    order) hold the values declared to have another value's shape; a name
    is never in both ``params`` and ``relations`` (a stated shape wins).
    """

    params: Dict[str, ShapeSpec] = field(default_factory=dict)
    returns: List[Tuple[Optional[str], ShapeSpec]] = field(default_factory=list)
    problems: List[DocProblem] = field(default_factory=list)
    return_names: List[Optional[str]] = field(default_factory=list)
    relations: Dict[str, SameShapeAs] = field(default_factory=dict)
    return_relations: List[Tuple[Optional[str], SameShapeAs]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.params or self.returns or self.relations or self.return_relations)


# -- sections ---------------------------------------------------------------------

_PARAM_SECTIONS = {
    "arguments", "argument", "args", "arg", "parameters", "parameter", "params",
    "param", "inputs", "input", "keyword arguments", "keyword args",
    "other parameters", "参数", "输入", "输入参数",
}
_RETURN_SECTIONS = {"returns", "return", "outputs", "output", "return values", "return value",
                    "返回", "返回值", "输出"}
_UNDERLINE_RE = re.compile(r"-{3,}|={3,}")
_COLON_HEADER_RE = re.compile(r"([A-Za-z][A-Za-z ]{0,40}?|参数|输入|输入参数|返回|返回值|输出)\s*:")
# full-width punctuation of docstrings written in Chinese, read as ASCII
# (one character for one, so positions do not move)
_FULL_WIDTH = str.maketrans({"（": "(", "）": ")", "，": ",", "：": ":"})
# A capitalized "Word:" alone on a line starts some other section (Tips:, Note:)
_OTHER_HEADER_RE = re.compile(r"[A-Z][A-Za-z]*(?: [A-Za-z]+){0,3}:")

_NAME = r"\*{0,2}[A-Za-z_][A-Za-z0-9_]*"
_NAMES = rf"{_NAME}(?:\s*,\s*{_NAME})*"
_COURSE_ITEM_RE = re.compile(rf"({_NAMES})\s*--\s*(.*)")
# "A - 来自上一层的激活", "x - Input data": a single hyphen between spaces
_COURSE_DASH_ITEM_RE = re.compile(rf"({_NAMES})\s+-\s+(.*)")
_NUMPYDOC_ITEM_RE = re.compile(rf"({_NAMES})\s+:\s*(.*)|({_NAMES}):\s*(.*)")
_NAME_ONLY_RE = re.compile(_NAMES)
_GOOGLE_NAME_RE = re.compile(rf"({_NAME})\s*")


@dataclass
class _Section:
    kind: str  # "params" / "returns"
    underlined: bool
    start: int  # first body line
    end: int  # one past the last body line


@dataclass
class _Item:
    names: List[Optional[str]]
    # Each segment is a list of (line index, text) fragments searched as one
    # text; earlier segments win (numpydoc: the type line before the prose).
    segments: List[List[Tuple[int, str]]]
    closed: bool = False  # nested sub-items follow: stop collecting text


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _header_at(lines: List[str], i: int) -> Optional[Tuple[str, bool]]:
    """(section name, underlined) when lines[i] starts a section."""
    stripped = lines[i].strip()
    if not stripped:
        return None
    if i + 1 < len(lines) and _UNDERLINE_RE.fullmatch(lines[i + 1].strip()) and len(stripped) < 40:
        return stripped.rstrip(":").lower(), True
    m = _COLON_HEADER_RE.fullmatch(stripped)
    if m and (m.group(1).lower() in _PARAM_SECTIONS | _RETURN_SECTIONS
              or _OTHER_HEADER_RE.fullmatch(stripped)):
        return m.group(1).lower(), False
    return None


def _sections(lines: List[str]) -> Tuple[List[_Section], int]:
    """The parameter and return sections, and the line of the first header of any kind."""
    headers = []
    i = 0
    while i < len(lines):
        h = _header_at(lines, i)
        if h is not None:
            name, underlined = h
            headers.append((i, name, underlined))
            i += 2 if underlined else 1
        else:
            i += 1
    out = []
    for k, (i, name, underlined) in enumerate(headers):
        end = headers[k + 1][0] if k + 1 < len(headers) else len(lines)
        kind = "params" if name in _PARAM_SECTIONS else "returns" if name in _RETURN_SECTIONS else None
        if kind is not None:
            out.append(_Section(kind, underlined, i + (2 if underlined else 1), end))
    return out, (headers[0][0] if headers else len(lines))


def _loose_items(lines: List[str], end: int, params: Optional[frozenset]) -> List[_Item]:
    """Course items before any section header (a docstring without ``Arguments:``).

    ``name -- text`` lines, and ``name - text`` lines when there are at least
    two items (one alone may be arithmetic in prose: ``x - y``); with
    ``params``, only items naming parameters.  A more indented line continues
    the item above it.
    """
    items: List[Tuple[_Item, bool]] = []  # (item, written with a single hyphen)
    current: Optional[_Item] = None
    current_indent = 0
    for i in range(end):
        text = lines[i].strip()
        if not text:
            current = None
            continue
        ind = _indent(lines[i]) if i else 0  # the first line of a raw __doc__ has no indent
        m = _course_item(text)
        if m is not None:
            names = _split_names(m.group(1))
            current = None
            if params is None or all(n in params for n in names):
                current = _Item(names, [[(i, m.group(2))]])
                current_indent = ind
                items.append((current, _COURSE_ITEM_RE.fullmatch(text) is None))
            continue
        if current is not None and ind > current_indent:
            _continue(current, i, text)
        else:
            current = None
    return [item for item, dash in items if not dash or len(items) > 1]


def _split_names(text: str) -> List[str]:
    return [n.strip().lstrip("*") for n in text.split(",") if n.strip()]


def _google_item(text: str) -> Optional[Tuple[str, str]]:
    """``name (type): description`` or ``name: description`` -> (name, rest)."""
    m = _GOOGLE_NAME_RE.match(text)
    if not m:
        return None
    pos = m.end()
    if pos < len(text) and text[pos] == "(":
        depth = 0
        for j in range(pos, len(text)):
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            if depth == 0:
                break
        else:
            return None
        pos = j + 1
    rest = text[pos:].lstrip()
    if not rest.startswith(":"):
        return None
    return m.group(1).lstrip("*"), text[m.end():]


def _course_item(text: str) -> Optional[re.Match]:
    return _COURSE_ITEM_RE.fullmatch(text) or _COURSE_DASH_ITEM_RE.fullmatch(text)


def _start_item(section: _Section, text: str, i: int, has_items: bool) -> Optional[_Item]:
    """The item a line at item indentation starts, or None (a continuation)."""
    m = _COURSE_ITEM_RE.fullmatch(text)
    if m is None and not section.underlined:
        m = _COURSE_DASH_ITEM_RE.fullmatch(text)
    if m:
        return _Item(_split_names(m.group(1)), [[(i, m.group(2))]])
    if section.underlined:
        m = _NUMPYDOC_ITEM_RE.fullmatch(text)
        if m:
            names, rest = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            return _Item(_split_names(names), [[(i, rest)], []])
        if section.kind == "returns":
            return _Item([None], [[(i, text)], []])
        if _NAME_ONLY_RE.fullmatch(text):
            return _Item(_split_names(text), [[], []])
        return _Item([], [[], []])
    if section.kind == "params":
        g = _google_item(text)
        if g:
            return _Item([g[0]], [[(i, g[1])]])
        return None
    # Google returns: one unnamed description, unless named items came first
    if not has_items:
        return _Item([None], [[(i, text)]])
    return None


def _items(lines: List[str], section: _Section) -> List[_Item]:
    items: List[_Item] = []
    item_indent: Optional[int] = None
    prev_blank = False
    for i in range(section.start, section.end):
        line = lines[i]
        if not line.strip():
            prev_blank = True
            continue
        ind = _indent(line)
        text = line.strip()
        if item_indent is None:
            item_indent = ind
        if ind < item_indent:
            break  # prose after the section
        if ind == item_indent:
            item = _start_item(section, text, i, bool(items))
            if item is not None:
                items.append(item)
            elif prev_blank or not items:
                break  # a paragraph after the items
            else:
                _continue(items[-1], i, text)
        elif items:
            if _course_item(text) and len(items[-1].segments) == 1:
                # "params -- dict containing:\n    W1 -- ... of shape (n_h, n_x)":
                # the nested shapes describe entries, not the item itself
                items[-1].closed = True
            elif not items[-1].closed:
                _continue(items[-1], i, text)
        prev_blank = False
    return items


def _continue(item: _Item, i: int, text: str) -> None:
    item.segments[-1].append((i, text))


# -- finding the shape in an item's text ---------------------------------------------

_KEYWORD_BEFORE_RE = re.compile(
    r"(?:\b(?:shape[sd]?|size|sizes|dimensions?|dims)\s*(?:=|:|is|of)?|:"
    # "维度为 (n_h, n_x)"; "大小 (len(chars))" (a size, not a shape) needs its "为"
    r"|(?:维度|形状)(?:为|是)?\s*:?|(?:大小|尺寸)(?:为|是|:))\s*$", re.IGNORECASE
)
# "Tensor of shape(batch_size, n)": a declaration, although "shape(" looks like a call
_SHAPE_CALL_LIKE_RE = re.compile(r"(?:^|\s)(?:of\s+)?shape$", re.IGNORECASE)
_CONTAINER_RE = re.compile(r"\b(?:list|tuple|sequence|iterable|dict|mapping|generator)s?\s+(?:of|containing|with)\b",
                           re.IGNORECASE)
_UNCLOSED_SHAPE_RE = re.compile(r"\bshape[sd]?\s*(?:=|:|is|of)?\s*(\([^()]*)$", re.IGNORECASE)
_SHAPE_WORD_BEFORE_RE = re.compile(r"(?:\bshape[sd]?\s*(?:=|:|is|of)?|形状(?:为|是)?\s*:?)\s*$",
                                   re.IGNORECASE)
# "(n,) or (n, k)", "float or ndarray of shape (n,)": alternatives, not a contract
_OR_AFTER_RE = re.compile(r"\s*,?\s*or\b(?!\s+None\b)", re.IGNORECASE)
_OR_BEFORE_RE = re.compile(r"\bor\s+(?:[\w\-\{\}]+\s+){0,4}$", re.IGNORECASE)
# "shaped (k,)*(order + 1) + (nobs,)": tuple arithmetic, whose rank the first tuple does not tell
_ARITHMETIC_AFTER_RE = re.compile(r"\s*[*+]\s*[(\w]")
_ARITHMETIC_BEFORE_RE = re.compile(r"\)\s*[*+]\s*$")
# "(M, N[, 3])": numpydoc's optional trailing dimensions, so the rank is open
_OPTIONAL_DIMS_RE = re.compile(r"\[\s*,")


def _groups(text: str) -> List[Tuple[int, int]]:
    """Top-level (...) and [...] groups as (start, end) with text[start:end] the group."""
    out = []
    depth = 0
    start = 0
    opener = ""
    for j, ch in enumerate(text):
        if ch in "([":
            if depth == 0:
                start, opener = j, ch
            depth += 1
        elif ch in ")]" and depth > 0:
            depth -= 1
            if depth == 0 and (opener + ch) in ("()", "[]"):
                out.append((start, j + 1))
    return out


@dataclass
class _Found:
    spec: Optional[ShapeSpec]
    text: str
    line: int
    reason: str = ""


def _find_shape(fragments: List[Tuple[int, str]]) -> Optional[_Found]:
    """The stated shape of one segment; None when no shape is stated."""
    if not fragments:
        return None
    text = ""
    starts = []  # (offset in text, line index)
    for line_no, frag in fragments:
        if text:
            text += " "
        starts.append((len(text), line_no))
        text += frag.strip()
    candidates = [
        (s, e) for s, e in _groups(text) if _KEYWORD_BEFORE_RE.search(text, 0, s)
        # `X.shape[0]`, `f(x)`: code in the prose, not a declaration
        and not (s > 0 and ((text[s - 1].isascii() and text[s - 1].isalnum()) or text[s - 1] in "_.)]`")
                 and not _SHAPE_CALL_LIKE_RE.search(text, 0, s))
    ]
    if not candidates:
        unclosed = _UNCLOSED_SHAPE_RE.search(text)
        if unclosed is not None and text.count("(") > text.count(")"):
            line = max(ln for off, ln in starts if off <= unclosed.start(1))
            return _Found(None, unclosed.group(1), line, "unclosed parenthesis")
        return None
    s, e = candidates[-1]
    group = text[s:e]
    line = max(ln for off, ln in starts if off <= s)
    if _CONTAINER_RE.search(text, 0, candidates[0][0]):
        return None  # "list of size n_outputs of arrays of size (n_classes,)": each element's shape
    after_shape = [(a, b) for a, b in candidates if _SHAPE_WORD_BEFORE_RE.search(text, 0, a)]
    if len(after_shape) == 1:
        # "reshaped from size (64, 64, 3) to shape (12288, m)": the one called a shape
        s, e = after_shape[0]
        group = text[s:e]
        line = max(ln for off, ln in starts if off <= s)
    elif len({text[a:b].replace(" ", "") for a, b in (after_shape or candidates)}) > 1:
        # "'full' : shape of (n, d, d)  'tied' : shape of (d, d)": one per case, not a contract
        return _Found(None, group, line, "ambiguous")
    if _OR_AFTER_RE.match(text, e) or _OR_BEFORE_RE.search(text, 0, s):
        return _Found(None, group, line, "ambiguous")
    if (_ARITHMETIC_AFTER_RE.match(text, e) or _ARITHMETIC_BEFORE_RE.search(text, 0, s)
            or _OPTIONAL_DIMS_RE.search(group)):
        return _Found(None, group, line, "ambiguous")  # no fixed rank: no contract
    if group.startswith("[") and not re.search(r"shape[sd]?\s*[=:]?\s*$", text[:s], re.IGNORECASE):
        return None  # a list after "size" or a colon is a value, not a shape
    try:
        return _Found(parse_spec(group), group, line)
    except SpecError as exc:
        return _Found(None, group, line, str(exc))


def _item_shape(item: _Item) -> Optional[_Found]:
    found_all = [f for f in (_find_shape(segment) for segment in item.segments) if f is not None]
    if not found_all:
        return None
    if len({f.text.replace(" ", "") for f in found_all}) > 1:
        return _Found(None, found_all[0].text, found_all[0].line, "ambiguous")
    return found_all[0]


# -- relations -------------------------------------------------------------------------

_RELATED = r"[`'\"]?([A-Za-z_][A-Za-z0-9_]*)\b(?![(\[]|\.\w)[`'\"]?"
_RELATION_RES = (
    # "same shape as W", "of the same shape as Z", "has the same dimensions as A_prev"
    re.compile(rf"\b(?:same|identical)\s+(?:shape|dimensions?)\s+(?:as|to)\s+(?:that\s+of\s+)?(?:(the)\s+)?{_RELATED}",
               re.IGNORECASE),
    # "shape as X" (the brief form: "(thus) shape as dW")
    re.compile(rf"\bshape\s+as\s+(?:(the)\s+)?{_RELATED}", re.IGNORECASE),
    # "与W的维度相同", "与A_prev维度相同", "和Z的形状一致"
    re.compile(r"(?:与|和|同)\s*()[`'\"]?([A-Za-z_][A-Za-z0-9_]*)[`'\"]?\s*的?\s*(?:维度|形状)\s*(?:相同|一致|一样)"),
)
# Words that follow "shape as" in prose and are not names
_NOT_NAMES = frozenset((
    "a", "an", "as", "at", "be", "by", "do", "if", "in", "is", "it", "no", "of", "on", "or", "so",
    "to", "up", "we", "that", "this", "those", "these", "input", "output", "before", "above",
    "previous", "one", "its", "their", "each", "any", "other", "original", "given",
))


def _looks_like_code(name: str) -> bool:
    """``A_prev``, ``W``, ``a3``, ``dZ``: a variable's name rather than an English word."""
    if name.lower() in _NOT_NAMES:
        return False
    return "_" in name or any(c.isdigit() or c.isupper() for c in name) or len(name) <= 2


def _find_relation(item: _Item, known: frozenset, params: frozenset) -> Optional[SameShapeAs]:
    """The relation an item states; ``params`` are names a returned value may
    share and still mean something else (``W -- updated W, same shape as W``)."""
    fragments = [frag for segment in item.segments for frag in segment]
    for line_no, frag in fragments:
        text = frag.strip()
        for pattern in _RELATION_RES:
            for m in pattern.finditer(text):
                article, name = m.group(1), m.group(2)
                if name in item.names and name not in params:
                    continue
                if name in known or (not article and _looks_like_code(name)):
                    return SameShapeAs(name, m.group(0).strip(), line_no)
    return None


@lru_cache(maxsize=2048)
def _parse_docstring_cached(doc: str, params: Optional[frozenset] = None) -> DocContract:
    lines = doc.expandtabs().translate(_FULL_WIDTH).split("\n")
    contract = DocContract()
    sections, first_header = _sections(lines)
    entries = [("params", item) for item in _loose_items(lines, first_header, params)]
    for section in sections:
        entries += [(section.kind, item) for item in _items(lines, section)]
    known = frozenset(n for _, item in entries for n in item.names if n is not None) | (params or frozenset())
    for kind, item in entries:
        if kind == "returns":
            contract.return_names.extend(item.names)
        if not item.names:
            continue
        found = _item_shape(item)
        if found is None:
            relation = _find_relation(item, known, (params or frozenset()) if kind == "returns" else frozenset())
            if relation is not None:
                for name in item.names:
                    if kind == "params":
                        if name is not None:
                            contract.relations[name] = relation
                    else:
                        contract.return_relations.append((name, relation))
            continue
        if found.spec is None:
            if found.reason != "ambiguous":
                for name in item.names:
                    contract.problems.append(DocProblem(found.line, name, found.text, found.reason, kind))
            continue
        for name in item.names:
            if kind == "params":
                if name is not None:
                    contract.params[name] = found.spec
            else:
                contract.returns.append((name, found.spec))
    for name in set(contract.relations) & set(contract.params):
        del contract.relations[name]  # documented twice: the stated shape wins
    _separate_sizes_with_different_values(contract)
    return contract


_WITH_VALUE_RE = re.compile(r"(.*?\S)\s*=\s*([0-9]+)")


def _separate_sizes_with_different_values(contract: DocContract) -> None:
    """``X_train (input size = 12288, number of training examples = 1080)`` and
    ``X_test (input size = 12288, number of training examples = 120)``: one name
    written with two values is two sizes the author mislabelled; each becomes
    an unplaced size of its own (with its value), so neither binds the other."""
    values: Dict[str, set] = {}
    specs = list(contract.params.values()) + [spec for _, spec in contract.returns]
    for spec in specs:
        for d in spec.dims:
            m = _WITH_VALUE_RE.fullmatch(d.text.strip()) if d.kind == NAME else None
            if m:
                values.setdefault(d.name, set()).add(int(m.group(2)))
    clashing = {name for name, vals in values.items() if len(vals) > 1}
    if not clashing:
        return

    def separate(spec: ShapeSpec) -> ShapeSpec:
        if not any(d.kind == NAME and d.name in clashing and _WITH_VALUE_RE.fullmatch(d.text.strip())
                   for d in spec.dims):
            return spec
        dims = tuple(
            DimSpec(NAME, d.text, name=UNPLACED_PREFIX + " ".join(d.text.lower().split()))
            if d.kind == NAME and d.name in clashing and _WITH_VALUE_RE.fullmatch(d.text.strip()) else d
            for d in spec.dims)
        return ShapeSpec(dims, spec.text)

    contract.params = {name: separate(spec) for name, spec in contract.params.items()}
    contract.returns = [(name, separate(spec)) for name, spec in contract.returns]


def parse_docstring(doc: Optional[str], params: Optional[Iterable[str]] = None) -> DocContract:
    """The shape contract a docstring states (empty when it states none).

    ``params``, the function's parameter names, when known: items before any
    section header are then read only when they name a parameter, and a
    relation may name any parameter.  Without it such items are read
    whatever they name (a caller keeps those naming its parameters).

    The result is shared between calls with the same text: treat it as
    read-only.
    """
    if not doc:
        return DocContract()
    return _parse_docstring_cached(doc, frozenset(params) if params is not None else None)


# -- annotations ------------------------------------------------------------------

# jaxtyping's dtype wrappers
_JAXTYPING_DTYPES = (
    "Shaped|Bool|Key|Num|Inexact|Float|BFloat16|Float8\\w*|Float16|Float32|Float64|"
    "Complex|Complex64|Complex128|Integer|UInt|UInt\\d+|Int|Int\\d+|Real"
)
_JAXTYPING_RE = re.compile(
    rf"(?:[A-Za-z_][\w]*\.)*(?:{_JAXTYPING_DTYPES})\[\s*([^,\[\]]+(?:\[[^\]]*\])?)\s*,\s*"
    r"(?P<q>['\"])(?P<spec>[^'\"]*)(?P=q)\s*\]"
)
_NDARRAY_RE = re.compile(r"(?:(?:np|numpy)\.)?ndarray\[\s*(.*)\]")
_OPTIONAL_RE = re.compile(r"(?:(?:typing|t)\.)?Optional\[(.*)\]")


def _strip_optional(text: str) -> str:
    text = text.strip()
    m = _OPTIONAL_RE.fullmatch(text)
    if m:
        return m.group(1).strip()
    parts = [p.strip() for p in _top_level_split(text, "|")]
    rest = [p for p in parts if p != "None"]
    if len(parts) > 1 and len(rest) == 1:
        return rest[0]
    return text


def _top_level_split(text: str, sep: str) -> List[str]:
    parts, depth, start = [], 0, 0
    quote = ""
    for j, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:j])
            start = j + 1
    parts.append(text[start:])
    return parts


def _shape_type_spec(text: str) -> Optional[ShapeSpec]:
    """``tuple[int, int]`` -> ``_ _``; ``tuple[Literal[3], int]`` -> ``3 _``."""
    m = re.fullmatch(r"(?:typing\.)?(?:tuple|Tuple)\[(.*)\]", text.strip())
    if not m:
        return None
    inner = m.group(1).strip()
    if inner in ("()", ""):
        return parse_spec("")
    dims = []
    for part in _top_level_split(inner, ","):
        part = part.strip()
        if part == "int":
            dims.append("_")
            continue
        lit = re.fullmatch(r"(?:typing\.)?Literal\[\s*(\d+)\s*\]", part)
        if lit:
            dims.append(lit.group(1))
            continue
        return None  # tuple[int, ...], Any, a TypeVar: rank unknown
    return parse_spec(" ".join(dims))


def annotation_spec(text: str, strict: bool = False) -> Optional[ShapeSpec]:
    """The shape an annotation (as source text) declares, or None.

    ``Float[np.ndarray, "n m"]`` -> ``n m``; ``np.ndarray[tuple[int, int],
    np.dtype[np.float64]]`` -> ``_ _`` (rank only).  ``Optional[...]`` and
    ``... | None`` are looked through.  A jaxtyping annotation whose spec
    string cannot be parsed gives None, or with ``strict`` raises
    ``SpecError`` (for a linter that wants to report it).
    """
    if not isinstance(text, str):
        return None
    try:
        return _annotation_spec(text)
    except SpecError:
        if strict:
            raise
        return None


@lru_cache(maxsize=1024)
def _annotation_spec(text: str) -> Optional[ShapeSpec]:
    body = _strip_optional(text)
    m = _JAXTYPING_RE.fullmatch(body)
    if m:
        return parse_spec(m.group("spec"))
    m = _NDARRAY_RE.fullmatch(body)
    if m:
        args = _top_level_split(m.group(1), ",")
        return _shape_type_spec(args[0]) if args else None
    return None
