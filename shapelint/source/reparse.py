"""Parsing a text again after an edit, at the cost of the top-level statements that changed.

An editor re-checks a file on every pause in typing, and ``--fix`` re-checks it for every
fix it tries; each time, one function changed and the rest of the text is what was parsed
a moment ago.  libcst parses a whole module or nothing (about 0.2 s for scikit-learn's
3,000-line ``_ridge.py``, a third of the check), so a ``Reparser`` cuts the text into
pieces at top-level ``def``, ``class`` and decorator lines, parses each piece as a module
of its own, keeps the pieces' trees by their text, and joins the statements into one
module.  A piece seen before costs a dictionary lookup.

The joined tree is the tree ``libcst.parse_module`` gives for the whole text, node for node
(``tests/source/test_reparse.py`` compares them with ``deep_equals`` and by the code they
print, on every module of the standard library it finds).  What makes that true:

- A piece starts at the blank lines and column-0 comments before its ``def`` or ``class``:
  libcst gives those to the next statement (``leading_lines``), and parsing the piece alone
  puts them in the piece's module ``header``, which is moved back onto its first statement.
  Where the line before them is indented whitespace or an indented comment, libcst gives
  it to the block above (an ``IndentedBlock`` footer): no cut is made there.
- A decorator and its ``def`` are one statement: no cut between them.
- A cut inside a string or a bracket gives a piece that does not parse: the piece is
  joined to the next one and parsed again, a few times at most; past that the whole text
  is left to the caller.
- The pieces must agree on the module's indentation and line ending (libcst's
  ``default_indent`` and ``default_newline``, which print the nodes that leave them
  implicit), or the whole text is left to the caller.

Each piece is measured (``precheck``) before libcst sees it, as a whole text is: a piece is
as safe to parse as the text it came from.  A text whose pieces are too deep or, added up,
too long is left to the caller, whose measure gives the message ``shapelint check`` gives.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Dict, List, NamedTuple, Optional, Set, Tuple, Union

import libcst as cst

from shapelint.source.precheck import MAX_CHARS, MAX_SIZE, Excess, measure

_HEADS = ("def ", "class ", "async def ", "@")
_DEFINITIONS = ("def ", "class ", "async def ")
_EMPTY = ("\n", "\r\n")
# Pieces a bad cut may be joined to before the whole text is left to the caller.
_MAX_JOINS = 8
# The tokens a piece has that the whole text does not (its end: ENDMARKER, NEWLINE, DEDENTs)
# are far fewer than this; the pieces' sizes, added up, are held to the limit less this
# much per piece, so that no text passes here that the whole-text measure would refuse.
_SIZE_MARGIN_PER_PIECE = 8


class Piece(NamedTuple):
    """One piece's parse: its statements with what libcst detected in it."""

    body: Tuple[cst.CSTNode, ...]
    header: Tuple[cst.EmptyLine, ...]
    footer: Tuple[cst.EmptyLine, ...]
    default_indent: str
    default_newline: str
    has_trailing_newline: bool
    has_block: bool  # a compound statement with an indented block (it shows the indentation)
    size: int  # precheck's weighted token count
    tokens: int


_FAILED = "failed"  # a piece that cannot be parsed on its own (kept too: it is tried again otherwise)


