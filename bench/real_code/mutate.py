"""Seed one-line shape bugs into the functions of a NumPy source file.

Every mutant is one edit of one kind at one site, made in place on one line
(spliced at libcst positions), so the mutated file has the same number of
lines and every other line unchanged; a mutant whose result does not parse is
dropped.  Kinds:

* ``T_added``: ``.T`` added to an operand of ``np.dot`` / ``np.matmul`` / ``@`` / ``a.dot(b)``
* ``T_removed``: a ``.T`` dropped
* ``dot_swapped``: the operands of ``np.dot`` / ``np.matmul`` / ``@`` / ``a.dot(b)`` swapped
* ``dot_to_star``: ``np.dot(a, b)`` / ``np.matmul(a, b)`` / ``a @ b`` -> ``a * b``
* ``keepdims_dropped``: ``keepdims=True`` removed
* ``axis_swapped``: ``axis=0`` <-> ``axis=1`` on a reduction (keyword, or positional:
  ``np.sum(x, 0)``, ``x.sum(1)``)
* ``shape_index_swapped``: ``.shape[0]`` <-> ``.shape[1]``
* ``rank1_creation``: ``np.zeros((n, 1))`` -> ``np.zeros((n,))`` (ones, empty, full,
  random.random, standard_normal, ``size=(n, 1)`` of normal/uniform/...), and
  ``np.random.randn(n, 1)`` -> ``np.random.randn(n)`` (and rand)

Only sites in a function are mutated: a top-level ``def`` or a method of a
top-level class (a site in a nested function belongs to the outermost one,
which is what gets called).  Sites inside ``assert`` statements are left
alone: they are the author's own shape checks, not the computation.

Pure module (libcst and ast only): it runs in the harness's interpreter.
"""

from __future__ import annotations

import ast
import hashlib
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

KINDS: Tuple[str, ...] = ("T_added", "T_removed", "dot_swapped", "dot_to_star", "keepdims_dropped",
                          "axis_swapped", "shape_index_swapped", "rank1_creation")

REDUCTIONS = frozenset({
    "sum", "mean", "max", "min", "argmax", "argmin", "std", "var", "prod", "median", "any", "all",
    "cumsum", "cumprod", "nansum", "nanmean", "nanmax", "nanmin", "nanstd", "nanvar", "amax", "amin",
    "average", "ptp", "count_nonzero", "nanargmax", "nanargmin", "logsumexp",
})
# creation functions whose first argument (or shape= / size=) is the shape tuple
SHAPE_FIRST = frozenset({"zeros", "ones", "empty", "full", "random.random", "random.random_sample",
                         "random.ranf", "random.sample", "random.standard_normal"})
# random functions whose size is the third positional argument (or size=)
SIZE_THIRD = frozenset({"random.normal", "random.uniform", "random.randint", "random.binomial"})
DIMS_ARGS = frozenset({"random.randn", "random.rand"})
# methods of a random Generator / RandomState object
GENERATOR_SHAPE_FIRST = frozenset({"random", "random_sample", "standard_normal"})
GENERATOR_SIZE_THIRD = frozenset({"normal", "uniform", "randint", "integers", "binomial"})
GENERATOR_DIMS = frozenset({"randn", "rand"})

_ATOMIC = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float)


@dataclass(frozen=True)
class Function:
    """A mutable unit: a top-level function or a method of a top-level class."""

    qualname: str  # "f" or "C.m" (as co_qualname spells it)
    start: int  # first line (its first decorator)
    def_line: int
    end: int
    unit_start: int  # the top-level statement to re-execute: the def itself, or the class
    unit_end: int
    is_method: bool
    params: Tuple[str, ...]  # positional parameters in order (self included), then keyword-only ones
    n_positional: int
    defaults: int  # how many trailing positional parameters have defaults
    kwonly_required: Tuple[str, ...]
    has_varargs: bool
    docstring: Optional[str]


