"""The module graph: which file an import names, read and parsed once per process.

An import is resolved the way Python would resolve it when the importing file
runs as a script: from the importing file's own directory first (a script or
a notebook sees its siblings), then from the project root (where
``pyproject.toml`` or ``.git`` is, or the root the caller names).  Relative
imports climb from the importing file's package.  Only files found that way
are *project modules*; anything else (NumPy, site-packages, the standard
library) is not analyzed and stays a qualified name.

Parsed modules are kept by the process, keyed by path and validated by size
and modification time, so that the helpers a whole folder of notebooks imports
are parsed once per worker; the least recently used go when the texts kept
pass a budget (``MAX_PARSED_CHARS``).

An editor's unsaved buffers can stand in for their files (``set_overlay``, set by
``shapelint server`` for each analysis): an imported module (or a driver) whose
file is open is read from the buffer's text instead of the disk.
"""

from __future__ import annotations

import ast
import hashlib
import io
import os
import tokenize
from collections import OrderedDict
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from shapelint.analysis.implicit import ast_or_none, bindings

# Never taken from the project even if a file of that name lies beside the
# code: the analysis knows these by their qualified names.
_NEVER_LOCAL = frozenset(("numpy", "shapelint", "__future__"))
_ROOT_MARKERS = ("pyproject.toml", ".git", "setup.py", "setup.cfg", "shapelint.toml")
_MAX_MODULE_BYTES = 2_000_000  # a generated or data file, not a helper worth analyzing


class ParsedModule:
    """A project module's text and tree; shared between analyses in one process."""

    __slots__ = ("path", "source", "tree", "digest", "unstored")

    def __init__(self, path: str, source: str, tree: cst.Module, digest: str):
        self.path = path
        self.source = source
        self.tree = tree
        self.digest = digest  # sha256 of the bytes: what a cached result depends on
        self.unstored = False  # a checked file's tree, not in the tree store yet (see keep_checked_tree)


# path -> (size, mtime), the parse: least recently used first.  A tree just parsed takes ~20
# bytes of memory per character of text, a compact one (see _parse) about a third of that, so
# the cache keeps at most MAX_PARSED_CHARS of text: a process over a whole distribution
# (scikit-learn and scipy) stops growing rather than keeping every tree.  Over those 1,644 files
# (bench/memory_over_files.py) the peak RSS was 539 MB with 12 MB of text, trees kept whole
# until the cache was full; 490 MB with every tree compact; 405 MB compact at 6 MB, where the
# 500 first files of scikit-learn read 301 trees instead of 193 (from the tree store: 3 % more CPU).
MAX_PARSED_CHARS = 6_000_000
_parsed: "OrderedDict[str, Tuple[Tuple[Any, Any], Optional[ParsedModule]]]" = OrderedDict()
_parsed_chars = 0
# Told the path of each parse dropped from the cache, to drop what was built from it (summaries).
_evicted: List[Callable[[str], None]] = []


def on_evict(callback: Callable[[str], None]) -> None:
    _evicted.append(callback)


def _remember(path: str, stamp: Tuple[Any, Any], parsed: Optional[ParsedModule]) -> None:
    global _parsed_chars
    old = _parsed.pop(path, None)
    if old is not None and old[1] is not None:
        _parsed_chars -= len(old[1].source)
    _parsed[path] = (stamp, parsed)
    if parsed is not None:
        _parsed_chars += len(parsed.source)
    while _parsed_chars > MAX_PARSED_CHARS and len(_parsed) > 1:
        gone, (_, dropped) = _parsed.popitem(last=False)
        if dropped is not None:
            _parsed_chars -= len(dropped.source)
            for callback in _evicted:
                callback(gone)


_roots: Dict[str, Optional[str]] = {}
# absolute path -> the text of the editor's buffer for that file, read instead of the file
_overlay: Dict[str, str] = {}


# path -> (stamp, what `from module import *` binds (see star_names), or None when it cannot be read)
StarNames = Tuple[Tuple[str, ...], Tuple[str, ...]]  # (the names, the files read to tell)
_star_names: Dict[str, Tuple[Any, Optional[StarNames]]] = {}
_MAX_STAR_NAMES = 4_000  # modules remembered (a name list each)


