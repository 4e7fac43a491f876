"""Imported project modules, executed once per process and shared by every file checked there.

Checking a file runs the top level of every project module it imports (``imports``),
and of theirs: in a package such as scikit-learn that is hundreds of modules behind
each file.  Executing them again for every checked file made a folder cost the
square of its size, so the first analysis in a process that executes a module keeps
what it left (its *summary*: the module's scope, and what the execution noted
outside it) and every later analysis installs that instead of running the code.

A summary is what the module's own code made: the same for every file that imports
it.  So a module is shared only when its execution did not depend on the file being
checked: it did not import the checked file (or, in a driver's run, the file the
driver drives), and it was not part of an import cycle left half-executed (its names
would be those it had at that moment).  A summary is valid while the parsed text of
the module and of every module it imported is the one it was made from (the parse
cache checks size and modification time, see ``modules.load``).

Analyses write into what they import: ``params["W1"] = ...`` into an imported dict,
a binding of a shape variable into the module's scope.  A summary therefore keeps
the state of the module's scope and of the dicts and objects reachable from it as
its execution left them, and installing it restores that state (once per analysis:
what the importing file then writes is its own business).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from shapelint.analysis import modules
from shapelint.analysis.values import BoundMethodVal, ClassVal, DictVal, InstanceVal, SeqVal, TupleVal, Val

# Told when the first execution of imported modules starts ("pause") and ends ("resume"): the
# runner's per-file time limit is for the file's own analysis, not for running, once per worker,
# the modules a whole project imports (see runner._run_pool).  None outside a worker.
import_clock: Optional[Callable[[str], None]] = None

MAX_SUMMARIES = 4000  # modules kept per process (a worker checks one project; this bounds a long session)
_MAX_DEPTH = 6  # how deep the walk for mutable dicts and objects goes from a module's names


class ModuleSummary:
    """What executing one project module left: its scope, and the analysis facts it noted."""

    __slots__ = ("ctx", "parsed", "deps", "vars", "views", "text_dims", "objects", "stmt_of", "seeded",
                 "apart", "bound", "calls")

    def __init__(self, ctx: Any, parsed: Any, deps: List["ModuleSummary"], stmt_of: List[Tuple[int, Any]],
                 seeded: bool, apart: List[Tuple[frozenset, Any]], bound: List[Tuple[str, Any]], calls: int):
        self.ctx = ctx
        self.parsed = parsed  # the parse it was made from: valid while modules.load gives this one
        self.deps = deps  # the summaries of the project modules it imported
        env = ctx.env
        self.vars = dict(env.vars)
        self.views = dict(env.views)
        self.text_dims = dict(env.text_dims)
        self.objects = _mutable_state(env.vars.values())
        self.stmt_of = stmt_of  # where the nodes it remembered are (see ReportingMixin.remember_stmt)
        self.seeded = seeded  # its top level called np.random.seed (see testdata)
        self.apart = apart  # the pairs of sizes its values keep apart (see unify)
        self.bound = bound  # the shape variables its execution bound (see unify)
        self.calls = calls  # the calls its top level analyzed (see ImportsMixin.charge_imports)

    def valid(self, checked: Dict[str, bool]) -> bool:
        """Is every module it was made from still the text it was made from?"""
        path = self.ctx.path
        hit = checked.get(path)
        if hit is None:
            checked[path] = True  # (an import cycle is not followed twice)
            hit = modules.load(path) is self.parsed and all(d.valid(checked) for d in self.deps)
            checked[path] = hit
        return hit

    def restore_into(self, restored: Set[int]) -> None:
        """Put the module's scope, dicts and objects back as the execution left them; an object
        already restored in this analysis (``restored``) is not touched again."""
        env = self.ctx.env
        env.vars.clear()
        env.vars.update(self.vars)
        env.views = dict(self.views)
        env.text_dims = dict(self.text_dims)
        for obj, state in self.objects:
            if id(obj) in restored:
                continue
            restored.add(id(obj))
            if isinstance(obj, DictVal):
                obj.entries, obj.complete = dict(state[0]), state[1]
            else:  # InstanceVal, ClassVal
                obj.attrs = dict(state)


def _mutable_state(values: Any) -> List[Tuple[Val, Any]]:
    """The dicts, objects and classes reachable from ``values``, each with its state now."""
    found: Dict[int, Tuple[Val, Any]] = {}
    stack: List[Tuple[Any, int]] = [(v, 0) for v in values]
    while stack:
        v, depth = stack.pop()
        if depth > _MAX_DEPTH:
            continue
        inner: Any = ()
        if isinstance(v, (DictVal, InstanceVal, ClassVal)):
            if id(v) in found:
                continue
            if isinstance(v, DictVal):
                found[id(v)] = (v, (dict(v.entries), v.complete))
                inner = v.entries.values()
            else:
                found[id(v)] = (v, dict(v.attrs))
                inner = v.attrs.values()
        elif isinstance(v, TupleVal):
            inner = v.items
        elif isinstance(v, SeqVal):
            inner = (v.elem,)
        elif isinstance(v, BoundMethodVal):
            inner = (v.instance,)
        stack.extend((x, depth + 1) for x in inner)
    return list(found.values())


class SummaryStore:
    """The summaries of one process, by module and by the settings that change an execution."""

    def __init__(self) -> None:
        self._summaries: Dict[Tuple[str, Any], ModuleSummary] = {}

    def get(self, path: str, settings: Any) -> Optional[ModuleSummary]:
        return self._summaries.get((path, settings))

    def put(self, path: str, settings: Any, summary: ModuleSummary) -> None:
        if len(self._summaries) >= MAX_SUMMARIES:
            self._summaries.clear()  # a long session over many projects: start again rather than grow
        self._summaries[(path, settings)] = summary

    def clear(self) -> None:
        self._summaries.clear()

    def forget(self, path: str) -> None:
        """Drop the summaries made from the module at ``path``: its own, and those of the modules
        that imported it (their values hold its functions, and so its tree)."""
        made_from: Dict[int, bool] = {}

        def uses(summary: ModuleSummary) -> bool:
            hit = made_from.get(id(summary))
            if hit is None:
                made_from[id(summary)] = False  # (an import cycle is not followed twice)
                hit = summary.ctx.path == path or any(uses(d) for d in summary.deps)
                made_from[id(summary)] = hit
            return hit

        for key in [k for k, summary in self._summaries.items() if uses(summary)]:
            del self._summaries[key]

    def __len__(self) -> int:
        return len(self._summaries)


STORE = SummaryStore()
modules.on_evict(STORE.forget)  # the parse a summary was made from left the cache: so does the summary
