"""Shape inference over one module: an abstract interpreter on the libcst tree.

One walk over the tree, statement by statement, keeps an environment
(name -> abstract value, see ``values``).  Each expression is evaluated to a
value; NumPy calls are looked up by qualified name in ``algebra.api``.  Where
something happens that a rule may care about (an element-wise operation, a
matrix product, a shape error, ...) the pass emits an *event* to the rules
that asked for it.  Positions are computed only when the first finding of a
file is reported, so clean files never pay for them.

The pass is one class assembled from one mixin per concern, each in its own
module: ``statements`` (blocks, branches, loops), ``assignments``,
``refine`` (asserts and tests), ``expressions``, ``subscripts``,
``functions`` (definitions and calls of the analyzed code), ``numpy_calls``
(the API table), ``imports``, ``builtins`` and ``reporting``.  Two parts are objects that
own their state: the constraints on shape variables (``solver.ShapeSolver``, fed by
``unify``), and the stack of functions being analyzed (``functions.CallFrame``, one per
body, holding what its returns gave and the caller's state to restore).
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple, Type

import libcst as cst

from shapelint.analysis.assignments import AssignmentsMixin
from shapelint.analysis.classes import ClassesMixin
from shapelint.analysis.containers import ContainersMixin
from shapelint.analysis.coverage import function_coverage
from shapelint.analysis.env import Env, resolving_imports
from shapelint.analysis.expressions import ExpressionsMixin
from shapelint.analysis.functions import CallFrame, CallSite, FunctionsMixin
from shapelint.analysis.imports import ImportsMixin
from shapelint.analysis.modules import ModuleCtx
from shapelint.analysis.numpy_calls import NumpyCallsMixin
from shapelint.analysis.refine import RefineMixin
from shapelint.analysis.findings import FindingSink
from shapelint.analysis.reporting import ReportingMixin
from shapelint.analysis.statements import StatementsMixin
from shapelint.analysis.summaries import FunctionFacts
from shapelint.analysis.subscripts import SubscriptsMixin
from shapelint.analysis.solver import ShapeSolver
from shapelint.analysis.unify import UnifyMixin
from shapelint.analysis.values import StrVal, Val
from shapelint.diagnostics import FileResult, ShapeRecord
from shapelint.rules.events import Event, RuleContext


class Inference(StatementsMixin, AssignmentsMixin, RefineMixin, ExpressionsMixin, SubscriptsMixin,
                ContainersMixin, FunctionsMixin, ClassesMixin, NumpyCallsMixin, ImportsMixin, UnifyMixin,
                ReportingMixin):
    def __init__(self, module: cst.Module, source: str, path: str, enabled: Set[str],
                 result: FileResult, collect_shapes: bool, project_root: Optional[str] = None,
                 implicit_numpy: bool = True, cells: Optional[Sequence[Tuple[int, int]]] = None):
        from shapelint.rules import all_rules

        self.main = ModuleCtx(path, path, source, module, is_main=True)
        self.main.cells = cells
        self.mod = self.main  # the module whose code is being executed
        self.project_root = project_root
        self.implicit_numpy_on = implicit_numpy  # `np` used and never bound is NumPy (see implicit)
        self._implicit_names: Dict[str, Tuple[str, ...]] = {}  # module path -> its implicit names
        self.seeded: Set[str] = set()  # modules whose top level called np.random.seed (see testdata)
        self.modules: Dict[str, ModuleCtx] = {}  # project modules imported so far, by absolute path
        # modules executed by earlier analyses in this process are installed, not run again (see
        # shared_modules); what an execution depends on besides the module's text:
        self.summary_settings = (project_root, implicit_numpy, frozenset(enabled), collect_shapes)
        self._executing: list = []  # the project modules whose top level is running, outermost first
        self._summary_checks: Dict[str, bool] = {}  # module -> is its shared summary still valid
        self._resolving: Set[Tuple[str, str]] = set()  # imported names being looked up (see resolve_import)
        self._restored: Set[int] = set()  # the dicts and objects of shared modules restored so far
        self._import_calls = 0  # calls analyzed by imported modules' top levels, not yet charged
        self.path = path
        self.result = result
        self.findings = FindingSink(path, result)  # what becomes a finding, and what is one already
        self.collect_shapes = collect_shapes
        self.enabled = enabled
        # event class -> the handlers of the selected rules that listen to it, in the rules' order;
        # a class nobody listens to has no entry (see emit)
        self.handlers: Dict[Type[Event], List[Callable[[Any, RuleContext], None]]] = {}
        for code, rule_cls in all_rules().items():
            # the errors of SL101-SL106 in a loop that may not run are SL209's (see report)
            if code not in enabled and not (code.startswith("SL1") and "SL209" in enabled):
                continue
            rule = rule_cls()
            for event_cls, method in rule_cls.handles.items():
                self.handlers.setdefault(event_cls, []).append(getattr(rule, method))
        self.current_stmt: Optional[cst.CSTNode] = None
        self.stmt_of: Dict[int, Tuple[ModuleCtx, Optional[cst.CSTNode]]] = {}
        self.quiet = 0  # > 0 inside `with pytest.raises(...)`
        self.quiet_errors = 0  # > 0 in code that may not run at all (a loop that may run 0 times)
        self.loop_may_skip = 0  # how many of those are loops (their errors become SL209 warnings)
        self.undecided = 0  # > 0 in a branch of an `if` whose test the analysis cannot decide
        self.unrolled = 0  # depth of loops being unrolled
        self.class_depth = 0  # > 0 while a class body runs: its methods are analyzed with the class
        self._attr_logs: Dict[int, Dict[str, List[Val]]] = {}  # see ClassesMixin.analyze_class
        self._writes_cache: Dict[Any, Any] = {}  # see effects.writes_of
        self.solver = ShapeSolver()  # what the shape variables were made equal to, and kept apart from
        self.forced_reported: Set[Any] = set()  # functions that already got their SL208
        self._leaves_early: Dict[int, bool] = {}  # loop node -> can its body leave it early
        # expression node -> the names it binds with `:=` (walked once: an expression is evaluated
        # again in every call context of its function)
        self._walrus_targets: Dict[int, Tuple[str, ...]] = {}
        self._rank_tested: Dict[int, Tuple[str, ...]] = {}  # test node -> the arrays whose rank it reads
        self.functions_with_findings: Set[int] = set()  # ids of the nodes of functions a finding is in
        self.own_analysis: Optional[Any] = None  # the FuncVal analyzed on its own, on its declared shapes
        # findings made inside each call being re-analyzed, innermost last (replayed on a cached call)
        # (depth in call_chain, [(module, statement, node, code, message, severity, the calls below the
        # frame's, the fixes proposed, the origins of its operands)]): a cached call reports them again,
        # at the places they were first found
        self._finding_frames: List[Tuple[int, List[Tuple[Any, ...]]]] = []
        self.call_chain: List[CallSite] = []  # every call being analyzed, outermost first
        self.instantiations = 0
        self.recording = True  # False while re-analyzing a function for one call site
        self.call_site: Optional[CallSite] = None  # the outermost call being re-analyzed
        self._instance_cache: Dict[Any, Val] = {}
        self.frames: List[CallFrame] = []  # the functions whose bodies are being analyzed, innermost last
        self._shape_records: Dict[Any, list] = {}  # for `shapelint shapes`: see record_shape
        # the checked file's functions (by id of their node), for their summaries: see note_function
        self.function_facts: Dict[int, FunctionFacts] = {}
        self.focus: Optional[ModuleCtx] = None  # set when this module runs as a driver of the checked one
        # where the operands of the event being reported were made (driver runs, call contexts)
        self._event_origins: List[Any] = []

    @property
    def module(self) -> cst.Module:
        return self.mod.tree

    def run(self) -> None:
        self.execute_main()
        if self.collect_shapes:
            self.result.shapes = self.shape_records()
        self.result.dependencies.update({ctx.path: ctx.digest for ctx in self.modules.values() if ctx.digest})

    def summarize_functions(self) -> None:
        """Once the file and its drivers ran: the functions that could not be checked, and (when
        shapes are collected) every function's summary."""
        facts = [f for f in self.function_facts.values() if f.analyzed]
        # names only: a position costs a layout of the function, and clean files never pay for one
        for f in facts:
            f.has_finding = id(f.node) in self.functions_with_findings
        self.result.unchecked = [f.name for f in facts if f.unchecked()]
        if not self.collect_shapes:
            return
        shown = {(r.line, r.column, r.name): r.shape for r in self.result.shapes}  # drivers' calls merged in
        names: Dict[int, list] = {}
        for entry in self._shape_records.values():
            if entry[6] is not None:
                names.setdefault(id(entry[6]), []).append((entry, shown.get((entry[0], entry[1], entry[2]))))
        signatures = []
        for f in facts:
            line, col, _, _ = self.position(f.node.name, f.node, self.main)
            signatures.append(ShapeRecord(self.path, line, col, f.node.name.value, None, signature=f.signature()))
            self.result.coverage.append(function_coverage(self.path, f, line, col, names.get(id(f.node), [])))
        self.result.shapes += sorted(signatures, key=lambda r: (r.line, r.column))
        self.result.coverage.sort(key=lambda c: (c.line, c.column))

    def execute_main(self) -> None:
        """Run the module as ``__main__``; its findings in line order."""
        env = Env()
        env.vars["__name__"] = StrVal(("__main__",))
        self.main.env = env
        with resolving_imports(self.resolve_import):
            self.exec_block(self.main.tree.body, env)
        if self.focus is None:
            self.findings.drop_refuted()
        self.result.diagnostics.sort(key=lambda d: (d.line, d.column, d.code))

    def run_as_driver(self, focus: ModuleCtx) -> None:
        """Run this module (a driver) to check ``focus``, the module being checked, which it imports:
        only what fails inside ``focus`` is reported, at ``focus``'s lines."""
        self.focus = focus
        focus.is_focus = True
        self.modules[focus.path] = focus
        self.path = self.result.path
        self.findings = FindingSink(self.path, self.result)  # (the checked file's path, not the driver's)
        self.execute_main()
        if self.collect_shapes:
            self.merge_shapes()
        self.result.dependencies.update({ctx.path: ctx.digest for ctx in self.modules.values()
                                         if ctx.digest and ctx is not focus})