@dataclass(frozen=True)
class Mutant:
    kind: str
    line: int  # 1-based
    col: int  # 0-based column of the edit
    function: Function
    before: str  # the line as in the file
    after: str  # the line as in the mutant

    @property
    def key(self) -> Tuple[int, int, str, str]:
        return (self.line, self.col, self.kind, self.after)


@dataclass
class Scan:
    functions: List[Function] = field(default_factory=list)
    mutants: List[Mutant] = field(default_factory=list)
    skipped_multiline: int = 0  # sites whose edit would span lines
    skipped_unparseable: int = 0


def mutated_source(source: str, mutant: Mutant) -> str:
    """The whole file with the mutant's line swapped in (same line count)."""
    lines = source.splitlines(keepends=True)
    old = lines[mutant.line - 1]
    ending = old[len(old.rstrip("\r\n")):]
    lines[mutant.line - 1] = mutant.after + ending
    return "".join(lines)


def _numpy_aliases(source: str) -> Dict[str, str]:
    """local name -> qualified numpy name, from the imports anywhere in the source."""
    aliases: Dict[str, str] = {}
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return aliases
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "numpy" or a.name.startswith("numpy."):
                    if a.asname:
                        aliases[a.asname] = a.name
                    else:
                        aliases["numpy"] = "numpy"
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            mod = node.module
            if not (mod == "numpy" or mod.startswith("numpy.")):
                continue
            for a in node.names:
                if a.name == "*":
                    aliases["*" + mod] = mod
                else:
                    aliases[a.asname or a.name] = f"{mod}.{a.name}"
    return aliases


def _dotted(node: Optional[cst.CSTNode]) -> Optional[str]:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


