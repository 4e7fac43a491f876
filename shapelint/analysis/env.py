"""Scopes (name -> abstract value) and how a block of statements ended."""

from __future__ import annotations

import threading
from typing import Callable, Dict, List, Optional, Tuple

from shapelint.algebra.dims import Sym
from shapelint.analysis.values import (
    UNKNOWN,
    ArrayVal,
    DictVal,
    InstanceVal,
    IntVal,
    LazyImport,
    SeqVal,
    TupleVal,
    Val,
    fork,
)

# the values that can carry a size (what unify's substitute_value may rebuild or update)
HOLDS_SIZES = (ArrayVal, IntVal, TupleVal, SeqVal, DictVal, InstanceVal)


# What reads an imported name the first time (``LazyImport``): the analysis running in this
# thread (see ``resolving_imports``).
_analysis = threading.local()


class resolving_imports:
    """``with resolving_imports(resolve):`` an analysis reads the names its imports bound with
    ``resolve`` (nested analyses get theirs, and give the outer one back)."""

    def __init__(self, resolve: Callable[[LazyImport], Val]):
        self.resolve = resolve
        self.outer: Optional[Callable[[LazyImport], Val]] = None

    def __enter__(self) -> None:
        self.outer = getattr(_analysis, "resolve", None)
        _analysis.resolve = self.resolve

    def __exit__(self, *exc) -> None:
        _analysis.resolve = self.outer


class Vars(dict):
    """A scope's names, and which of them hold values that can carry a size.

    Binding a shape variable rewrites every value that mentions it, in every enclosing
    scope; a module's scope is mostly functions, which carry none.  Keeping the others
    apart as they are written makes a binding cost what the sizes in scope cost, not the
    size of the module (rescanning the scope at every binding made n functions cost n^2).

    A name an import bound (``LazyImport``) becomes its value when it is first read by name
    (``get``, ``[]``): iterating the values gives them as they are.
    """

    __slots__ = ("sized",)

    def get(self, key, default=None):
        value = dict.get(self, key, default)
        if type(value) is LazyImport:
            value = self._resolve(key, value)
        return value

    def __getitem__(self, key):
        value = dict.__getitem__(self, key)
        if type(value) is LazyImport:
            value = self._resolve(key, value)
        return value

    def _resolve(self, key, lazy: LazyImport) -> Val:
        resolve = getattr(_analysis, "resolve", None)
        if resolve is None:
            return UNKNOWN  # read outside an analysis (a summary being written): left as it is
        value = resolve(lazy)
        if dict.get(self, key) is lazy:
            self[key] = value
        return value

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sized = {k for k, v in self.items() if isinstance(v, HOLDS_SIZES)}

    def copy(self) -> "Vars":
        """The same names and values (raw: an unread import stays unread), without sorting the
        values out again (a branch copies its function's scope at every `if`)."""
        new = Vars.__new__(Vars)
        dict.update(new, self)
        new.sized = set(self.sized)
        return new

    def __setitem__(self, key, value):
        dict.__setitem__(self, key, value)
        if isinstance(value, HOLDS_SIZES):
            self.sized.add(key)
        else:
            self.sized.discard(key)

    def __delitem__(self, key):
        dict.__delitem__(self, key)
        self.sized.discard(key)

    def pop(self, key, *default):
        self.sized.discard(key)
        return dict.pop(self, key, *default)

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args, **kwargs):
        for k, v in dict(*args, **kwargs).items():
            self[k] = v

    def clear(self):
        dict.clear(self)
        self.sized.clear()

    def popitem(self):
        key, value = dict.popitem(self)
        self.sized.discard(key)
        return key, value


class Env:
    """Names of one scope.  Reads fall through to the enclosing scope."""

    __slots__ = ("vars", "parent", "text_dims", "views")

    def __init__(self, parent: Optional["Env"] = None):
        self.vars: Dict[str, Val] = Vars()
        self.parent = parent
        # values a branch sees through a size it binds (`if n == 1:`): name -> (value outside,
        # value inside); where the branch leaves them as they were, they mean the value outside
        self.views: Dict[str, Tuple[Val, Val]] = {}
        # Sizes made up for expressions we cannot evaluate, keyed by their
        # source text, so that `np.zeros((n_h, 1))` twice agrees with itself.
        self.text_dims: Dict[str, Sym] = {}

    def get(self, name: str) -> Optional[Val]:
        env: Optional[Env] = self
        while env is not None:
            v = env.vars.get(name)
            if v is not None:
                return v
            env = env.parent
        return None

    def fork(self) -> "Env":
        """A copy whose dicts and objects are copies too: writes into it leave no trace here."""
        e = Env(self.parent)
        memo: dict = {}
        e.vars = Vars((k, fork(v, memo)) for k, v in self.vars.items())
        e.text_dims = self.text_dims
        return e

    def copy(self) -> "Env":
        e = Env(self.parent)
        e.vars = self.vars.copy() if isinstance(self.vars, Vars) else Vars(self.vars)
        e.text_dims = self.text_dims
        e.views = dict(self.views)
        return e

    def sized_keys(self) -> List[str]:
        """The names whose values can carry a size (see ``Vars``)."""
        if isinstance(self.vars, Vars):
            return list(self.vars.sized)
        return [k for k, v in self.vars.items() if isinstance(v, HOLDS_SIZES)]

    def outside_value(self, name: str) -> Optional[Val]:
        v = self.vars.get(name)
        view = self.views.get(name)
        return view[0] if view is not None and v is view[1] else v


class Flow:
    """How a block ended: did every path leave it (return/raise/break/continue)?"""

    __slots__ = ("terminated",)

    def __init__(self, terminated: bool = False):
        self.terminated = terminated
