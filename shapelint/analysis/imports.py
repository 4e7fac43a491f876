"""Import statements: project modules are executed and their names bound; libraries stay qualified names.

A module of the project (a sibling helper, a package of the project, see
``modules``) is executed once per analysis, at its first import, in *library
mode*: its top-level code runs (so its functions, classes and constants are
known), its functions are analyzed only where the checked code calls them,
and nothing inside it is reported unless a call from the checked file makes it
fail.  Everything else (NumPy included) is bound to its qualified name.
"""

from __future__ import annotations

import os
from typing import Optional

import libcst as cst

from shapelint.algebra import api
from shapelint.analysis import modules
from shapelint.analysis.env import Env
from shapelint.analysis.implicit import IMPLICIT_NAMES, implicit_numpy_names
from shapelint.analysis.modules import ModuleCtx
from shapelint.analysis.syntax import dotted, name_of
from shapelint.analysis.values import UNKNOWN, ModuleVal, QualVal, StrVal, TupleVal, Val


class ImportsMixin:
    def stmt_import(self, node: cst.Import, env: Env) -> None:
        for alias in node.names:
            full = dotted(alias.name)
            if alias.asname is not None:
                ctx = self.import_module(full, 0)
                env.vars[name_of(alias.asname.name)] = ModuleVal(ctx) if ctx is not None else QualVal(full)
            else:
                top = full.split(".")[0]
                ctx = self.import_module(top, 0)
                if ctx is not None and top != full:
                    self.import_module(full, 0)  # `import pkg.sub` runs the submodule too
                env.vars[top] = ModuleVal(ctx) if ctx is not None else QualVal(top)

    def import_from(self, node: cst.ImportFrom, env: Env) -> None:
        level = len(node.relative)
        mod = dotted(node.module) if node.module is not None else ""
        target = self.import_module(mod, level) if (mod or level) else None
        if target is not None:
            self.bind_from_module(node, target, env)
            return
        if level:
            if not isinstance(node.names, cst.ImportStar):
                for alias in node.names:
                    env.vars[name_of(alias.asname.name if alias.asname else alias.name)] = UNKNOWN
            return
        if isinstance(node.names, cst.ImportStar):
            if mod == "numpy":
                for q in api.API:
                    if q.count(".") == 1:
                        env.vars[q.split(".")[1]] = QualVal(q)
                env.vars["random"] = QualVal("numpy.random")
                env.vars["newaxis"] = QualVal("numpy.newaxis")
            return
        for alias in node.names:
            local = name_of(alias.asname.name) if alias.asname else dotted(alias.name)
            env.vars[local] = QualVal(f"{mod}.{dotted(alias.name)}")

    def bind_from_module(self, node: cst.ImportFrom, target: ModuleCtx, env: Env) -> None:
        names = target.env.vars if target.env is not None else {}
        if isinstance(node.names, cst.ImportStar):
            for name in _public_names(names):
                env.vars[name] = names[name]
            # a package's __all__ may name submodules it never imported: `import *` imports them
            for name in _declared_names(names):
                if name not in names:
                    sub = self.submodule(target, name)
                    if sub is not None:
                        env.vars[name] = ModuleVal(sub)
            return
        for alias in node.names:
            name = dotted(alias.name)
            local = name_of(alias.asname.name) if alias.asname else name
            value = names.get(name)
            if value is None:
                sub = self.submodule(target, name)
                value = ModuleVal(sub) if sub is not None else UNKNOWN
            env.vars[local] = value

    def unbound_name(self, name: str) -> Val:
        """A name read where nothing bound it: ``np`` is NumPy when the module never binds it (the
        setting ``implicit-numpy``; see ``implicit``), anything else is unknown.  Asked only then,
        so a file that imports NumPy never pays for the look at its bindings."""
        if not self.implicit_numpy_on or name not in IMPLICIT_NAMES:
            return UNKNOWN
        names = self._implicit_names.get(self.mod.path)
        if names is None:
            names = self._implicit_names[self.mod.path] = implicit_numpy_names(self.mod.source)
        return QualVal("numpy") if name in names else UNKNOWN

    def module_attribute(self, module: ModuleVal, attr: str) -> Val:
        """``du.relu``: a name of the module, or a submodule of a package."""
        env = module.ctx.env
        value = env.vars.get(attr) if env is not None else None
        if value is not None:
            return value
        sub = self.submodule(module.ctx, attr)
        return ModuleVal(sub) if sub is not None else UNKNOWN

    def submodule(self, package: ModuleCtx, name: str) -> Optional[ModuleCtx]:
        if os.path.basename(package.path) != "__init__.py":
            return None
        path = modules.resolve(package.path, name, 1, None)
        return self.load_module(path) if path is not None else None

    def import_module(self, name: str, level: int) -> Optional[ModuleCtx]:
        """The project module an import names, executed at its first import (None if not in the project)."""
        importer = self.mod.path if not self.mod.path.startswith("<") else None
        if importer is None and level:
            return None
        path = modules.resolve(importer, name, level, self.project_root)
        if path is None:
            return None
        return self.load_module(path)

    def load_module(self, path: str) -> Optional[ModuleCtx]:
        ctx = self.modules.get(path)
        if ctx is not None and ctx.env is not None:
            return ctx  # already executed, or being executed (an import cycle): its names so far
        if ctx is None:
            parsed = modules.load(path)
            if parsed is None:
                return None
            ctx = ModuleCtx(path, self.display_path(path), parsed.source, parsed.tree, is_main=False,
                            digest=parsed.digest)
            self.modules[path] = ctx
        env = Env()
        env.vars["__name__"] = StrVal((modules.module_name(path),))
        ctx.env = env
        self.exec_library_module(ctx)
        return ctx

    def exec_library_module(self, ctx: ModuleCtx) -> None:
        saved = (self.mod, self.current_stmt, self.recording, self.call_site, self.call_stack, self.quiet,
                 self.quiet_errors, self.loop_may_skip, self.unrolled, self._returns_stack)
        self.mod, self.current_stmt, self.recording, self.call_site = ctx, None, False, None
        self.call_stack, self.quiet, self.quiet_errors, self.loop_may_skip = [], 0, 0, 0
        self.unrolled, self._returns_stack = 0, []
        try:
            self.exec_block(ctx.tree.body, ctx.env)
        finally:
            (self.mod, self.current_stmt, self.recording, self.call_site, self.call_stack, self.quiet,
             self.quiet_errors, self.loop_may_skip, self.unrolled, self._returns_stack) = saved

    def display_path(self, path: str) -> str:
        """How messages name another module: relative to the checked file's folder where possible."""
        base = self.main.path
        if base.startswith("<"):
            return os.path.basename(path)
        here = os.path.dirname(os.path.abspath(base))
        try:
            rel = os.path.relpath(path, here)
        except ValueError:
            return path
        return rel if not rel.startswith("..") else path


def _declared_names(names: dict) -> list:
    """The names a module's ``__all__`` lists (none when it has no readable ``__all__``)."""
    declared = names.get("__all__")
    if not isinstance(declared, TupleVal):
        return []
    texts = (item.text() if isinstance(item, StrVal) else None for item in declared.items)
    return [t for t in texts if t is not None]


def _public_names(names: dict) -> list:
    if isinstance(names.get("__all__"), TupleVal):
        return [n for n in _declared_names(names) if n in names]
    return [n for n in names if not n.startswith("_")]
