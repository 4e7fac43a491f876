"""Import statements: project modules are executed and their names bound; libraries stay qualified names.

A module of the project (a sibling helper, a package of the project, see
``modules``) is executed once per analysis, in *library mode*: its top-level
code runs (so its functions, classes and constants are known), its functions
are analyzed only where the checked code calls them, and nothing inside it is
reported unless a call from the checked file makes it fail.  Everything else
(NumPy included) is bound to its qualified name.

``import module`` and ``from module import *`` run it at the import.  ``from module
import name`` binds ``name`` to a ``LazyImport`` instead, and the module runs when the
name is first read (``env.Vars``, ``resolve_import``): a module none of whose names is read
never runs, nor does what it imports.  Running later than Python would changes nothing
the analysis sees, since a module's top level does not depend on who imports it (the
modules that do depend on the checked file are not shared, see ``note_import``); what a
module depends on is what its top level read while it ran.
"""

from __future__ import annotations

import os
from typing import List, Optional, Tuple

import libcst as cst

from shapelint.algebra import api
from shapelint.analysis import modules, shared_modules
from shapelint.analysis.env import Env
from shapelint.analysis.implicit import IMPLICIT_NAMES, implicit_numpy_names
from shapelint.analysis.modules import ModuleCtx, file_digest
from shapelint.analysis.shared_modules import ModuleSummary
from shapelint.analysis.syntax import dotted, name_of
from shapelint.analysis.values import UNKNOWN, LazyImport, ModuleVal, QualVal, StrVal, TupleVal, Val
from shapelint.source.paths import relative_below