def run_inference(module: cst.Module, source: str, path: str, enabled: Set[str], result: FileResult,
                  collect_shapes: bool, project_root: Optional[str] = None, implicit_numpy: bool = True,
                  cells: Optional[Sequence[Tuple[int, int]]] = None) -> None:
    main = Inference(module, source, path, enabled, result, collect_shapes, project_root, implicit_numpy, cells)
    main.run()
    if not (path.startswith("<") or not path.endswith(".py")):
        run_drivers(module, source, path, enabled, result, collect_shapes, project_root, implicit_numpy,
                    main.function_facts)
    main.summarize_functions()


def run_drivers(module: cst.Module, source: str, path: str, enabled: Set[str], result: FileResult,
                collect_shapes: bool, project_root: Optional[str], implicit_numpy: bool,
                facts: Dict[int, FunctionFacts]) -> None:
    from shapelint.analysis.drivers import driver_source, find_drivers
    from shapelint.analysis.modules import file_digest, load
    from shapelint.analysis.parsing import parse_or_none

    me = os.path.abspath(path)
    for driver in find_drivers(path, source):
        if driver.endswith(".py"):
            # parsed once per process, as its imports are: a test file drives every module it
            # imports, and is checked itself (numpy in one process: 608 parses of 460 texts before
            # this and keep_checked_tree, 461 after)
            parsed = load(os.path.abspath(driver))
            text, cells, tree = (parsed.source, None, parsed.tree) if parsed is not None else (None, None, None)
        else:
            text, cells = driver_source(driver)
            tree = parse_or_none(text) if text is not None else None
        digest = file_digest(driver)
        if digest is not None:
            result.dependencies[driver] = digest
        if tree is None:
            continue
        focus = ModuleCtx(me, path, source, module, is_main=False)
        # (the driver's own cells: a driving notebook's lines are named as its cells)
        driving = Inference(tree, text, driver, enabled, result, collect_shapes, project_root, implicit_numpy,
                            cells)
        driving.function_facts = facts  # the calls it makes fill in the file's function summaries
        driving.run_as_driver(focus)
