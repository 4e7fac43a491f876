"""Is a source text safe and quick to give to libcst?  One pass of ``tokenize`` says.

libcst's native parser descends recursively, about fifteen native stack frames per
level of nesting, with no limit of its own: 1,300 nested parentheses (in an 8 MB stack), or
a 20,000-term ``x + x + ... + x``, overflow the C stack and kill the process
(a segmentation fault, not an exception).  Long before that its time grows
with the square of the nesting: 200 nested calls take 0.2 s, 1,000 take 20 s;
a 4,000-term sum takes 4 s.  CPython's own parser refuses most of these (200
nested brackets, a sum of about 3,000 terms), but libcst knows syntax that the
running CPython may not, so CPython cannot be the judge: we measure first
(``bench/worst_inputs.py`` prints the figures).

``tokenize`` is iterative and costs about 2 us a token (libcst: 20-70 us).
From its tokens we bound the depth of the syntax tree: an open bracket is one
level, a statement inside a block or after an ``elif`` one more, and inside a
bracket, operators nest by precedence: ``a + b + c`` is ``(a + b) + c``, so a
run of n ``+`` is n levels, and a ``*`` run inside one of its terms adds its
own length.  The sum over precedence levels of the longest run at each level
is never below the depth libcst builds, so a limit on it is a safe limit.

A file is refused when one statement is deeper than ``MAX_DEPTH`` or the
file is longer than ``MAX_SIZE`` tokens, where a token nested deeper than 16
levels counts for more (libcst's time grows with nesting): a thousand 99-deep
expressions take libcst as long as millions of flat tokens.
"""

from __future__ import annotations

import io
import keyword
import tokenize
from dataclasses import dataclass
from typing import List, Optional, Tuple

# Deep enough for code people write: of 16,825 files (the standard library,
# numpy, sympy, pip, pygments, the course corpus), the 81 that go deeper are
# tables of hundreds of implicitly concatenated strings and three sympy
# polynomials hundreds of terms long, and none of them mentions numpy.  Far
# below what libcst survives (1,200 nested parentheses parse, 1,300 crash), and shallow
# enough that our recursive evaluator needs at most about 700 frames (nested
# lists in np.array), inside Python's default recursion limit of 1,000.
MAX_DEPTH = 100
# About 2 s of CPU in libcst on this project's machine, and 2.5 s for the
# whole check; of those 16,825 files only one is longer (a sympy test), and
# numpy's longest, test_multiarray.py (11,000 lines), counts 101,430.
MAX_SIZE = 120_000
# Tokens nested deeper than this weigh more: depth // _WEIGHT_STEP extra each.
_WEIGHT_STEP = 16
# tokenize reads leading whitespace one character at a time in Python: bound
# the text it is given (10 MB of indentation is about 2 s of tokenize).
MAX_CHARS = 10_000_000
# Once something is too deep, read this many more tokens to report its depth.
_MEASURE_PAST = 50_000

# Precedence levels, loosest first.  A binary operator at level p ends the
# runs of every tighter level (its operand is complete) and extends its own.
_WALRUS, _LAMBDA, _TERNARY, _OR, _AND, _NOT, _COMPARE, _BITOR, _BITXOR, _BITAND, _SHIFT, _ARITH, \
    _TERM, _UNARY, _POWER, _AWAIT, _TRAILER, _CONCAT = range(18)