class _Finder(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, lines: Sequence[str], aliases: Dict[str, str], kinds: Iterable[str]) -> None:
        self.lines = lines
        self.aliases = aliases
        self.star = [m for k, m in aliases.items() if k.startswith("*")]
        self.kinds = set(kinds)
        self.scan = Scan()
        self.depth = 0
        self.class_stack: List[Tuple[str, cst.ClassDef]] = []  # the classes around, outermost first
        self.function: Optional[Function] = None  # the unit being visited
        self.function_depth = 0  # function defs open inside the unit
        self.in_assert = 0
        self.top_unit: Tuple[int, int] = (0, 0)
        self.edits: List[Tuple[str, List[Tuple[cst.CSTNode, str]]]] = []

    # -- positions and text ------------------------------------------------------------------

    def _range(self, node: cst.CSTNode) -> Tuple[int, int, int, int]:
        p = self.get_metadata(PositionProvider, node)
        return p.start.line, p.start.column, p.end.line, p.end.column

    def _text(self, node: cst.CSTNode) -> Optional[str]:
        """The node's source without its own parentheses (None when it spans lines)."""
        l0, c0, l1, c1 = self._range(node)
        if l0 != l1:
            return None
        return self.lines[l0 - 1][c0:c1]

    def _atom(self, node: cst.CSTNode) -> Optional[str]:
        """The node's text, parenthesized unless it binds at least as tight as `.T` / `*`."""
        text = self._text(node)
        if text is None:
            return None
        if isinstance(node, _ATOMIC) or getattr(node, "lpar", None):
            return text
        return f"({text})"

    def _numpy_name(self, func: cst.BaseExpression) -> Optional[str]:
        """"zeros", "random.randn", ... when func is a NumPy function, through the imports."""
        dotted = _dotted(func)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        if head in self.aliases:
            full = self.aliases[head] + ("." + rest if rest else "")
        elif "." not in dotted and self.star:
            full = self.star[0] + "." + dotted
        else:
            return None
        if full == "numpy" or not full.startswith("numpy."):
            return None
        return full[len("numpy."):]

    def _is_numpy_module(self, node: cst.BaseExpression) -> bool:
        dotted = _dotted(node)
        if dotted is None:
            return False
        head, _, rest = dotted.partition(".")
        return head in self.aliases and self.aliases[head] in ("numpy", "numpy.random", "numpy.linalg")

    # -- structure ---------------------------------------------------------------------------

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.depth += 1
        if isinstance(node, cst.FunctionDef):
            if self.function is None:
                self._enter_function(node)
            else:
                self.function_depth += 1
        elif isinstance(node, cst.ClassDef) and self.function is None:
            if self.depth != 2 + 2 * len(self.class_stack):
                return False  # a class inside an if-block at top level: not a unit
            l0, _, l1, _ = self._range(node)
            if not self.class_stack:
                self.top_unit = (self._first_line(node), l1)
            self.class_stack.append((node.name.value, node))
        elif isinstance(node, cst.Assert):
            self.in_assert += 1
        if self.function is not None and not self.in_assert:
            self._collect(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.depth -= 1
        if isinstance(original_node, cst.FunctionDef):
            if self.function_depth:
                self.function_depth -= 1
            elif self.function is not None:
                self._flush()
                self.function = None
        elif isinstance(original_node, cst.ClassDef) and self.class_stack and self.class_stack[-1][1] is original_node:
            self.class_stack.pop()
        elif isinstance(original_node, cst.Assert):
            self.in_assert -= 1

    def _first_line(self, node: cst.CSTNode) -> int:
        decorators = getattr(node, "decorators", ())
        if decorators:
            return self._range(decorators[0])[0]
        return self._range(node)[0]

    def _enter_function(self, node: cst.FunctionDef) -> None:
        direct_in_class = bool(self.class_stack) and self.depth == 2 + len(self.class_stack) * 2
        top_level = not self.class_stack and self.depth == 2
        if not (top_level or direct_in_class):
            self.function = None
            return
        def_line, _, end, _ = self._range(node)
        start = self._first_line(node)
        if top_level:
            qualname = node.name.value
            unit = (start, end)
        else:
            qualname = ".".join([c for c, _ in self.class_stack] + [node.name.value])
            unit = self.top_unit
        p = node.params
        positional = [x.name.value for x in list(p.posonly_params) + list(p.params)]
        defaults = sum(1 for x in list(p.posonly_params) + list(p.params) if x.default is not None)
        kwonly_required = tuple(x.name.value for x in p.kwonly_params if x.default is None)
        has_varargs = isinstance(p.star_arg, cst.Param) or p.star_kwarg is not None
        self.function = Function(qualname, start, def_line, end, unit[0], unit[1], not top_level,
                                 tuple(positional + [x.name.value for x in p.kwonly_params]), len(positional), defaults,
                                 kwonly_required, has_varargs, node.get_docstring(clean=False))
        self.function_depth = 0
        self.edits = []
        self.scan.functions.append(self.function)

    # -- sites -------------------------------------------------------------------------------

    def _add(self, kind: str, edits: List[Tuple[cst.CSTNode, Optional[str]]]) -> None:
        if kind not in self.kinds:
            return
        if any(text is None for _, text in edits):
            self.scan.skipped_multiline += 1
            return
        self.edits.append((kind, edits))  # type: ignore[arg-type]

    def _flush(self) -> None:
        fn = self.function
        assert fn is not None
        for kind, edits in self.edits:
            ranges = [(self._range(n), text) for n, text in edits]
            lines = {r[0] for r, _ in ranges} | {r[2] for r, _ in ranges}
            if len(lines) != 1:
                self.scan.skipped_multiline += 1
                continue
            line_no = lines.pop()
            line = self.lines[line_no - 1]
            new = line
            for (l0, c0, l1, c1), text in sorted(ranges, key=lambda r: -r[0][1]):
                new = new[:c0] + text + new[c1:]
            if new == line:
                continue
            col = min(r[0][1] for r in ranges)
            self.scan.mutants.append(Mutant(kind, line_no, col, fn, line, new))

    def _dot_operands(self, node: cst.CSTNode) -> Optional[Tuple[str, cst.BaseExpression, cst.BaseExpression]]:
        """("call" | "matmul" | "method", a, b) for np.dot(a, b) / np.matmul(a, b) / a @ b / a.dot(b)."""
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.MatrixMultiply):
            return "matmul", node.left, node.right
        if not isinstance(node, cst.Call):
            return None
        args = node.args
        if any(a.keyword is not None or a.star for a in args):
            return None
        name = self._numpy_name(node.func)
        if name in ("dot", "matmul") and len(args) == 2:
            return "call", args[0].value, args[1].value
        if (name is None and isinstance(node.func, cst.Attribute) and node.func.attr.value == "dot"
                and len(args) == 1 and not self._is_numpy_module(node.func.value)):
            return "method", node.func.value, args[0].value
        return None

    def _collect(self, node: cst.CSTNode) -> None:
        dot = self._dot_operands(node)
        if dot is not None:
            style, a, b = dot
            for operand in (a, b):
                if not _is_transpose(operand) and not isinstance(operand, (cst.Integer, cst.Float)):
                    atom = self._atom(operand)
                    self._add("T_added", [(operand, None if atom is None else atom + ".T")])
            if style == "call":
                self._add("dot_swapped", [(a, self._text(b)), (b, self._text(a))])
            else:
                self._add("dot_swapped", [(a, self._atom(b)), (b, self._atom(a) if style == "matmul" else self._text(a))])
            if style == "call":
                ta, tb = self._atom(a), self._atom(b)
                self._add("dot_to_star", [(node, None if ta is None or tb is None else f"({ta} * {tb})")])
            elif style == "matmul":
                ta, tb = self._atom(a), self._atom(b)
                self._add("dot_to_star", [(node, None if ta is None or tb is None else f"{ta} * {tb}")])
        if _is_transpose(node) and not (isinstance(node.value, cst.Name) and node.value.value in ("self", "cls")):
            self._add("T_removed", [(node, self._text(node.value) if not node.value.lpar else self._paren_text(node.value))])
        if isinstance(node, cst.Call):
            self._call_sites(node)
        if isinstance(node, cst.Subscript) and isinstance(node.value, cst.Attribute) \
                and node.value.attr.value == "shape" and len(node.slice) == 1 \
                and isinstance(node.slice[0].slice, cst.Index) and isinstance(node.slice[0].slice.value, cst.Integer) \
                and node.slice[0].slice.value.value in ("0", "1"):
            index = node.slice[0].slice.value
            self._add("shape_index_swapped", [(index, "1" if index.value == "0" else "0")])

    def _paren_text(self, node: cst.CSTNode) -> Optional[str]:
        text = self._text(node)
        return None if text is None else "(" * len(node.lpar) + text + ")" * len(node.rpar)

    def _call_sites(self, node: cst.Call) -> None:
        args = node.args
        # keepdims=True dropped
        for i, a in enumerate(args):
            if a.keyword is not None and a.keyword.value == "keepdims" and isinstance(a.value, cst.Name) \
                    and a.value.value == "True":
                kept = [x for j, x in enumerate(args) if j != i]
                if kept:
                    kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                text = self._call_text(node, kept)
                self._add("keepdims_dropped", [(node, text)])
        name = self._numpy_name(node.func)
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) and name is None \
            and not self._is_numpy_module(node.func.value) else None
        # axis swapped on reductions
        reduction = (name is not None and name.split(".")[-1] in REDUCTIONS) or (method in REDUCTIONS)
        if reduction:
            for a in args:
                if a.keyword is not None and a.keyword.value == "axis":
                    self._axis(a.value)
            positional = [a for a in args if a.keyword is None and not a.star]
            index = 1 if name is not None else 0
            if len(positional) > index and all(a.keyword is None for a in args[:index + 1]):
                self._axis(positional[index].value)
        # rank-1 creation
        if name is not None or method is not None:
            self._rank1(node, name, method)

    def _axis(self, value: cst.BaseExpression) -> None:
        if isinstance(value, cst.Integer) and value.value in ("0", "1"):
            self._add("axis_swapped", [(value, "1" if value.value == "0" else "0")])

    def _call_text(self, node: cst.Call, args: List[cst.Arg]) -> Optional[str]:
        l0, _, l1, _ = self._range(node)
        if l0 != l1:
            return None
        return _MODULE_FOR_CODE.code_for_node(node.with_changes(args=args, lpar=[], rpar=[]))

    def _rank1(self, node: cst.Call, name: Optional[str], method: Optional[str]) -> None:
        args = node.args
        positional = [a for a in args if a.keyword is None and not a.star]
        keywords = {a.keyword.value: a for a in args if a.keyword is not None}
        shape_arg: Optional[cst.BaseExpression] = None
        if name in SHAPE_FIRST or method in GENERATOR_SHAPE_FIRST:
            if positional and args[0].keyword is None:
                shape_arg = positional[0].value
            else:
                kw = keywords.get("shape") or keywords.get("size")
                shape_arg = kw.value if kw is not None else None
        elif name in SIZE_THIRD or method in GENERATOR_SIZE_THIRD:
            kw = keywords.get("size")
            if kw is not None:
                shape_arg = kw.value
            elif len(positional) >= 3 and all(a.keyword is None for a in args[:3]):
                shape_arg = positional[2].value
        elif name in DIMS_ARGS or method in GENERATOR_DIMS:
            if len(args) == 2 and all(a.keyword is None and not a.star for a in args) \
                    and isinstance(args[1].value, cst.Integer) and args[1].value.value == "1":
                kept = [args[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)]
                self._add("rank1_creation", [(node, self._call_text(node, kept))])
            return
        if isinstance(shape_arg, cst.Tuple) and len(shape_arg.elements) == 2 \
                and not isinstance(shape_arg.elements[0], cst.StarredElement) \
                and isinstance(shape_arg.elements[1].value, cst.Integer) and shape_arg.elements[1].value.value == "1":
            first = self._text(shape_arg.elements[0].value)
            if first is not None:
                first = self._paren_text(shape_arg.elements[0].value) if shape_arg.elements[0].value.lpar else first
            text = None if first is None else (f"{first}," if shape_arg.lpar else f"({first},)")
            self._add("rank1_creation", [(shape_arg, text)])