def cut(text: str, min_chars: int = 0) -> List[str]:
    """The pieces of ``text``, in order; joined, they are the text.  With ``min_chars``, pieces
    next to each other are joined until each is at least that long (the last may be shorter)."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    starts = [0]
    decorated = False  # a decorator is open: its def or class belongs to it
    has_code = False  # the piece being built holds a statement
    for i, line in enumerate(lines):
        if has_code and not decorated and line.startswith(_HEADS):
            start = i
            while start > starts[-1] and (lines[start - 1] in _EMPTY or lines[start - 1].startswith("#")):
                start -= 1
            before = lines[start - 1].strip() if start > starts[-1] else ""
            if before and not before.startswith("#"):
                starts.append(start)
        if line.startswith("@"):
            decorated = True
        elif line.startswith(_DEFINITIONS):
            decorated = False
        if not has_code:
            stripped = line.strip()
            has_code = bool(stripped) and not stripped.startswith("#")
    starts.append(len(lines))
    if min_chars:
        kept = [0]
        for start in starts[1:-1]:
            if offsets[start] - offsets[kept[-1]] >= min_chars:
                kept.append(start)
        starts = kept + [len(lines)]
    return [text[offsets[a]:offsets[b]] for a, b in zip(starts, starts[1:]) if b > a]


# libcst's native parser holds about 370 bytes per character of the text while it parses
# (scipy's 409 KB _continuous_distns.py: 187 MB of RSS at the peak, 17 MB for the tree it
# gives), more than every tree a long run keeps: a long text is parsed in pieces of about this
# size instead, which peaked at 50 MB for that file, in 10 % less CPU.
PIECE_CHARS = 16_000


def parse_long_text(text: str) -> Optional[cst.Module]:
    """The module ``libcst.parse_module(text)`` gives, parsed in pieces of about ``PIECE_CHARS``
    characters when the text is longer than two of them; None when it is shorter or its pieces
    cannot give the module (see ``Reparser.parse``): the caller measures and parses it whole."""
    if len(text) <= 2 * PIECE_CHARS:
        return None
    return Reparser(max_chars=0).parse(text, piece_chars=PIECE_CHARS)


def parse_measured(text: str, in_pieces: bool = True) -> Union[cst.Module, Excess]:
    """libcst's tree of ``text``, as safe to make as the pre-check can tell: a long text in pieces,
    each measured (``parse_long_text``; not with ``in_pieces=False``), else the whole text
    measured and parsed.  The pre-check's ``Excess`` where it refuses the text; what
    ``libcst.parse_module`` raises (a syntax error, nesting past Python's limit) goes through."""
    if in_pieces:
        tree = parse_long_text(text)
        if tree is not None:
            return tree
    excess = measure(text).excess
    return excess if excess is not None else cst.parse_module(text)


class Reparser:
    """The parsed pieces of the texts seen lately, by their text (least recently used first out).

    max_chars bounds the text of the pieces kept; their trees take about 18 bytes a character
    (scikit-learn's _ridge.py: 109 KB of text, 2 MB of tree), so at most about 18 MB by default:
    the pieces of several large open files, and of their last few versions.

    A text parsed for a ``document`` (an editor's buffer) replaces that document's previous
    version: its pieces that the new version no longer has, and no other document's latest
    version has, are dropped at once.  An edit made and undone costs one piece's parse; keeping
    every version's pieces until the budget is full cost the server 35 MB over 600 edits of a
    notebook, for nothing.
    """

    def __init__(self, max_chars: int = 1_000_000) -> None:
        self.max_chars = max_chars
        self._pieces: "OrderedDict[str, Union[Piece, str]]" = OrderedDict()
        self._chars = 0
        self._latest: Dict[str, Set[str]] = {}  # document -> the texts of its latest version's pieces
        self._good: Dict[str, Set[str]] = {}  # document -> the same, for its latest version that parsed
        self._holders: Dict[str, int] = {}  # piece text -> how many documents' latest versions have it
        self._closed: List[str] = []  # documents closed since the last parse
        self.parsed = 0  # pieces parsed (the others came from the cache)
        self.reused = 0

    def for_document(self, document: str) -> "DocumentPieces":
        """A parser of one document's versions (see the class's note), sharing this cache."""
        return DocumentPieces(self, document)

    def forget(self, document: str) -> None:
        """The document was closed: its pieces no longer have a reason to stay.  They go at the
        next parse, in the thread that parses (an editor closes files from another thread)."""
        self._closed.append(document)

    def _drop_closed(self) -> None:
        while self._closed:
            document = self._closed.pop()
            self._release(self._latest.pop(document, set()))
            self._good.pop(document, None)

    def __len__(self) -> int:
        return len(self._pieces)

    def parse(self, text: str, document: Optional[str] = None, piece_chars: int = 0) -> Optional[cst.Module]:
        """The module ``libcst.parse_module(text)`` gives, or None when the pieces cannot give it
        (a syntax error, a text too deep or too long, mixed indentation): parse the text whole.
        piece_chars: cut the text into pieces at least this long (see ``cut``)."""
        if not text or len(text) > MAX_CHARS or "\r" in text or "\f" in text:
            return None
        self._drop_closed()
        texts = cut(text, piece_chars)
        seen: Set[str] = set()  # every text looked up, the ones that failed alone too
        pieces: List[Piece] = []
        joins = 0
        i = 0
        while i < len(texts):
            seen.add(texts[i])
            piece = self._piece(texts[i])
            if isinstance(piece, Piece):
                pieces.append(piece)
                i += 1
                continue
            if piece is None or i + 1 == len(texts) or joins == _MAX_JOINS:
                if document is not None:  # (mid-typing, most likely: the next version needs the last good one's pieces)
                    self._hold(document, seen | self._good.get(document, set()))
                return None
            texts[i:i + 2] = [texts[i] + texts[i + 1]]
            joins += 1
        if document is not None:
            self._hold(document, seen)
            self._good[document] = seen
        return _join(pieces)

    def _hold(self, document: str, texts: Set[str]) -> None:
        for text in texts:
            self._holders[text] = self._holders.get(text, 0) + 1
        self._release(self._latest.get(document, set()))
        self._latest[document] = texts

    def _release(self, texts: Set[str]) -> None:
        for text in texts:
            count = self._holders.get(text, 0) - 1
            if count > 0:
                self._holders[text] = count
                continue
            self._holders.pop(text, None)
            if self._pieces.pop(text, None) is not None:
                self._chars -= len(text)

    def _piece(self, text: str) -> Optional[Union[Piece, str]]:
        """The piece, or _FAILED when it does not parse alone, or None when it is too deep."""
        hit = self._pieces.get(text)
        if hit is not None:
            self._pieces.move_to_end(text)
            self.reused += 1
            return hit
        sizes = measure(text)
        if sizes.excess is not None:
            return None
        self.parsed += 1
        piece: Union[Piece, str]
        try:
            module = cst.parse_module(text)
        except Exception:  # a syntax error here may be a bad cut (inside a string): the caller joins
            piece = _FAILED
        else:
            piece = Piece(tuple(module.body), tuple(module.header), tuple(module.footer), module.default_indent,
                          module.default_newline, module.has_trailing_newline,
                          any(isinstance(getattr(s, "body", None), cst.IndentedBlock) for s in module.body),
                          sizes.size, sizes.tokens)
        self._keep(text, piece)
        return piece

    def _keep(self, text: str, piece: Union[Piece, str]) -> None:
        self._pieces[text] = piece
        self._chars += len(text)
        while self._chars > self.max_chars and len(self._pieces) > 1:
            old, _ = self._pieces.popitem(last=False)
            self._chars -= len(old)


class DocumentPieces:
    """``Reparser.parse`` for the versions of one document (what ``analyze_source`` calls)."""

    def __init__(self, reparser: Reparser, document: str) -> None:
        self.reparser = reparser
        self.document = document

    def parse(self, text: str) -> Optional[cst.Module]:
        return self.reparser.parse(text, self.document)


def _join(pieces: List[Piece]) -> Optional[cst.Module]:
    limit = MAX_SIZE - _SIZE_MARGIN_PER_PIECE * len(pieces)
    if sum(p.size for p in pieces) > limit or sum(p.tokens for p in pieces) > limit:
        return None
    first, last = pieces[0], pieces[-1]
    indents = {p.default_indent for p in pieces if p.has_block}
    if len(indents) > 1 or len({p.default_newline for p in pieces}) > 1:
        return None
    body: List[cst.CSTNode] = list(first.body)
    for k, piece in enumerate(pieces):
        if not piece.body or (piece is not last and piece.footer):
            return None  # (a cut in the wrong place: libcst would have put these lines elsewhere)
        if k == 0:
            continue
        head = piece.body[0]
        if piece.header:
            head = head.with_changes(leading_lines=piece.header + tuple(head.leading_lines))  # type: ignore
        body.append(head)
        body.extend(piece.body[1:])
    return cst.Module(body=body, header=first.header, footer=last.footer, encoding="utf-8",
                      default_indent=indents.pop() if indents else first.default_indent,
                      default_newline=first.default_newline, has_trailing_newline=last.has_trailing_newline)