_LEVELS = 18
_BINARY = {
    ":=": _WALRUS, "|": _BITOR, "^": _BITXOR, "&": _BITAND, "<<": _SHIFT, ">>": _SHIFT,
    "+": _ARITH, "-": _ARITH, "*": _TERM, "/": _TERM, "//": _TERM, "%": _TERM, "@": _TERM, "**": _POWER,
    "<": _COMPARE, ">": _COMPARE, "<=": _COMPARE, ">=": _COMPARE, "==": _COMPARE, "!=": _COMPARE,
    "<>": _COMPARE, ".": _TRAILER,
}
_BINARY_KEYWORDS = {"or": _OR, "and": _AND, "in": _COMPARE, "is": _COMPARE, "if": _TERNARY}
_PREFIX_KEYWORDS = {"not": _NOT, "lambda": _LAMBDA, "await": _AWAIT, "yield": _LAMBDA}
_PREFIX = {"-", "+", "~", "*", "**"}
_CONSTANTS = {"True", "False", "None"}
_OPEN = {"(", "[", "{"}
_CLOSE = {")", "]", "}"}
# What follows these starts a new operand, not a deeper one.
_SEPARATORS = {",", ":", ";", "=", "->", "+=", "-=", "*=", "/=", "//=", "%=", "@=", "&=", "|=", "^=",
               ">>=", "<<=", "**=", "!"}
_KEYWORD_SEPARATORS = {"for", "import", "from", "as", "return", "del", "assert", "raise", "global",
                       "nonlocal", "with", "while", "elif", "except", "def", "class", "async"}
# After these, "(" or "[" is a call or subscript, and "-" is binary.
_OPERAND_END = {tokenize.NAME, tokenize.NUMBER, tokenize.STRING}
_FSTRING_START = getattr(tokenize, "FSTRING_START", -1)  # Python 3.12+
_FSTRING_END = getattr(tokenize, "FSTRING_END", -1)
_OPERATOR_CHARS = set("+-*/%@&|^~<>.!=")


@dataclass(frozen=True)
class Excess:
    """A measured quantity over its limit, and where it went over."""

    kind: str  # "depth" | "size" | "chars"
    measured: int
    limit: int
    line: int
    column: int  # 1-based
    lines: int  # the file's number of lines (for the size message)
    at_least: bool = False  # the measure stopped before the end of the deep part
    weighted: bool = False  # deep nesting counted in the size

    def quantity(self) -> str:
        if self.kind == "depth":
            return f"nested {'at least ' if self.at_least else ''}{self.measured:,} levels deep"
        if self.kind == "chars":
            return f"{self.measured:,} characters long"
        return f"over the limit of {self.limit:,} tokens by line {self.line:,} of {self.lines:,}"

    def describe(self) -> str:
        if self.kind in ("depth", "chars"):
            return f"{self.quantity()} (limit {self.limit:,})"
        if self.weighted:
            return f"{self.quantity()} (tokens nested over {_WEIGHT_STEP} levels deep count for more)"
        return self.quantity()


@dataclass
class Measure:
    """What one pass over the tokens found."""

    max_depth: int = 0
    depth_line: int = 1  # where the deepest token is
    depth_column: int = 1
    size: int = 0  # tokens, weighted by nesting
    tokens: int = 0
    complete: bool = True  # False: stopped early (or the rest was bounded crudely)
    excess: Optional[Excess] = None


class _Frame:
    """One open bracket: the operator runs inside it since its last separator."""

    __slots__ = ("runs", "longest", "depth", "lambdas")

    def __init__(self) -> None:
        self.runs = [0] * _LEVELS  # the current run at each precedence level
        self.longest = [0] * _LEVELS  # the longest run at each level since the separator
        self.depth = 0  # sum(longest)
        self.lambdas = 0  # `lambda`s whose `:` is still to come

    def binary(self, level: int) -> int:
        """An operator at ``level`` between two operands; returns the depth added."""
        self.end_runs(level)
        return self.prefix(level)

    def end_runs(self, level: int) -> None:
        """The runs of the levels tighter than ``level`` end: their operand is complete."""
        runs = self.runs
        for q in range(level + 1, _LEVELS):
            runs[q] = 0

    def prefix(self, level: int) -> int:
        """An operator that nests what follows at ``level`` (``-x``, ``not x``); returns the depth added."""
        self.runs[level] += 1
        if self.runs[level] > self.longest[level]:
            self.longest[level] = self.runs[level]
            self.depth += 1
            return 1
        return 0

    def separate(self) -> int:
        """A separator: what follows is a sibling; returns the depth removed."""
        removed = self.depth
        self.runs = [0] * _LEVELS
        self.longest = [0] * _LEVELS
        self.depth = 0
        return removed


