"""An import hook that checks the docstring/annotation contracts of a package.

``ContractFinder`` sits first on ``sys.meta_path``.  For a module it should
check (by package name, or because its file lies under one of the given
directories) it asks the finders after it for the real spec and swaps in an
``InstrumentingLoader``, which runs the real loader's ``exec_module`` and then
wraps the functions and methods the module defined
(``instrument.instrument_module``).  Before executing it puts the real loader
back on the spec and the module, so ``inspect.getsource``, ``reload`` and
``importlib.resources`` see no difference.  Other modules are not touched:
the finder returns None and the import proceeds as if it were not there.

Never instrumented: shapelint itself, anything under ``site-packages`` /
``dist-packages`` (unless named as a package), extension modules.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import os
import sys
import threading
import types
from typing import Dict, Iterable, Iterator, Optional, Sequence

from shapelint.runtime import contracts
from shapelint.runtime.instrument import instrument_module

__all__ = [
    "ContractFinder",
    "InstrumentingLoader",
    "install",
    "uninstall",
    "checking",
]

_NEVER = ("shapelint",)
_THIRD_PARTY_DIRS = ("site-packages", "dist-packages")


def _in_package(name: str, packages: Iterable[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


class InstrumentingLoader(importlib.abc.Loader):
    """Delegates to the real loader; instruments the module after it runs."""

    def __init__(self, inner):
        self._inner = inner

    def create_module(self, spec):
        create = getattr(self._inner, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module: types.ModuleType) -> None:
        spec = getattr(module, "__spec__", None)
        if spec is not None and spec.loader is self:
            spec.loader = self._inner
        if getattr(module, "__loader__", None) is self:
            module.__loader__ = self._inner
        self._inner.exec_module(module)
        instrument_module(module)

    def __getattr__(self, name):  # get_source, is_package, get_resource_reader...
        return getattr(self._inner, name)


class ContractFinder(importlib.abc.MetaPathFinder):
    """Finds nothing itself; marks the modules to instrument."""

    def __init__(self, packages: Sequence[str] = (), roots: Sequence[str] = ()):
        self.packages = tuple(p for p in packages if p)
        self.roots = tuple(os.path.realpath(r) for r in roots)
        # top-level name -> is it under a root?  Spares re-finding numpy.* etc.
        self._top_level: Dict[str, bool] = {}
        self._busy = threading.local()

    # -- which modules ------------------------------------------------------------
    def wants_name(self, fullname: str) -> bool:
        return not _in_package(fullname, _NEVER) and _in_package(fullname, self.packages)

    def wants_path(self, path: Optional[str]) -> bool:
        if not path or not self.roots or not path.endswith(".py"):
            return False
        real = os.path.realpath(path)
        parts = real.split(os.sep)
        if any(d in parts for d in _THIRD_PARTY_DIRS):
            return False
        return any(real == r or real.startswith(r + os.sep) for r in self.roots)

    def wants_module(self, module: types.ModuleType) -> bool:
        name = getattr(module, "__name__", "")
        if _in_package(name, _NEVER) or name == "__main__":
            return False
        return self.wants_name(name) or self.wants_path(getattr(module, "__file__", None))

    # -- MetaPathFinder --------------------------------------------------------------
    def find_spec(self, fullname, path=None, target=None):
        if _in_package(fullname, _NEVER):
            return None
        by_name = self.wants_name(fullname)
        top = fullname.partition(".")[0]
        if not by_name and (not self.roots or self._top_level.get(top) is False):
            return None
        busy = self._busy.__dict__.setdefault("names", set())
        if fullname in busy:
            return None
        busy.add(fullname)
        try:
            spec = self._find_elsewhere(fullname, path, target)
        finally:
            busy.discard(fullname)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return None
        if not by_name:
            inside = self.wants_path(spec.origin)
            if fullname == top:
                self._top_level[top] = inside or bool(spec.submodule_search_locations and any(
                    self.wants_path(os.path.join(loc, "__init__.py"))
                    for loc in spec.submodule_search_locations))
            if not inside:
                return None
        spec.loader = InstrumentingLoader(spec.loader)
        return spec

    def _find_elsewhere(self, fullname, path, target):
        try:
            start = sys.meta_path.index(self) + 1
        except ValueError:
            return None
        for finder in sys.meta_path[start:]:
            find_spec = getattr(finder, "find_spec", None)
            if find_spec is None:
                continue
            spec = find_spec(fullname, path, target)
            if spec is not None:
                return spec
        return None


def install(packages: Sequence[str] = (), roots: Sequence[str] = (),
            instrument_loaded: bool = True) -> ContractFinder:
    """Put a ``ContractFinder`` first on ``sys.meta_path``.

    With ``instrument_loaded``, modules already imported that it would have
    instrumented are instrumented now (references other modules took before
    this call still point at the unwrapped functions).
    """
    finder = ContractFinder(packages, roots)
    sys.meta_path.insert(0, finder)
    if instrument_loaded:
        for module in list(sys.modules.values()):
            if isinstance(module, types.ModuleType) and finder.wants_module(module):
                instrument_module(module)
    return finder


def uninstall(finder: ContractFinder) -> None:
    """Remove the finder (modules already instrumented stay so)."""
    with contextlib.suppress(ValueError):
        sys.meta_path.remove(finder)


@contextlib.contextmanager
def checking(packages: Sequence[str] = (), roots: Sequence[str] = (),
             mode: str = contracts.RAISE) -> Iterator[ContractFinder]:
    """Check contracts of the given packages / directories inside the block."""
    saved = (contracts.STATE.enabled, contracts.STATE.mode)
    contracts.enable(mode)
    finder = install(packages, roots)
    try:
        yield finder
    finally:
        uninstall(finder)
        contracts.STATE.enabled, contracts.STATE.mode = saved