_MODULE_FOR_CODE = cst.Module(body=[])


def _is_transpose(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Attribute) and node.attr.value == "T"


def scan(source: str, kinds: Iterable[str] = KINDS) -> Scan:
    """Every function unit and every mutant of a source (empty when it does not parse)."""
    try:
        module = cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError, ValueError):
        return Scan()
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    lines = source.splitlines()
    finder = _Finder(lines, _numpy_aliases(source), kinds)
    wrapper.visit(finder)
    result = finder.scan
    good: List[Mutant] = []
    seen = set()
    for m in sorted(result.mutants, key=lambda m: (m.line, m.col, KINDS.index(m.kind), m.after)):
        if (m.line, m.after) in seen:
            continue  # the same edit reached twice (e.g. T_added on both sides of a.dot(a))
        seen.add((m.line, m.after))
        try:
            ast.parse(mutated_source(source, m))
        except (SyntaxError, ValueError):
            result.skipped_unparseable += 1
            continue
        good.append(m)
    result.mutants = good
    return result


def scan_cached(source: str, kinds: Sequence[str], cache_dir: Path) -> Scan:
    """scan(), cached on disk by the source, the kinds and this module's code (libcst is slow)."""
    h = hashlib.sha256()
    h.update(Path(__file__).read_bytes())
    h.update(",".join(kinds).encode())
    h.update(source.encode("utf-8", "surrogatepass"))
    path = cache_dir / f"{h.hexdigest()[:32]}.pickle"
    try:
        with path.open("rb") as f:
            return pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        pass
    result = scan(source, kinds)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with tmp.open("wb") as f:
        pickle.dump(result, f)
    os.replace(tmp, path)
    return result