class _Block:
    __slots__ = ("base", "elifs")

    def __init__(self, base: int) -> None:
        self.base = base  # the depth of a statement at this indentation
        self.elifs = 0  # `elif`s so far in the current if-chain: each nests the rest


_IGNORED = (tokenize.NL, tokenize.COMMENT)


def measure(source: str, max_depth: int = MAX_DEPTH, max_size: int = MAX_SIZE,
            max_chars: int = MAX_CHARS) -> Measure:
    """Measure ``source``; ``Measure.excess`` is set when a limit is exceeded.

    Stops early: when the file is too long, or some tokens after something
    went too deep (enough to measure a 20,000-term sum in full).  Reads at
    most ``max_size`` tokens.  Never raises.
    """
    m = Measure()
    if len(source) > max_chars:
        m.complete = False
        m.excess = Excess("chars", len(source), max_chars, 1, 1, source.count("\n") + 1)
        return m
    frames: List[_Frame] = [_Frame()]
    blocks: List[_Block] = [_Block(0)]
    stmt_depth = depth = 1  # depth: stmt_depth + open brackets + the depth of every frame
    line_start = True
    prev_type, prev = tokenize.NEWLINE, ""
    over_at: Optional[Tuple[int, int]] = None  # (line, column) where the depth first went over
    over_token = 0
    size_at: Optional[Tuple[int, int]] = None
    last_line = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            ttype, text = tok.type, tok.string
            last_line = tok.start[0]
            m.tokens += 1
            if m.tokens > max_size or (over_at is not None and m.tokens > over_token + _MEASURE_PAST):
                m.complete = False
                break  # enough read, whatever the verdict
            if ttype in _IGNORED:
                continue
            if ttype == tokenize.INDENT:
                blocks.append(_Block(stmt_depth))  # its statements are one deeper than its header
                continue
            if ttype == tokenize.DEDENT:
                if len(blocks) > 1:
                    blocks.pop()
                continue
            if line_start and ttype != tokenize.ENDMARKER:
                line_start = False
                block = blocks[-1]
                if text == "elif":
                    block.elifs += 1  # `If.orelse` holds the rest of the chain
                elif text not in ("else", "except", "finally"):
                    block.elifs = 0
                stmt_depth = depth = block.base + block.elifs + 1
                frames = [_Frame()]
            top = frames[-1]
            after_operand = prev in _CLOSE or prev == "..." or (
                prev_type in _OPERAND_END and (not keyword.iskeyword(prev) or prev in _CONSTANTS))
            if ttype == tokenize.OP:
                if text in _OPEN:
                    if after_operand:
                        depth += top.binary(_TRAILER)  # f(x), x[i]: the call holds its callee
                    frames.append(_Frame())
                    depth += 1
                elif text in _CLOSE:
                    if len(frames) > 1:
                        depth -= 1 + frames.pop().depth
                elif text in _SEPARATORS:
                    if top.lambdas and text in (",", "=", ":"):
                        if text == ":":
                            top.lambdas -= 1  # a lambda's body is inside it
                    else:
                        depth -= top.separate()
                elif text in _PREFIX and not after_operand:
                    depth += top.prefix(_UNARY)  # -x, *args, **kwargs
                elif text in _BINARY:
                    depth += top.binary(_BINARY[text])
                elif text != "...":
                    depth += top.binary(_TERM)  # anything else: as nested as an operator
            elif ttype == tokenize.NAME:
                if text in _BINARY_KEYWORDS:
                    depth += top.binary(_BINARY_KEYWORDS[text])
                elif text in _PREFIX_KEYWORDS:
                    depth += top.prefix(_PREFIX_KEYWORDS[text])
                    if text == "lambda":
                        top.lambdas += 1
                elif text == "else":
                    top.end_runs(_TERNARY)  # `else` ends an operand; its `if` did the nesting
                elif text in _KEYWORD_SEPARATORS:
                    depth -= top.separate()
            elif ttype == tokenize.STRING:
                if prev_type == tokenize.STRING:  # "a" "b": nested concatenations
                    depth += top.binary(_CONCAT)
                if _is_fstring(text):
                    inner = depth + _fstring_depth(text)
                    if inner > m.max_depth:
                        _note_depth(m, inner, tok.start)
                    if inner > max_depth and over_at is None:
                        over_at, over_token = tok.start, m.tokens
            elif ttype == _FSTRING_START:  # Python 3.12+: f-strings come in pieces
                if prev_type == tokenize.STRING:
                    depth += top.binary(_CONCAT)
                frames.append(_Frame())
                depth += 1
            elif ttype == _FSTRING_END:
                if len(frames) > 1:
                    depth -= 1 + frames.pop().depth
                ttype = tokenize.STRING  # for the next token: a string just ended
            elif ttype == tokenize.NEWLINE:
                line_start = True

            if depth > m.max_depth:
                _note_depth(m, depth, tok.start)
                if depth > max_depth and over_at is None:
                    over_at, over_token = tok.start, m.tokens
            m.size += 1 + depth // _WEIGHT_STEP
            if m.size > max_size and size_at is None:
                size_at = tok.start
                if over_at is None:
                    break
            prev_type, prev = ttype, text
    except (tokenize.TokenError, SyntaxError, ValueError, MemoryError, RecursionError):
        # An unterminated string or bracket at the end, a bad dedent: CPython
        # and libcst's own tokenizer refuse those as well.  On Python 3.12+
        # tokenize stops at errors that 3.11's did not (it uses the C tokenizer):
        # bound the rest crudely, so that libcst never sees an unmeasured text.
        m.complete = False
        if over_at is None and size_at is None and last_line:
            rest = source.splitlines()[last_line - 1:]
            crude, k = _crude_depth(rest)
            if crude > m.max_depth:
                m.max_depth, m.depth_line, m.depth_column = crude, last_line + k, 1
            if crude > max_depth:
                over_at = (last_line + k, 0)
    lines = source.count("\n") + 1
    if over_at is not None:
        m.excess = Excess("depth", m.max_depth, max_depth, over_at[0], over_at[1] + 1, lines,
                          at_least=not m.complete)
    elif size_at is not None or m.tokens > max_size:
        line, col = size_at or (last_line, 0)
        m.excess = Excess("size", m.size, max_size, line, col + 1, lines, weighted=m.size > m.tokens)
    return m


