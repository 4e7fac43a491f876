"""How the inference pass talks to the rules (the events of ``shapelint.rules.events``) and reports
findings with positions."""

from __future__ import annotations

import os
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

import libcst as cst

from shapelint.algebra.dims import (
    CONVENTION,
    DOCUMENTED,
    Shape,
    dims_equal,
    shape_to_json,
)
from shapelint.algebra import ops
from shapelint.algebra.ops import ErrorKind, ShapeMismatch
from shapelint.analysis.modules import ModuleCtx
from shapelint.analysis.values import (
    UNKNOWN,
    ArrayVal,
    IntVal,
    Made,
    NumVal,
    ParamVal,
    Val,
    join_shapes,
)
from shapelint.diagnostics import Diagnostic, Related, ShapeRecord
from shapelint.fixes import UNSAFE, Edit, Fix, apply_edits
from shapelint.rules.events import (
    WITH_OPERANDS,
    CallerDocumentedMismatchEvent,
    DocumentedMismatchEvent,
    Event,
    LikelyMismatchEvent,
    MismatchEvent,
)


def made_the_other_way(kind: ErrorKind, operands: Sequence[Val]) -> List[Any]:
    """Where an operand of a failed product or broadcast was flattened (``X.reshape(X.shape[0],
    -1)``), when the operation would run with it the other way round: the line to change is
    there (a flatten without its ``.T``).  And where an operand of a failed element-wise
    operation got a size read from the wrong axis (``m = X.shape[0]``, then ``np.zeros((1, m))``)
    or was made with another array's sizes the other way round (``np.random.rand(A1.shape[1],
    A1.shape[0])``), when the other read would give it the other operand's shape.  Not an array made with two sizes
    (``np.random.randn(a, b)``): a weight made right fails the same way in ``np.dot(W2, dZ2)``
    missing its ``.T``, and a weight made wrong, read back as ``W1 = parameters["W1"]``, cannot
    be told from it there: such an array is returned too, and is the cause only where its fix
    passes the check (``Made.needs_a_checked_fix``)."""
    if len(operands) != 2 or kind not in (ErrorKind.PRODUCT, ErrorKind.BROADCAST):
        return []
    found = []
    for i, o in enumerate(operands):
        other = operands[1 - i]
        if not (isinstance(o, ArrayVal) and o.made is not None
                and o.shape is not None and len(o.shape) == 2
                and isinstance(other, ArrayVal) and other.shape is not None):
            continue
        shapes = [other.shape, other.shape]
        if o.made.kind == "read":  # the size read from the other axis
            fixed = list(o.shape)
            fixed[o.made.position] = o.made.size
            shapes[i] = tuple(fixed)
        else:
            shapes[i] = (o.shape[1], o.shape[0])
        if o.made.blames_a_read and not (kind is ErrorKind.BROADCAST and len(other.shape) == 2
                                            and all(dims_equal(x, y) is True for x, y in zip(shapes[i], other.shape))):
            # a size read (or a mask made) the other way is the cause only where it would give the
            # other operand's very shape, element-wise: where a product would run with it, so
            # would it with a `.T` added at the product (`np.dot(W1, X.T)` with W1 made `(n_h,
            # n_x)` from `n_x = X.shape[0]`: the read is right)
            continue
        try:
            if kind is ErrorKind.PRODUCT:
                ops.dot(shapes[0], shapes[1])
            elif ops.broadcast(shapes[0], shapes[1]) != tuple(other.shape):
                continue  # it would broadcast to something larger: no sign it was meant that way round
        except ShapeMismatch:
            continue
        found.append(o.made)
    return found


