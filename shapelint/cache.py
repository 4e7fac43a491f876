"""The per-file result cache (``.shapelint_cache/`` in the project root).

An entry is keyed by a hash of: the file's bytes, its path relative to the
project root, the enabled codes and severity overrides for that file, whether
shapes are collected, the ``implicit-numpy`` setting, the shapelint version, and a hash of the source files
of the installed ``shapelint`` package (so editing the analyzer during
development invalidates the cache).

Safe to share and to lose: each entry is written to a temporary file and
moved into place with ``os.replace`` (two runs writing the same entry both
write complete files); an unreadable, corrupt or foreign entry is a miss; a
cache folder that cannot be created or written just turns caching off.

Layout: ``v4/<build>/<ab>/<key>.json`` where ``<build>`` identifies the
shapelint version and sources; the entries of other builds are deleted once
unused for a week (``PRUNE_AFTER_DAYS``).  Delete the folder at any time.

``v4/<build>/trees/`` holds the parsed trees of the project modules that checked
files import (``TreeStore``): a new process (pre-commit, an editor's check of one
edited file) loads the modules behind the file from there instead of parsing them.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import pickle
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, Iterable, Optional

import libcst

from shapelint.source.lazy import LazyFunctionDef, function_fields, rebuild_function_def, stored_body

_FUNCTION_DEF = libcst.FunctionDef
_SIMPLE_WHITESPACE = libcst.SimpleWhitespace
_PLAIN = frozenset({str, bool, type(None)})  # what a token's fields hold besides nodes

FORMAT = 6  # 2: findings carry file_line and related locations; 3: and their checked fix;
# 4: entries carry the unchecked functions and the coverage; 5: related locations carry a role;
# 6: a stored tree keeps each function's body as its own pickle (source.lazy)
DIRNAME = ".shapelint_cache"
# Entries written by another shapelint build (version or sources) are deleted
# once that build has not been used for this long.
PRUNE_AFTER_DAYS = 7

_package_hash: Optional[str] = None


def package_hash() -> str:
    """A hash of the shapelint package's own source files."""
    global _package_hash
    if _package_hash is None:
        import shapelint

        h = hashlib.sha256(shapelint.__version__.encode())
        pkg = Path(shapelint.__file__).resolve().parent
        for f in sorted(pkg.rglob("*.py")):
            try:
                h.update(f.relative_to(pkg).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
            except OSError:
                continue
        _package_hash = h.hexdigest()
    return _package_hash


class Cache:
    """Picklable (it travels to the worker processes)."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.salt = f"{FORMAT}:{package_hash()}"
        self.writable = True
        self._prepared = False

    def key(self, data: bytes, rel_path: str, codes: Iterable[str], severity: Dict[str, str],
            collect_shapes: bool, implicit_numpy: bool = True) -> str:
        h = hashlib.sha256()
        meta = json.dumps([self.salt, rel_path, sorted(codes), sorted(severity.items()), collect_shapes,
                           implicit_numpy])
        h.update(meta.encode("utf-8", "surrogateescape"))
        h.update(b"\0")
        h.update(data)
        return h.hexdigest()

    @property
    def generation(self) -> Path:
        """Entries of this shapelint build (version + sources) live together, so old builds' entries can go."""
        return self.directory / f"v{FORMAT}" / package_hash()[:16]

    def _entry(self, key: str) -> Path:
        return self.generation / key[:2] / f"{key}.json"

    def trees(self) -> Optional["TreeStore"]:
        """Where parsed modules are kept (None when no key can be kept for them, see TreeStore)."""
        if not self.writable:
            return None
        secret = _tree_secret()
        return TreeStore(self.generation / "trees", secret) if secret is not None else None

    def get(self, key: str) -> Optional[Dict[str, Any]]:
        try:
            with open(self._entry(key), "rb") as fh:
                entry = json.loads(fh.read())
        except (OSError, ValueError, RecursionError):
            return None
        if not isinstance(entry, dict) or entry.get("key") != key or not isinstance(entry.get("result"), dict):
            return None
        return entry["result"]

    def _prepare(self) -> None:
        """Create the folder, marked as a cache (CACHEDIR.TAG) and ignored by git; prune old builds."""
        self._prepared = True
        self.directory.mkdir(parents=True, exist_ok=True)
        for name, text in ((".gitignore", "# Created by shapelint.\n*\n"),
                           ("CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n"
                                            "# This file is a cache directory tag created by shapelint.\n")):
            if not (self.directory / name).exists():
                atomic_write(self.directory / name, text.encode())
        self.generation.mkdir(parents=True, exist_ok=True)
        os.utime(self.generation)  # in use: keeps it from being pruned by another build
        self.prune()

    def prune(self, max_age_days: float = PRUNE_AFTER_DAYS) -> None:
        """Delete the entries of other shapelint builds unused for ``max_age_days``.

        Concurrent runs are safe: a run whose entries vanish just misses.
        """
        cutoff = time.time() - max_age_days * 86400
        try:
            generations = list((self.directory / f"v{FORMAT}").iterdir())
        except OSError:
            return
        for gen in generations:
            try:
                if gen != self.generation and gen.is_dir() and gen.stat().st_mtime < cutoff:
                    shutil.rmtree(gen, ignore_errors=True)
            except OSError:
                continue

    def put(self, key: str, result: Dict[str, Any]) -> None:
        if not self.writable:
            return
        try:
            if not self._prepared:
                self._prepare()
            path = self._entry(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, json.dumps({"key": key, "result": result}, separators=(",", ":")).encode())
        except (OSError, ValueError, TypeError):
            # Read-only, full, or gone: run on without a cache.
            self.writable = False


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: Path, data: bytes, shared: bool = False, mode: Optional[int] = None) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old or the new file, never a part.

    shared: give the file the usual permissions (0666 less the umask) rather
    than the temporary file's 0600, for files that users keep (the baseline).
    mode: these permissions instead (a fixed source file keeps its own).
    """
    fd, tmp = tempfile.mkstemp(dir=str(path.parent), prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if hasattr(os, "fchmod"):
                if mode is not None:
                    os.fchmod(fh.fileno(), mode)
                elif shared:
                    os.fchmod(fh.fileno(), 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class TreeStore:
    """Parsed trees of imported modules, by the text they were parsed from.

    A tree is pickled, and unpickling runs code named in the file: a cache folder is
    inside the project, where anyone who can commit to it could put a file.  So each
    entry is signed with a key kept outside every project, in the user's own cache
    folder (``$XDG_CACHE_HOME/shapelint/tree-key``, else ``~/.cache``); an entry whose
    signature does not match (or any unreadable one) is a miss, never loaded.
    Entries are written atomically, like the results.
    """

    def __init__(self, directory: Path, secret: bytes):
        self.directory = directory
        self.secret = secret
        self.writable = True

    def key(self, source: str) -> str:
        """What an entry is found by: the text, and the libcst that parsed it."""
        h = hashlib.sha256(f"{FORMAT}:{getattr(libcst, '__version__', '?')}\0".encode())
        h.update(source.encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    def get(self, key: str) -> Any:
        try:
            with open(self.directory / key[:2] / f"{key}.tree", "rb") as fh:
                data = fh.read()
        except OSError:
            return None
        tag, payload = data[:32], data[32:]
        if not hmac.compare_digest(tag, hmac.new(self.secret, key.encode() + payload, "sha256").digest()):
            return None
        try:
            return pickle.loads(payload)
        except Exception:  # a truncated or foreign entry: parse instead
            return None

    def put(self, key: str, tree: Any) -> Optional[bytes]:
        """Store the tree; its pickle, or None when it could not be stored."""
        if not self.writable:
            return None
        try:
            payload = dump_tree(tree)
        except (RecursionError, pickle.PicklingError, TypeError, ValueError):
            return None  # a tree pickle cannot take (nested too deep for it): the others still can
        try:
            path = self.directory / key[:2] / f"{key}.tree"
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, hmac.new(self.secret, key.encode() + payload, "sha256").digest() + payload)
        except (OSError, ValueError):
            self.writable = False  # read-only, full, or gone: run on without
            return None
        return payload

    def keep(self, key: str, tree: Any) -> Any:
        """Store a tree just parsed, and give it back as a later run loads it: its functions'
        bodies pickled until first read (source.lazy).  The pickle is made to store it anyway,
        and the bodies nobody reads take a fraction of the memory as pickles (scikit-learn's
        ``validation.py``: 1.6 MB of nodes, 0.45 MB so, its tokens shared)."""
        payload = self.put(key, tree)
        if payload is None:
            return tree
        try:
            return pickle.loads(payload)
        except Exception:  # the pickle just made: never expected, and the tree is still here
            return tree


# -- how a tree is pickled ---------------------------------------------------------
#
# libcst's nodes pickle through a ``__getstate__``/``__setstate__`` pair that asks
# ``dataclasses.fields`` for every node and builds a dict per node.  Here a node is pickled as
# a call of a function made for its class (``_cst_<Class>``, made on first use and found by
# pickle as a name of this module) with its fields' values in order: loading the 137 trees
# behind scikit-learn's _ridge.py took 0.48 s instead of 1.10 s, and the entries are 45 %
# smaller (the trees of libcst 1.x; entries are keyed by the libcst version, see TreeStore.key).

_NODE_CODECS: Dict[type, tuple] = {}  # node class -> (its field names, the function that rebuilds it)
_NODE_CLASSES: Dict[str, type] = {}  # class name -> node class, for the functions' names


def _node_classes() -> Dict[str, type]:
    if not _NODE_CLASSES:
        todo = [libcst.CSTNode]
        seen = set()
        while todo:
            cls = todo.pop()
            for sub in cls.__subclasses__():
                if sub not in seen:
                    seen.add(sub)
                    todo.append(sub)
        names: Dict[str, list] = {}
        for cls in seen:
            # (libcst's decorator that adds slots makes a second class of each: the one its module
            # holds is the one trees are made of)
            if getattr(sys.modules.get(cls.__module__), cls.__name__, None) is cls:
                names.setdefault(cls.__name__, []).append(cls)
        # a name two classes share is left to pickle's own way
        _NODE_CLASSES.update({name: found[0] for name, found in names.items() if len(found) == 1})
    return _NODE_CLASSES


def _node_codec(cls: type) -> Optional[tuple]:
    """The field names of a node class and the function that makes a node from their values
    without running its checks again (they ran when the tree was parsed)."""
    codec = _NODE_CODECS.get(cls)
    if codec is None:
        import dataclasses

        if _node_classes().get(cls.__name__) is not cls:
            return None
        names = tuple(f.name for f in dataclasses.fields(cls))
        setters = [getattr(cls, n).__set__ for n in names]  # the slots' own setters (the nodes are frozen)

        def rebuild(*values: Any, _new=object.__new__, _cls=cls, _setters=setters) -> Any:
            node = _new(_cls)
            for set_field, value in zip(_setters, values):
                set_field(node, value)
            return node

        rebuild.__name__ = rebuild.__qualname__ = f"_cst_{cls.__name__}"
        rebuild.__module__ = __name__
        codec = _NODE_CODECS[cls] = (names, rebuild)
    return codec


def __getattr__(name: str) -> Any:
    """``_cst_<Class>``: the function that rebuilds a node of that class (pickle finds it here)."""
    if name.startswith("_cst_"):
        cls = _node_classes().get(name[len("_cst_"):])
        codec = _node_codec(cls) if cls is not None else None
        if codec is not None:
            globals()[name] = codec[1]  # found without this function from now on (every load asks)
            return codec[1]
    raise AttributeError(name)


# Whitespace, comments, punctuation and operators: two of these nodes with the same content are
# stored as one, which every place that held either shares once loaded (``_same``).  They are
# six in ten of a tree's nodes (827,000 of the 2 million behind 300 files of scipy are
# ``SimpleWhitespace``), nothing asks where one is, and nothing compares them by identity.
_TOKEN_MODULES = ("libcst._nodes.whitespace", "libcst._nodes.op")
_BRACKETS = frozenset({"LeftParen", "RightParen", "LeftSquareBracket", "RightSquareBracket", "LeftCurlyBrace",
                       "RightCurlyBrace"})
_IS_TOKEN: Dict[type, bool] = {}


def _is_token(kind: type) -> bool:
    known = _IS_TOKEN.get(kind)
    if known is None:
        known = _IS_TOKEN[kind] = kind.__module__ in _TOKEN_MODULES or (
            kind.__module__ == "libcst._nodes.expression" and kind.__name__ in _BRACKETS)
    return known


def _same(node: Any) -> Any:
    """A token stored once, where a second place holds it (see ``_is_token``)."""
    return node


class _TreePickler(pickle.Pickler):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tokens: Dict[tuple, Any] = {}  # a token's content -> the first token stored with it
        self._token_keys: Dict[int, tuple] = {}  # id(token) -> its content, asked again for its parts

    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        if kind is _FUNCTION_DEF or kind is LazyFunctionDef:
            # its body its own pickle, loaded when first read (see source.lazy)
            return rebuild_function_def, (stored_body(obj) or dump_tree(obj.body), *function_fields(obj))
        codec = _NODE_CODECS.get(kind)
        if codec is None:
            codec = _node_codec(kind) if isinstance(obj, libcst.CSTNode) else None
            if codec is None:
                return NotImplemented
        if _is_token(kind):
            first = self._tokens.setdefault(self._token_key(obj, codec[0]), obj)
            if first is not obj:
                return _same, (first,)
        return codec[1], tuple([getattr(obj, n) for n in codec[0]])

    def _token_key(self, obj: Any, names: tuple) -> tuple:
        kind = type(obj)
        if kind is _SIMPLE_WHITESPACE:  # four in ten tokens: its one field is its content
            return _SIMPLE_WHITESPACE, obj.value
        key = self._token_keys.get(id(obj))
        if key is None:
            parts: list = [kind]
            for name in names:
                value = getattr(obj, name)
                of = type(value)
                if of is list or of is tuple:
                    value = tuple([self._token_key(v, _node_codec(type(v))[0]) for v in value])
                elif of not in _PLAIN and isinstance(value, libcst.CSTNode):  # (an ABC: a slow check)
                    value = self._token_key(value, _node_codec(of)[0])
                parts.append(value)
            key = self._token_keys[id(obj)] = tuple(parts)
        return key


def dump_tree(tree: Any) -> bytes:
    out = io.BytesIO()
    _TreePickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(tree)
    return out.getvalue()


def _tree_secret() -> Optional[bytes]:
    """The key that signs the tree entries, made on first use (None if it cannot be kept)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "shapelint" / "tree-key"
    try:
        secret = path.read_bytes()
        if len(secret) == 32:
            return secret
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it (or a bad one lies there): use what is there
            secret = path.read_bytes()
            return secret if len(secret) == 32 else None
        with os.fdopen(fd, "wb") as fh:
            fh.write(os.urandom(32))
        secret = path.read_bytes()
        return secret if len(secret) == 32 else None
    except OSError:
        return None
