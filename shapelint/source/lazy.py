"""Function bodies loaded when first read, for trees taken from the tree store.

Checking one file after an edit loads the stored trees of every module it imports
(54 behind scikit-learn's ``_ridge.py``, 291,000 nodes), though the analysis reads
the bodies of few of their functions: only those a call reaches.  A stored tree
therefore keeps each function's body as its own pickle, and a function node taken
from the store is a ``LazyFunctionDef``: a ``libcst.FunctionDef`` whose ``body`` is
unpickled on first read and kept from then on.  Everything else about the node
(name, parameters, decorators, whitespace) is there from the start.

The class is named ``FunctionDef``, as libcst's visitors and our statement dispatch
find a node's handler by its class name (``visit_FunctionDef``).
"""

from __future__ import annotations

import pickle
from typing import Any

import libcst as cst

_BODY = cst.FunctionDef.__dict__["body"]  # the slot that holds a loaded body (the nodes are frozen)
_FIELDS = tuple(name for name in cst.FunctionDef.__slots__ if name != "body")
_SETTERS = tuple(cst.FunctionDef.__dict__[name].__set__ for name in _FIELDS)

# How many bodies were loaded in this process: positions.StatementPositions looks again for
# the statements of bodies loaded since it last looked.
loaded_bodies = 0


class LazyFunctionDef(cst.FunctionDef):
    __slots__ = ("_stored_body",)

    @property  # type: ignore[override]
    def body(self) -> cst.BaseSuite:
        try:
            return _BODY.__get__(self, type(self))
        except AttributeError:
            pass
        global loaded_bodies
        body = pickle.loads(self._stored_body)
        _BODY.__set__(self, body)
        LazyFunctionDef._stored_body.__delete__(self)  # type: ignore[attr-defined]
        loaded_bodies += 1
        return body

    @body.setter
    def body(self, value: cst.BaseSuite) -> None:  # dataclasses' __init__ (``with_changes``) sets it
        _BODY.__set__(self, value)


LazyFunctionDef.__name__ = LazyFunctionDef.__qualname__ = "FunctionDef"


def body_loaded(node: cst.CSTNode) -> bool:
    """Is this node's body in memory (always, for a node not taken from the store)?"""
    if type(node) is not LazyFunctionDef:
        return True
    try:
        _BODY.__get__(node, LazyFunctionDef)
        return True
    except AttributeError:
        return False


def stored_body(node: cst.FunctionDef) -> Any:
    """The pickled body of a function not loaded yet, else None (pickle it from the node)."""
    if type(node) is LazyFunctionDef and not body_loaded(node):
        return node._stored_body  # type: ignore[attr-defined]
    return None


def function_fields(node: cst.FunctionDef) -> tuple:
    """The node's fields other than its body, in the order ``rebuild_function_def`` takes them."""
    return tuple(getattr(node, name) for name in _FIELDS)


def rebuild_function_def(stored: bytes, *values: Any) -> LazyFunctionDef:
    """A function node from the store (pickle calls this): its fields, and its body still pickled."""
    node = object.__new__(LazyFunctionDef)
    for set_field, value in zip(_SETTERS, values):
        set_field(node, value)
    LazyFunctionDef._stored_body.__set__(node, stored)  # type: ignore[attr-defined]
    return node
