"""Parsing source text into a libcst tree, for the checked file and the modules it imports."""

from __future__ import annotations

from typing import Any, Optional

import libcst as cst

# Where trees parsed in earlier runs are kept (shapelint.cache.TreeStore), or None: set by the
# runner for each file it checks (a worker process has no other way to know the cache folder).
_trees: Any = None


def use_tree_store(store: Any) -> None:
    global _trees
    _trees = store


def parse_or_none(source: str, compact: bool = False) -> Optional[cst.Module]:
    """The tree, or None when the text cannot be parsed (a syntax error, nesting too deep).

    An imported module is measured like a checked file first: libcst's parser
    crashes the process on deep enough nesting (see ``precheck``).  A long text is parsed in
    pieces, each measured (``parse_long_text``: a fraction of the peak memory).  A text parsed by an
    earlier run is taken from the tree store (only trees that passed that measure are kept).
    ``compact``: a tree just parsed is given back as the store will give it to a later run
    (``TreeStore.keep``: its bodies pickled until read, its tokens shared), a third of the
    memory, for about a tenth more CPU where its bodies are read (150 scikit-learn files:
    112 MB against 163 MB held, 48 s against 43 s).
    """
    from shapelint.source.reparse import parse_measured

    store = _trees
    key = store.key(source) if store is not None else ""
    if store is not None:
        tree = store.get(key)
        if isinstance(tree, cst.Module):
            return tree
    try:
        tree = parse_measured(source)
    except (cst.ParserSyntaxError, RecursionError, MemoryError, ValueError):
        return None
    if not isinstance(tree, cst.Module):
        return None  # the pre-check refused it
    if store is not None:
        if compact:
            return store.keep(key, tree)
        store.put(key, tree)
    return tree


def store_tree(source: str, tree: cst.Module) -> None:
    """Put a tree parsed without the store (a checked file's) into it, for later processes."""
    if _trees is not None:
        _trees.put(_trees.key(source), tree)