def _note_depth(m: Measure, depth: int, start: Tuple[int, int]) -> None:
    if depth > m.max_depth:
        m.max_depth, m.depth_line, m.depth_column = depth, start[0], start[1] + 1


def _is_fstring(text: str) -> bool:
    quote = min((i for i in (text.find("'"), text.find('"')) if i >= 0), default=0)
    return "f" in text[:quote].lower()


def _fstring_depth(text: str) -> int:
    """How deep the expressions inside one f-string token nest, at most (Python 3.11 and older)."""
    depth = chain = best = 0
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(depth - 1, 0)
            if depth == 0:
                chain = 0
        elif depth and ch in ",:":
            chain = 0
        elif depth and ch in _OPERATOR_CHARS:
            chain += 1
        if depth + chain > best:
            best = depth + chain
    return best


def _crude_depth(lines: List[str]) -> Tuple[int, int]:
    """An upper bound for text that tokenize could not read: brackets, plus operator characters per line."""
    depth = best = 0
    best_line = 0
    for k, line in enumerate(lines):
        ops = 0
        for ch in line:
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth = max(depth - 1, 0)
            elif ch in _OPERATOR_CHARS:
                ops += 1
            if depth + ops > best:
                best, best_line = depth + ops, k
    return best + 1, best_line