def star_names(path: str, root: Optional[str], _seen: Optional[Set[str]] = None) -> Optional[StarNames]:
    """The names ``from module import *`` binds, read from the module's text with CPython's
    parser, without running it: its ``__all__`` when that is a list or tuple of strings
    (``+=`` of one too), else every name its top level binds that does not start with ``_``,
    the names of its own relative ``import *`` included.  None when that cannot be read
    (``__all__`` computed, a text that does not parse): the module must run to tell.  Never
    fewer names than the module binds, so a name is never lost; a name it lists but does not
    bind is a submodule or unknown where it is read.  Also the files read to tell (the module's
    own relative ``import *`` reads more): a result depends on them."""
    text = overlay_text(path)
    stamp: Any = ("buffer", text) if text is not None else _stamp(path)
    if stamp is None:
        return None
    hit = _star_names.get(path)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    seen = (_seen or set()) | {path}
    if text is None:
        read = _read_source(path, stamp[0])
        text = read[1] if read is not None else None
    names = _read_star_names(path, text, root, seen) if text is not None else None
    if len(_star_names) >= _MAX_STAR_NAMES:
        _star_names.clear()
    _star_names[path] = (stamp, names)
    return names


def _read_star_names(path: str, text: str, root: Optional[str], seen: Set[str]) -> Optional[StarNames]:
    tree = ast_or_none(text)
    if tree is None:
        return None
    declared: Optional[List[str]] = None
    bound: List[str] = []
    read = [path]
    for stmt in _top_level(tree.body):
        if _binds_all(stmt):
            extra = _literal_names(stmt.value) if stmt.value is not None else None  # type: ignore[attr-defined]
            if extra is None or not isinstance(stmt, (ast.Assign, ast.AugAssign)):
                return None  # `__all__` computed (`[s for s in dir() ...]`): run the module to tell
            declared = (declared or []) + extra  # every list it may be, on any path
            continue
        if not isinstance(stmt, _COMPOUND) and any(isinstance(n, ast.Name) and n.id == "__all__"
                                                   for n in ast.walk(stmt)):
            return None  # `__all__.extend(...)`: run the module to tell
        if isinstance(stmt, ast.ImportFrom) and stmt.names[0].name == "*":
            inner = resolve(path, stmt.module or "", stmt.level, root) if stmt.level else None
            if inner is None or inner in seen:
                return None
            inner_names = star_names(inner, root, seen)
            if inner_names is None:
                return None
            bound.extend(inner_names[0])
            read.extend(inner_names[1])
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)):
            bound.extend(name for name, _ in bindings(stmt))  # (not what their bodies bind)
        else:
            for target in _targets(stmt):
                bound.extend(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    files = tuple(dict.fromkeys(read))
    if declared is not None:
        return tuple(dict.fromkeys(declared)), files
    return tuple(dict.fromkeys(n for n in bound if not n.startswith("_"))), files


# blocks whose statements run at the top level too (`try` and `try*` alike)
_BLOCKS = tuple(getattr(ast, name) for name in ("If", "Try", "TryStar", "With", "For", "While") if hasattr(ast, name))
_COMPOUND = _BLOCKS + (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _top_level(body: List[ast.stmt]):
    """The statements that run at a module's top level, inside `if`, `try` and `with` too."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, _BLOCKS):
            for block in ("body", "orelse", "finalbody"):
                yield from _top_level(getattr(stmt, block, []))
            for handler in getattr(stmt, "handlers", []):
                yield from _top_level(handler.body)


def _binds_all(stmt: ast.stmt) -> bool:
    return any(isinstance(t, ast.Name) and t.id == "__all__" for t in _targets(stmt))


def _targets(stmt: ast.stmt) -> List[ast.expr]:
    if isinstance(stmt, ast.Assign):
        return list(stmt.targets)
    if isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        return [stmt.target]
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return [stmt.target]
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return [item.optional_vars for item in stmt.items if item.optional_vars is not None]
    return []


def _literal_names(value: ast.expr) -> Optional[List[str]]:
    if isinstance(value, (ast.List, ast.Tuple)) and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts):
        return [e.value for e in value.elts]  # type: ignore[attr-defined]
    return None


def set_overlay(texts: Dict[str, str]) -> None:
    """Read these texts (absolute path -> text) instead of those files from now on; {} reads the disk."""
    global _overlay
    _overlay = {os.path.abspath(path): text for path, text in texts.items()}


def overlay_text(path: str) -> Optional[str]:
    """The editor's text for this file, when it stands in for the file (see ``set_overlay``)."""
    return _overlay.get(os.path.abspath(path)) if _overlay else None


def find_root(directory: str) -> Optional[str]:
    """The nearest enclosing directory with a project marker, or None."""
    directory = os.path.abspath(directory)
    hit = _roots.get(directory)
    if hit is not None or directory in _roots:
        return hit
    probe, found = directory, None
    while True:
        if any(os.path.exists(os.path.join(probe, m)) for m in _ROOT_MARKERS):
            found = probe
            break
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    _roots[directory] = found
    return found


def resolve(importer: Optional[str], name: str, level: int, root: Optional[str]) -> Optional[str]:
    """The file a ``from <level dots><name> import`` or ``import <name>`` runs, if it is in the project."""
    parts = [p for p in name.split(".") if p] if name else []
    if level > 0:
        if importer is None:
            return None
        base = os.path.dirname(os.path.abspath(importer))
        for _ in range(level - 1):
            base = os.path.dirname(base)
        return _lookup(base, parts) if parts else _package_init(base)
    if not parts or parts[0] in _NEVER_LOCAL:
        return None
    bases: List[str] = []
    if importer is not None:
        bases.append(os.path.dirname(os.path.abspath(importer)))
    if root is not None:
        bases.append(os.path.abspath(root))
    for base in bases:
        if _installed_elsewhere(base, parts[0], importer):
            continue
        hit = _lookup(base, parts)
        if hit is not None:
            return hit
    if importer is not None and len(parts) > 1:
        # `from cs231n.layers import *` inside cs231n/classifiers/: the package is imported from
        # the folder that holds it, which is on sys.path when the package runs (a few levels up)
        base = os.path.dirname(os.path.abspath(importer))
        for _ in range(4):
            parent = os.path.dirname(base)
            if parent == base:
                break
            base = parent
            if _installed_elsewhere(base, parts[0], importer):
                break
            if os.path.isfile(os.path.join(base, parts[0], "__init__.py")):
                return _lookup(base, parts)
    return None


def _installed_elsewhere(base: str, top: str, importer: Optional[str]) -> bool:
    """``import scipy`` from inside an installed sklearn: another installed distribution, outside
    the project even when the folder that holds both is where the paths given meet."""
    if os.path.basename(base) not in ("site-packages", "dist-packages"):
        return False
    if importer is None:
        return True
    own = os.path.join(os.path.abspath(base), top) + os.sep
    return not os.path.abspath(importer).startswith(own)


def _exists(path: str) -> bool:
    """A file, or an editor's buffer that stands in for one not saved yet (see ``set_overlay``)."""
    return os.path.isfile(path) or (bool(_overlay) and os.path.abspath(path) in _overlay)


def _package_init(directory: str) -> Optional[str]:
    init = os.path.join(directory, "__init__.py")
    return init if _exists(init) else None


def _lookup(base: str, parts: List[str]) -> Optional[str]:
    path = os.path.join(base, *parts)
    if _exists(path + ".py"):
        return path + ".py"
    return _package_init(path)


def module_name(path: str) -> str:
    stem = os.path.splitext(os.path.basename(path))[0]
    if stem == "__init__":
        return os.path.basename(os.path.dirname(path))
    return stem


def load(path: str) -> Optional[ParsedModule]:
    """The parsed module at ``path``, or None when it cannot be read, decoded or parsed."""
    text = overlay_text(path)
    if text is not None:  # an open buffer: as long as its text is the same, the same parse
        cached = _parsed.get(path)
        if cached is not None and cached[0][0] == "buffer" and cached[0][1] == text:
            _parsed.move_to_end(path)
            return cached[1]
        parsed = _parse(path, text, text.encode("utf-8", "surrogatepass"))
        _remember(path, ("buffer", text), parsed)
        return parsed
    stamp = _stamp(path)
    if stamp is None:
        return None
    cached = _parsed.get(path)
    if cached is not None and cached[0] == stamp:
        _parsed.move_to_end(path)
        parsed = cached[1]
        if parsed is not None and parsed.unstored:
            # a checked file's tree, now imported: stored as an import's is, for the next process
            from shapelint.analysis.parsing import store_tree

            parsed.unstored = False
            store_tree(parsed.source, parsed.tree)
        return parsed
    parsed = _read_and_parse(path, stamp[0])
    _remember(path, stamp, parsed)
    return parsed


def tree_of_checked_file(path: str, source: str) -> Optional[cst.Module]:
    """The tree of a file being checked, when ``source`` is its text on disk: the one ``load``
    gives the analyses that import it, so that a file checked and imported in one process
    (every module of a package is both) is parsed once.  None for any other text (an editor's
    unsaved buffer, a notebook's joined cells) or when it cannot be parsed: the caller parses it."""
    if path.startswith("<") or not path.endswith(".py"):
        return None
    path = os.path.abspath(path)
    cached = _parsed.get(path)
    if cached is None or cached[1] is None:
        return None  # not parsed yet: the caller parses it (and keeps it, see keep_checked_tree)
    parsed = load(path)  # (checks the stamp)
    return parsed.tree if parsed is not None and parsed.source == source else None


def keep_checked_tree(path: str, source: str, tree: cst.Module) -> None:
    """Keep the tree just parsed for a checked file, when ``source`` is its text on disk, for the
    analyses later in this process that import it or run it as a driver: each file is parsed
    once per process whichever comes first (in numpy, 46 files were parsed twice without this)."""
    if path.startswith("<") or not path.endswith(".py") or overlay_text(path) is not None:
        return
    if _parsed_chars + len(source) > MAX_PARSED_CHARS:
        # a long run, the cache full: memory first (a tree kept here is a whole one, where _parse
        # keeps them compact; one process over 1,644 files of scikit-learn and scipy peaked at
        # 910 MB when every checked tree was kept, 811 MB with this test, before trees were compact)
        return
    path = os.path.abspath(path)
    stamp = _stamp(path)  # before the read: a file changed after it is read again when loaded
    if stamp is None or path in _parsed:
        return
    read = _read_source(path, stamp[0])
    if read is not None and read[1] == source:
        parsed = ParsedModule(path, source, tree, hashlib.sha256(read[0]).hexdigest())
        parsed.unstored = True  # stored once something imports it (most checked files nothing does)
        _remember(path, stamp, parsed)


def _read_and_parse(path: str, size: int) -> Optional[ParsedModule]:
    read = _read_source(path, size)
    return _parse(path, read[1], read[0]) if read is not None else None


def _read_source(path: str, size: int) -> Optional[Tuple[bytes, str]]:
    """A module's bytes and text, None when it is too big to be a helper, unreadable or not text."""
    if size > _MAX_MODULE_BYTES:
        return None
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    source = _decode(data)
    return (data, source) if source is not None else None


def _stamp(path: str) -> Optional[Tuple[int, int]]:
    """(size, modification time) of a file now, None if it is gone: is what was read from it current?"""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _parse(path: str, source: str, data: bytes) -> Optional[ParsedModule]:
    if len(data) > _MAX_MODULE_BYTES:
        return None
    from shapelint.analysis.parsing import parse_or_none

    # Kept compact (see parse_or_none) where there is a tree store: the tree a later run loads
    # from it.  A tree kept whole until the cache was full stayed (the modules every file imports
    # are never the least recently used), which cost a run over a distribution 50 MB of its peak.
    tree = parse_or_none(source, compact=True)
    if tree is None:
        return None
    return ParsedModule(path, source, tree, hashlib.sha256(data).hexdigest())


def _decode(data: bytes) -> Optional[str]:
    if b"\0" in data:
        return None
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return None


_digests: Dict[str, Tuple[Tuple[int, int], str]] = {}


def file_digest(path: str) -> Optional[str]:
    """The sha256 of a file's bytes now (None if it cannot be read): is a cached result still valid?"""
    stamp = _stamp(path)
    if stamp is None:
        return None
    hit = _digests.get(path)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    try:
        with open(path, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None
    _digests[path] = (stamp, digest)
    return digest


class ModuleCtx:
    """A module while it is analyzed: its tree and text, positions on demand, its top-level scope."""

    __slots__ = ("path", "display", "source", "tree", "lines", "env", "is_main", "is_focus", "digest",
                 "cells", "_positions")

    def __init__(self, path: str, display: str, source: str, tree: cst.Module, is_main: bool,
                 digest: Optional[str] = None):
        self.path = path  # absolute for project modules; as given for the checked file
        self.display = display  # how messages name it
        self.source = source
        self.tree = tree
        self.lines = source.splitlines()
        self.env = None  # the module's top-level Env, once executed
        self.is_main = is_main
        self.is_focus = False  # the checked module, imported by a driver (see drivers)
        self.digest = digest
        # a notebook's joined cells: (cell, line in cell) of each line, so messages name lines as the user sees them
        self.cells: Optional[Sequence[Tuple[int, int]]] = None
        self._positions = None

    def line_label(self, line: int) -> str:
        """``line 8``, or ``cell 4, line 2`` in a notebook (never a line of the joined cells)."""
        if self.cells and 1 <= line <= len(self.cells):
            cell, in_cell = self.cells[line - 1]
            return f"cell {cell}, line {in_cell}"
        return f"line {line}"

    def positions(self):
        if self._positions is None:
            from shapelint.analysis.positions import StatementPositions

            self._positions = StatementPositions(self.tree, self.source)
        return self._positions