class ReportingMixin:
    def emit(self, event: Event) -> None:
        """Hand ``event`` to the rules that listen to its class (``Inference.handlers``), if any."""
        handlers = self.handlers.get(type(event))
        if handlers:
            if self.focus is not None or (self.call_site is not None and not self.recording):
                # where the rank-1 operands were made: a finding elsewhere may belong there
                operands = event.operands if isinstance(event, WITH_OPERANDS) else ()
                self._event_origins = [o.origin for o in operands
                                       if isinstance(o, ArrayVal) and o.origin is not None]
                if isinstance(event, (MismatchEvent, LikelyMismatchEvent)):
                    self._event_origins += made_the_other_way(event.error.kind, operands)
            for h in handlers:
                h(event, self)
            self._event_origins = []

    def position(self, node: cst.CSTNode, stmt: Optional[cst.CSTNode] = None,
                 mod: Optional[ModuleCtx] = None) -> Tuple[int, int, int, int]:
        """1-based (line, column, end line, end column) of a node of ``mod`` (default: the current module).

        Positions for the whole module cost more than the analysis itself, so
        only the statement that holds the node is laid out (``positions``),
        and CPython's own parser tells where that statement starts.
        """
        if mod is None:
            mod = self.mod
            if stmt is None:
                stmt = self.current_stmt
        return mod.positions().of(node, stmt)

    def remember_stmt(self, node: cst.CSTNode) -> None:
        """Note where a node (a rank-1 origin, a dot) is, to name its line later."""
        self.stmt_of[id(node)] = (self.mod, self.current_stmt)

    def line_of(self, node: cst.CSTNode) -> int:
        mod, stmt = self.stmt_of.get(id(node), (self.mod, None))
        return self.position(node, stmt, mod)[0]

    def where(self, node: cst.CSTNode) -> str:
        """``line 8`` (``cell 4, line 2`` in a notebook), or ``line 8 of `dnn_utils.py` `` for a
        node of another module."""
        mod, stmt = self.stmt_of.get(id(node), (self.mod, None))
        line = self.position(node, stmt, mod)[0]
        return mod.line_label(line) if mod.is_main else f"line {line} of `{self.module_display(mod)}`"

    def code_of(self, node: cst.CSTNode, limit: int = 40) -> str:
        text = self.mod.tree.code_for_node(node).strip()
        text = " ".join(text.split())
        return text if len(text) <= limit else text[: limit - 3] + "..."

    def edit(self, node: cst.CSTNode, content: str, standalone: bool = False) -> Optional[Edit]:
        """An edit that replaces ``node`` by ``content``, if the node is in the checked file: a fix
        edits the file being checked, never a module it imports.  ``standalone``: ``content`` is
        an expression that binds less tightly than ``node``; it is parenthesized unless the node
        stands alone (a whole right-hand side, argument or return value)."""
        checked = self.focus if self.focus is not None else self.main
        mod, stmt = self.stmt_of.get(id(node), (self.mod, self.current_stmt))
        if mod is not checked:
            return None
        try:
            line, col, end_line, end_col = self.position(node, stmt, mod)
        except Exception:  # a node whose statement is not known here: no edit rather than a wrong one
            return None
        if standalone:
            before = mod.lines[line - 1][: col - 1].rstrip() if 0 < line <= len(mod.lines) else ""
            after = mod.lines[end_line - 1][end_col - 1:].lstrip() if 0 < end_line <= len(mod.lines) else ""
            alone = (before == "" or before.endswith(("=", "(", ",", "[", "return"))) and \
                (after == "" or after[0] in "),]#")
            if not alone:
                content = f"({content})"
        return Edit(line, col, end_line, end_col, content)

    def text_of(self, node: cst.CSTNode) -> str:
        """The whole source text of a node (``code_of`` shortens it), of whichever module holds it,
        without the node's own parentheses: the span an edit of the node replaces."""
        mod, _ = self.stmt_of.get(id(node), (self.mod, None))
        if getattr(node, "lpar", None):
            node = node.with_changes(lpar=[], rpar=[])
        return mod.tree.code_for_node(node)

    def numpy_name(self) -> Optional[str]:
        """What the checked file calls NumPy at its top level (`np` for `import numpy as np`), or None."""
        checked = self.focus if self.focus is not None else self.main
        found = re.findall(r"^import numpy(?: as (\w+))?\s*(?:#.*)?$", checked.source, re.MULTILINE)
        return (found[0] or "numpy") if len(set(found)) == 1 else None

    def text_with(self, node: cst.CSTNode, edits: Sequence[Optional[Edit]]) -> str:
        """The text of ``node`` once ``edits`` (inside it) are made, on one line: what the hint of a
        fix that edits part of an expression shows; "" when an edit is missing or outside it."""
        if not edits or any(e is None for e in edits):
            return ""
        mod, stmt = self.stmt_of.get(id(node), (self.mod, self.current_stmt))
        line, col, _, _ = self.position(node, stmt, mod)
        inside = [Edit(e.line - line + 1, e.column - col + 1 if e.line == line else e.column,
                       e.end_line - line + 1, e.end_column - col + 1 if e.end_line == line else e.end_column,
                       e.content) for e in edits if e is not None]
        text = apply_edits(self.text_of(node), inside)
        return " ".join(text.split()) if text is not None else ""

    def report(self, node: cst.CSTNode, code: str, message: str, severity: str,
               fixes: Sequence[Fix] = ()) -> None:
        if self.quiet:
            return
        if self.quiet_errors and severity == "error":
            # in a loop that may run zero times, a certain error is certain only if the body runs:
            # a likely error (SL209); in a branch a call may never take, nothing
            if self.quiet_errors > self.loop_may_skip or not code.startswith("SL1"):
                return
            code, severity = "SL209", "warning"
            message += " (if the loop body runs: the loop may run zero times)"
        if code not in self.enabled:
            return
        if self.focus is not None:
            self.report_in_focus(node, code, message, severity, fixes)
            return
        site = self.call_site if not self.recording else None
        if not (site.mod.is_main if site is not None else self.mod.is_main):
            return  # an imported module's own findings belong to its own check
        line, col, end_line, end_col = self.position(node)
        if site is None:
            if not self.findings.first((line, col, code)):
                return
            if self.recording:
                self.findings.note_generic(self.mod.path, line, code)
                if self.own_analysis is not None:
                    # it was checked: not one that "could not be"
                    self.functions_with_findings.add(id(self.own_analysis.node))
        else:
            # The callee is fine for other arguments: the finding belongs to this call's arguments.
            for depth, frame in self._finding_frames:
                frame.append((self.mod, self.current_stmt, node, code, message, severity,
                              tuple(self.call_chain[depth:]), fixes, tuple(self._event_origins)))
            if self.findings.is_generic(self.mod.path, line, code):
                return  # the function is wrong for any arguments: reported there already
            cause = self.cause_in(self.main, line)
            if cause is not None:
                self.report_at_cause(cause, site, (line, col), code, message, severity, fixes)
                return
            self.report_for_call(site, (line, col, end_line, end_col), code, message, severity, fixes)
            return
        self.findings.add(self.main.lines, (line, col, end_line, end_col), code, message, severity, fixes)

    def report_for_call(self, site: Any, where: Tuple[int, int, int, int], code: str, message: str,
                        severity: str, fixes: Sequence[Fix] = ()) -> None:
        """A finding inside a called function that only the call's arguments make fail.

        In a function of the checked file it is reported at its own line, where the code has to
        change, with the outermost call (where the arguments come from) as related information;
        the same failure from other calls is the same finding, listing them too.  Inside an
        imported module, whose findings belong to its own check, it is reported at the last call
        in the checked file that leads there, naming the line of the module where it fails.
        """
        caller = site  # the call named as related information, where the shapes come from
        fails: Tuple[Related, ...] = ()
        at_cause: Optional[Diagnostic] = None
        if not self.mod.is_main:
            running = self.running_function()
            func = running.qualname if running is not None else site.func_name
            fails = (Related(self.mod.path, where[0], where[1], f"`{func}()` fails here", role="fails"),)
            inner = next((c for c in reversed(self.call_chain) if c.mod.is_main), site)
            at_cause = self.at_the_made_array(where[0], code, message, inner, fails)
            message = (f"in `{func}()` (line {where[0]} of `{self.module_display(self.mod)}`) with the arguments "
                       f"given here: {message}")
            where = self.position(inner.node, inner.stmt, self.main)
            caller = site if inner is not site else None
        call = self.position(caller.node, caller.stmt, self.main) if caller is not None else None
        self.findings.at_call(self.main.lines, where, call[:2] if call is not None else None,
                              caller.func_name if caller is not None else "", code, message, severity, fixes,
                              fails, at_cause)

    def at_the_made_array(self, fails_at: int, code: str, message: str, inner: Any,
                          fails: Tuple[Related, ...]) -> Optional[Diagnostic]:
        """A failure inside an imported module, one of whose operands is a 2-D array that the
        checked file made (``np.random.randn(n[l - 1], n[l])``, a flatten): the finding at the line
        that made it, with the fix that makes it the other way round there.  It replaces the
        finding at the call only where that fix passes the check (``fix_check``): a `.T` missing
        in the module fails the same way, and there the swap does not remove the failure or
        makes another (the module is not the student's to edit, the line that made it is)."""
        for origin in self._event_origins:
            if not isinstance(origin, Made) or origin.blames_a_read:
                continue  # (a size read the wrong way: see cause_in)
            made_in = self.stmt_of.get(id(origin.node))
            if made_in is None or made_in[0] is not self.main:
                continue
            edit = self.edit(origin.node, origin.fix)
            if edit is None:
                continue
            at = self.position(origin.node, made_in[1], self.main)
            call = self.position(inner.node, inner.stmt, self.main)
            text = self.message_at_origin(origin, self.main.line_label(at[0]), message, fails_at)
            return self.findings.finding(
                self.main.lines, at, code, text,
                "warning",  # (the line that makes the array does not raise)
                (Fix(f"did you mean `{origin.fix}`?", UNSAFE, (edit,)),),
                fails + (Related(self.path, call[0], call[1],
                                 f"`{inner.func_name}()` is called here with the shapes that fail"),))
        return None

    def cause_in(self, checked: ModuleCtx, line: int) -> Optional[Tuple[Any, Any]]:
        """A failure inside a called function (at ``line`` of the current module), one of whose
        operands is a rank-1 array that the checked module made elsewhere (``np.zeros(n)``, a sum
        without ``keepdims``; outside the failing function): that origin, and the statement it is
        in; else None."""
        func = self.running_function()
        for origin in self._event_origins:
            where = self.stmt_of.get(id(origin.node))
            if where is None or where[0] is not checked or not origin.fix:
                continue
            if isinstance(origin, Made) and origin.needs_a_checked_fix:
                continue  # (see at_the_made_array)
            read = isinstance(origin, Made) and origin.blames_a_read
            if isinstance(origin, Made) and not read and not (
                    func is not None and func.contract is not None and func.contract.params
                    and not self.findings.is_generic(self.mod.path, line)):
                # a flatten the other way round (see made_the_other_way) is the cause where the
                # failing function declares the shapes it takes and runs on them (nothing found at
                # that line on its own)
                continue
            if read:
                # a size read from one axis of an array where the other axis's runs (`m = X.shape[0]`
                # for `X.shape[1]`; a mask made `(A1.shape[1], A1.shape[0])`): the line to change is
                # the read, in the failing function too
                return origin, where[1]
            if func is not None and func.mod is where[0]:
                start, end = self.position(func.node, func.node, where[0])[0::2]
                if start <= self.position(origin.node, where[1], where[0])[0] <= end:
                    continue  # made in the failing function itself: reported where it fails
            return origin, where[1]
        return None

    def report_at_cause(self, cause: Tuple[Any, Any], site: Any, fails_at: Tuple[int, int], code: str,
                        message: str, severity: str, fixes: Sequence[Fix] = ()) -> None:
        """Report a failure inside a called function at the line of the checked file that made
        its rank-1 operand: the line to change (its fix edits it), the student's own line where
        a function they were given fails with what they made.  Where it fails and the call that
        leads there are related information.  It is a warning unless that line is also a call that
        leads to the failure: a line that only makes the array does not raise."""
        origin, stmt = cause
        where = self.position(origin.node, stmt, self.main)
        if not self.findings.first(("cause", where[0], where[1])):
            return  # one finding per origin: what else fails with it is its consequence
        message = self.message_at_origin(origin, self.main.line_label(where[0]), message, fails_at[0])
        if self.mod is self.main:
            self.findings.failing_elsewhere(fails_at[0])
        if isinstance(origin, Made) and origin.blames_a_read:
            # the line to change is the read (the failing line's own candidates edit elsewhere)
            edit = self.edit(origin.node, origin.fix)
            fixes = [Fix(f"did you mean `{origin.fix}`?", UNSAFE, (edit,))] if edit is not None else []
        if severity == "error" and not any(c.stmt is stmt for c in self.call_chain):
            severity = "warning"  # (a line that makes the array and calls nothing that fails does not raise)
        call = self.position(site.node, site.stmt, self.main)
        text = f"`{site.func_name}()` is called here with the shapes that fail"
        self.findings.add(self.main.lines, where, code, message, severity, fixes,
                          (Related(self.path, call[0], call[1], text),))

    def message_at_origin(self, origin: Any, here: str, message: str, fails_at: int) -> str:
        """A failure's message, told at the line that made its operand (``here``, as the rules
        name that line): what was made there, where it fails, in which function."""
        running = self.running_function()
        func = running.qualname if running is not None else ""
        place = (self.mod.line_label(fails_at) if self.mod.is_main or self.mod.is_focus
                 else f"line {fails_at} of `{self.module_display(self.mod)}`")
        message = message.replace(f" was created on {here}", " was created here").replace(
            f" because of {here}", " because of this line").replace(f"` on {here}?", "` here?")
        made = ("the rank-1 array made here" if not isinstance(origin, Made)
                else "the array flattened here" if origin.kind == "flatten"
                else "the size read here" if origin.kind == "read"
                else "the array made here")
        return f"{made} fails in {f'`{func}()` ' if func else ''}({place}): {message}"

    def driver_call(self) -> Tuple[Related, ...]:
        """Running a driver of the checked module: the driver's call that passes the shapes, as
        related information of a finding in the checked module (none outside a driver's call)."""
        site = self.call_site
        if site is None:
            return ()
        call = self.position(site.node, site.stmt, site.mod)
        return (Related(self.path if site.mod is self.focus else site.mod.path, call[0], call[1],
                        f"`{site.func_name}()` is called here with the shapes that fail"),)

    def report_in_focus(self, node: cst.CSTNode, code: str, message: str, severity: str,
                        fixes: Sequence[Fix] = ()) -> None:
        """Running a driver of the checked module: a finding inside that module is reported at its
        own line, with the driver's call named; anything else is the driver's own business."""
        if not self.mod.is_focus:
            # a rank-1 array made in the checked module (a test case's `b = np.random.randn(3)`)
            # that goes wrong in the code it is passed to: reported where it was made
            for origin in self._event_origins:
                where = self.stmt_of.get(id(origin.node))
                if isinstance(origin, Made) and origin.needs_a_checked_fix:
                    continue  # (unchecked here: see at_the_made_array)
                if where is not None and where[0] is self.focus:
                    self.report_at_origin(origin, where[1], code, message, severity, fixes)
                    return
            return
        cause = self.cause_in(self.focus, self.position(node)[0]) if self.call_site is not None else None
        if cause is not None:
            self.report_at_origin(cause[0], cause[1], code, message, severity, fixes)
            return
        where = self.position(node)
        if not self.findings.first_in_focus((where[0], where[1], code)):
            return
        site = self.call_site
        driver = os.path.basename(self.main.path)
        if site is not None:
            message = f"{message} (with the arguments `{driver}` passes to `{site.func_name}()`)"
        self.findings.add(self.focus.lines, where, code, message, severity, fixes, self.driver_call())

    def report_at_origin(self, origin: Any, stmt: Any, code: str, message: str, severity: str,
                         fixes: Sequence[Fix] = ()) -> None:
        where = self.position(origin.node, stmt, self.focus)
        if not self.findings.first_in_focus((where[0], where[1], code)):
            return
        if self.mod.is_focus:
            message = self.message_at_origin(origin, f"line {where[0]} of `{self.module_display(self.focus)}`",
                                             message, self.position_line())
            if self.call_site is not None:
                message += (f" (with the arguments `{os.path.basename(self.main.path)}` passes to "
                            f"`{self.call_site.func_name}()`)")
        else:
            module = (f"`{self.module_display(self.mod)}`" if not self.mod.is_main
                      else f"`{os.path.basename(self.main.path)}`")
            message = (f"the rank-1 array made here goes wrong in {module} "
                       f"({self.mod.line_label(self.position_line())}): {message}")
        self.findings.add(self.focus.lines, where, code, message, "warning" if severity == "error" else severity,
                          fixes, self.driver_call())

    def position_line(self) -> int:
        return self.position(self.current_stmt)[0] if self.current_stmt is not None else 0

    def merge_shapes(self) -> None:
        """Shapes a driver's calls taught us, where the module's own analysis knew none."""
        found = {(r.line, r.column, r.name): r for r in self.shape_records()}
        merged = []
        for r in self.result.shapes:
            better = found.get((r.line, r.column, r.name)) if r.signature is None and r.shape is None else None
            merged.append(better if better is not None and better.shape is not None else r)
        self.result.shapes = merged

    def through_a_call(self) -> bool:
        """Is this the analysis of a function reached through a call, its arguments' sizes those the
        caller's docstring declares (the caller analyzed on its declared shapes)?  A failure there
        that only documented sizes make is the caller's documentation's (SL305, opt-in)."""
        return self.call_site is not None and not self.recording

    def mismatch(self, node: cst.CSTNode, err: ShapeMismatch, *, operands: Sequence[Val],
                 operand_nodes: Sequence[Optional[cst.CSTNode]], op: Optional[str] = None,
                 func: Optional[str] = None, call: Optional[cst.Call] = None, fn: Any = None,
                 tentative: bool = False) -> None:
        """An operation that raises ``err``: a certain, likely or documented shape error."""
        fields = dict(error=err, operands=operands, operand_nodes=operand_nodes, op=op, func=func, call=call, fn=fn)
        if err.reason == DOCUMENTED:
            # the sizes disagree only as two docstrings name them: a docstring may be wrong (SL303)
            own = self.own_analysis
            if own is not None and self.through_a_call() and own.contract is not None:
                # the function's declared shapes fail in a function it calls (SL305): its declaration
                # is no evidence against a call that contradicts it
                own.contract.code_contradicts = True
            self.emit((CallerDocumentedMismatchEvent if self.through_a_call() else DocumentedMismatchEvent)(
                node, **fields))
            return
        if tentative or any(isinstance(o, ArrayVal) and o.tentative for o in operands):
            if err.kind is ErrorKind.AXIS:
                return  # an axis or index beyond a rank we only guessed: the guess was wrong
            # the failure needs a rank the code only suggests: likely, not certain (SL209)
            self.emit_noting_convention(node, err, LikelyMismatchEvent(node, **fields))
            return
        self.emit_noting_convention(node, err, MismatchEvent(node, **fields))

    def emit_noting_convention(self, node: cst.CSTNode, err: ShapeMismatch, event: Event) -> None:
        """Emit; a finding that holds only by the generic-size convention, where a named size
        is not the size the code hard-wires (``n_x`` is not 4), is noted with its operation (see
        ``FindingSink.drop_refuted``)."""
        before = self.findings.count
        self.emit(event)
        if err.reason == CONVENTION and err.condition.is_conjunction() and all(
                right.isdigit() and not any(c in left for c in "()") for left, right in err.condition.equalities()):
            # (a named size against a size the code hard-wires: `n_x == 4`; two named sizes that
            # the code's data happens to make equal, `m == n[l]` with 5 examples and 5 units, stay)
            self.findings.note_convention(before, id(node))

    def ran_on_known_sizes(self, node: cst.CSTNode, shapes: Sequence[Shape]) -> None:
        """An operation ran, here on sizes all known (a call with the code's own data)."""
        if all(s is not None and all(type(d) is int for d in s) for s in shapes):
            self.findings.ran_on_known_sizes(id(node))

    def record_shape(self, target: cst.CSTNode, name: str, value: Val, env: Any = None) -> None:
        """Remember the value assigned to a name of the checked file, for ``shapelint shapes``.

        The function's own analysis says what holds for any arguments; a name it
        assigns once may learn its shape from later uses in the function (its
        value when the function ends is shown); where that is unknown too, the
        analysis at its call sites may know (with the arguments of that call).
        """
        if not (self.mod.is_main if self.focus is None else self.mod.is_focus):
            return
        shape = _shape_of(value)
        key = (id(target), name)
        entry = self._shape_records.get(key)
        if entry is None:
            line, col, _, _ = self.position(target)
            # [line, col, name, own shape, shapes at calls, (env, name), function, statement, kinds,
            #  the first call whose shapes gave one, the function whose declared shapes its analysis used,
            #  where the own shape was read (ArrayVal.source)]
            own = self.own_analysis
            declared = own.qualname if own is not None and own.contract is not None and own.contract.params else None
            entry = self._shape_records[key] = [line, col, name, None, [], None,
                                                self.running_definition(),
                                                self.current_stmt, set(), None, declared, None]
        if self.recording:
            if entry[3] is None:
                entry[3] = shape
                entry[11] = value.source if isinstance(value, ArrayVal) else None
            if env is not None and entry[5] is None:
                entry[5] = (env, name)
        elif shape is not None:
            entry[4].append(shape)
            if entry[9] is None:
                entry[9] = self.call_site
        entry[8].add(value_kind(value))

    def shape_records(self) -> List[ShapeRecord]:
        out = [ShapeRecord(self.path, e[0], e[1], e[2], shape_to_json(shape) if shape is not None else None,
                           origin=self.shape_origin(e, from_calls, source) if shape is not None else None)
               for e, shape, from_calls, source in self.final_shapes()]
        out.sort(key=lambda r: (r.line, r.column))
        return out

    def shape_origin(self, entry: list, from_calls: bool, source: Any = None) -> Optional[str]:
        """Where a recorded shape comes from, for the editor's hover: a data file, an assert, the
        shapes its function declares, the code itself, or the call whose arguments gave it (None:
        no shape)."""
        if from_calls:
            site = entry[9]
            if site is None:
                return None
            if self.focus is not None:
                return f"with the shapes `{os.path.basename(self.main.path)}` passes to `{site.func_name}()`"
            line = self.position(site.node, site.stmt, self.main)[0]
            return f"with the shapes passed to `{site.func_name}()` at {self.main.line_label(line)}"
        if isinstance(source, str):
            return f"from {source}"
        if isinstance(source, cst.CSTNode):
            return f"from the assert at {self.where(source)}"
        if entry[10] is not None:
            return f"from the shapes `{entry[10]}()` declares"
        return "inferred from the code"

    def final_shapes(self) -> List[Tuple[list, Any, bool, Any]]:
        """Every recorded name (see ``record_shape``) with the shape ``shapelint shapes`` shows for it,
        whether that shape came from the analyses at its calls, and where it was read (ArrayVal.source)."""
        assigned: Dict[Any, int] = {}
        for entry in self._shape_records.values():
            if entry[5] is not None:
                key = (id(entry[5][0]), entry[5][1])
                assigned[key] = assigned.get(key, 0) + 1
        out = []
        for entry in self._shape_records.values():
            _, _, _, generic, seen, where = entry[:6]
            shape, source = generic, entry[11]
            if where is not None and assigned[(id(where[0]), where[1])] == 1:
                final = where[0].vars.get(where[1], UNKNOWN)
                if shape is None:
                    shape = _shape_of(final)
                if isinstance(final, ArrayVal) and final.source is not None and source is None:
                    source = final.source  # an assert pinned sizes the assignment left unknown
            from_calls = False
            if shape is None and seen:
                shape = seen[0]
                for other in seen[1:]:
                    shape = join_shapes(shape, other)
                from_calls = shape is not None
            out.append((entry, shape, from_calls, source))
        return out


def value_kind(value: Val) -> str:
    """For ``coverage``: "array", "unknown" (may be one), or "other" (a tuple, a dict, a number...)."""
    if isinstance(value, ArrayVal):
        return "array"
    if value is UNKNOWN or isinstance(value, ParamVal):
        return "unknown"
    return "other"


def _shape_of(value: Val) -> Optional[Tuple[Any, ...]]:
    if isinstance(value, ArrayVal):
        return value.shape
    if isinstance(value, (IntVal, NumVal)):
        return ()
    return None
