"""Scopes (name -> abstract value) and how a block of statements ended."""

from __future__ import annotations

from typing import Dict, Optional, Tuple

from shapelint.algebra.dims import Sym
from shapelint.analysis.values import Val, fork


class Env:
    """Names of one scope.  Reads fall through to the enclosing scope."""

    __slots__ = ("vars", "parent", "text_dims", "views")

    def __init__(self, parent: Optional["Env"] = None):
        self.vars: Dict[str, Val] = {}
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
        e.vars = {k: fork(v, memo) for k, v in self.vars.items()}
        e.text_dims = self.text_dims
        return e

    def copy(self) -> "Env":
        e = Env(self.parent)
        e.vars = dict(self.vars)
        e.text_dims = self.text_dims
        e.views = dict(self.views)
        return e

    def outside_value(self, name: str) -> Optional[Val]:
        v = self.vars.get(name)
        view = self.views.get(name)
        return view[0] if view is not None and v is view[1] else v


class Flow:
    """How a block ended: did every path leave it (return/raise/break/continue)?"""

    __slots__ = ("terminated",)

    def __init__(self, terminated: bool = False):
        self.terminated = terminated