class _Executing:
    """A project module whose top level is being executed, and what it imports."""

    __slots__ = ("path", "index", "deps", "shared", "low", "unit")

    def __init__(self, path: str, index: int):
        self.path = path
        self.index = index  # its place in the stack of modules being executed
        self.deps: List[str] = []
        self.shared = True  # False when it is, or depends on, the file a driver checks
        # the lowest place in the stack its imports reach back to: below its own, it is part of
        # an import cycle, which is shared as one unit once the cycle's first module is done
        self.low = index
        self.unit: List[Tuple[ModuleCtx, List[str], list, list, list, int]] = []  # the finished modules of its unit


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
        path = self.module_path(mod, level) if (mod or level) else None
        if path is not None and not isinstance(node.names, cst.ImportStar):
            # The module runs when one of these names is first read, if ever: a file that imports
            # a package's names (scikit-learn's `from ..utils import ...`) runs only the modules
            # that define the names it uses, not everything they import in turn.
            for alias in node.names:
                name = dotted(alias.name)
                local = name_of(alias.asname.name) if alias.asname else name
                fallback = UNKNOWN if level else QualVal(f"{mod}.{name}")
                env.vars[local] = LazyImport(path, name, fallback)
            return
        if path is not None and level and self.bind_star_lazily(path, env):
            return
        target = self.load_module(path) if path is not None else None
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

    def bind_star_lazily(self, path: str, env: Env) -> bool:
        """``from .module import *``: the names its text says it binds, each run when first read
        like any imported name (see import_from).  A package's ``__init__`` that gathers its
        submodules' names this way (scipy's ``interpolate``: fourteen of them) runs only those
        whose names are read.  False when its text cannot tell (``__all__`` computed): it runs now.
        (Relative imports only: a course's ``from testCases import *`` runs at the import, as before.)"""
        found = modules.star_names(path, self.project_root)
        if found is None:
            return False
        names, files = found
        for name in names:
            env.vars[name] = LazyImport(path, name, UNKNOWN)
        for read in files:
            self.result.dependencies.setdefault(read, file_digest(read) or "")
        return True

    def bind_from_module(self, node: cst.ImportFrom, target: ModuleCtx, env: Env) -> None:
        names = target.env.vars if target.env is not None else {}
        if isinstance(node.names, cst.ImportStar):
            for name in _public_names(names):
                env.vars[name] = dict.__getitem__(names, name)  # (a name it imported stays unread: see import_from)
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
        path = self.module_path(name, level)
        return self.load_module(path) if path is not None else None

    def module_path(self, name: str, level: int) -> Optional[str]:
        """The file of the project module an import in the current module names (None if not in the project)."""
        importer = self.mod.path if not self.mod.path.startswith("<") else None
        if importer is None and level:
            return None
        return modules.resolve(importer, name, level, self.project_root)

    def resolve_import(self, lazy: LazyImport) -> Val:
        """What a name an import bound is (see ``import_from``): its module runs now (or its
        summary is installed), as at the import; a name it does not bind is a submodule of a
        package, or unknown."""
        key = (lazy.path, lazy.name)
        if key in self._resolving:
            return UNKNOWN  # (an import cycle of names: `a` is b's `a`, which is a's `a`...)
        self._resolving.add(key)
        try:
            target = self.load_module(lazy.path)
            if target is None:
                return lazy.fallback
            value = target.env.vars.get(lazy.name) if target.env is not None else None
            if value is None:
                sub = self.submodule(target, lazy.name)
                value = ModuleVal(sub) if sub is not None else UNKNOWN
            return value
        finally:
            self._resolving.discard(key)

    def load_module(self, path: str) -> Optional[ModuleCtx]:
        self.note_import(path)
        ctx = self.modules.get(path)
        if ctx is not None and ctx.env is not None:
            return ctx  # already executed, or being executed (an import cycle): its names so far
        summary = self.shared_summary(path)
        if summary is not None:
            self.install_summary(summary)
            return summary.ctx
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
        clock = shared_modules.import_clock if not self._executing else None
        if clock is not None:
            clock("pause")
        try:
            self.exec_library_module(ctx)
        finally:
            if clock is not None:
                clock("resume")
        return ctx

    # -- modules shared between the analyses of one process (see shared_modules) ---------------

    def note_import(self, path: str) -> None:
        """The module being executed imports ``path``: a dependency of its summary.  A module that
        imports the file a driver drives makes every module being executed depend on what this
        analysis checks: none of them is shared.  One that imports a module still being executed closes
        an import cycle: the modules between are one unit."""
        if not self._executing:
            return
        top = self._executing[-1]
        top.deps.append(path)
        if self.is_checked_file(path):
            for frame in self._executing:
                frame.shared = False
            return
        for frame in self._executing:
            if frame.path == path:
                top.low = min(top.low, frame.index)
                break

    def is_checked_file(self, path: str) -> bool:
        """Is ``path`` the file a driver's run checks (see drivers)?  Its functions report what fails
        in them, so the modules that import it are this run's own.  (The checked file itself,
        imported by a module it imports, is an ordinary module, as Python runs it: ``__main__``
        is not the module ``import`` gives.)"""
        return self.focus is not None and path == self.focus.path

    def shared_summary(self, path: str) -> Optional[ModuleSummary]:
        if self.is_checked_file(path):
            return None
        summary = shared_modules.STORE.get(path, self.summary_settings)
        if summary is None or not summary.valid(self._summary_checks):
            return None
        return summary

    def install_summary(self, summary: ModuleSummary) -> None:
        """Use a module another analysis executed, and the modules it imported, as it left them."""
        path = summary.ctx.path
        self.modules[path] = summary.ctx
        summary.restore_into(self._restored)
        self.stmt_of.update(summary.stmt_of)
        if summary.seeded:
            self.seeded.add(path)
        self.solver.adopt(summary.apart, summary.bound)
        self.charge_imports(summary.calls)
        for dep in summary.deps:
            if dep.ctx.path not in self.modules:
                self.install_summary(dep)

    def charge_imports(self, calls: int) -> None:
        """The calls an imported module's top level analyzed count against the checked file's budget
        (``MAX_INSTANTIATIONS``) whether the module ran here or was installed: the same, either way,
        whatever the process checked before."""
        self._import_calls += calls
        if not self._executing:
            self.instantiations += self._import_calls
            self._import_calls = 0

    def exec_library_module(self, ctx: ModuleCtx) -> None:
        saved = (self.mod, self.current_stmt, self.recording, self.call_site, self.frames, self.quiet,
                 self.quiet_errors, self.loop_may_skip, self.undecided, self.unrolled,
                 self.call_chain, self.instantiations, self.stmt_of)
        self.mod, self.current_stmt, self.recording, self.call_site = ctx, None, False, None
        self.frames, self.quiet, self.quiet_errors, self.loop_may_skip, self.undecided = [], 0, 0, 0, 0
        self.unrolled, self.call_chain = 0, []
        # What the module's top level makes is the module's own: its calls have their own budget
        # (charged to the checked file's below, see charge_imports), and what it notes is kept apart
        # to go into its summary (then merged back below).
        self.instantiations, self.stmt_of = 0, {}
        solver_saved = self.solver.open_module()
        frame = _Executing(ctx.path, len(self._executing))
        # The file a driver checks runs with its findings reported (``is_focus``): this run's own,
        # never shared, or a later file importing it would report its failures at its lines.
        frame.shared = not self.is_checked_file(ctx.path)
        self._executing.append(frame)
        bound_mark = self.solver.mark()
        try:
            self.exec_block(ctx.tree.body, ctx.env)
        finally:
            self._executing.pop()
            noted, calls = self.stmt_of, self.instantiations
            (self.mod, self.current_stmt, self.recording, self.call_site, self.frames, self.quiet,
             self.quiet_errors, self.loop_may_skip, self.undecided, self.unrolled,
             self.call_chain, self.instantiations, self.stmt_of) = saved
            self.stmt_of.update(noted)
            apart = self.solver.close_module(solver_saved)
        self.charge_imports(calls)
        bound = list(self.solver.bound_since(bound_mark).items())
        frame.unit.append((ctx, frame.deps, list(noted.items()), apart, bound, calls))
        if frame.low < frame.index:
            # inside an import cycle that an outer module opened: shared with it when it is done
            parent = self._executing[-1]
            parent.low = min(parent.low, frame.low)
            parent.unit += frame.unit
            parent.shared = parent.shared and frame.shared
        elif frame.shared:
            self.share_unit(frame.unit)

    def share_unit(self, unit: List[Tuple[ModuleCtx, List[str], list, list, list, int]]) -> None:
        """Keep the summaries of a module (or of the modules of an import cycle) for later analyses,
        when every module they import has one."""
        made = {}
        for ctx, _, noted, apart, bound, calls in unit:
            parsed = modules.load(ctx.path)
            if parsed is None or parsed.tree is not ctx.tree:
                return  # the file changed while it was analyzed
            made[ctx.path] = ModuleSummary(ctx, parsed, [], noted, ctx.path in self.seeded, apart, bound, calls)
        for ctx, deps, _, _, _, _ in unit:
            for path in dict.fromkeys(deps):
                dep = made.get(path) or shared_modules.STORE.get(path, self.summary_settings)
                if dep is None or dep.ctx is not self.modules.get(path):
                    return  # it imports a module that is not shared (or could not be read)
                made[ctx.path].deps.append(dep)
        for path, summary in made.items():
            shared_modules.STORE.put(path, self.summary_settings, summary)

    def module_display(self, mod: ModuleCtx) -> str:
        """How messages name a module: an imported one relative to this analysis's checked file
        (a shared module's ``display`` is relative to the file that first imported it)."""
        return mod.display if mod.is_main or mod is self.focus else self.display_path(mod.path)

    def display_path(self, path: str) -> str:
        """How messages name another module: relative to the checked file's folder where it is
        below it, else to the project's root (a sibling package's module from a test folder), else
        to the working folder; absolute only outside all three."""
        base = self.main.path
        if base.startswith("<"):
            return os.path.basename(path)
        for folder in (os.path.dirname(os.path.abspath(base)), self.project_root, os.getcwd()):
            rel = relative_below(path, folder) if folder else None
            if rel is not None:
                return rel
        return path


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
