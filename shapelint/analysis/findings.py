"""The finding sink: where an analysis's findings go, and the policy of which ones stay.

The analysis says what fails, where (a position it computed) and with which call's shapes;
the sink decides what becomes a finding of the checked file and owns the state that takes:

* one finding per place and code (``first``); a driver's run does not repeat what the
  file's own analysis or an earlier driver found there (``first_in_focus``);
* a failure that only a call's shapes make, inside a function, is one finding at the line
  that fails, listing the calls that lead there as related places (``at_call``); one
  finding per call and code, as what fails after a first failure is most often its
  consequence; a function wrong for any arguments is reported once, without calls
  (``note_generic`` / ``is_generic``);
* a failure reported at its cause (the line that made the operand) marks its own line
  (``failing_elsewhere``), whose warnings then give way (``runner.one_finding_per_failing_line``);
* a finding that holds only by the generic-size convention (``n_x == 4``) is dropped where
  the same operation ran on the code's own data, all sizes known (``note_convention``,
  ``ran_on_known_sizes``, ``drop_refuted``).

Pure bookkeeping over ``Diagnostic`` values: no tree, no analysis state.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Set, Tuple

from shapelint.diagnostics import MAX_RELATED, Diagnostic, FileResult, Related
from shapelint.fixes import Fix

Where = Tuple[int, int, int, int]  # 1-based line, column, end line, end column


class PlacedFinding:
    """A finding placed inside a function for the shapes calls pass: where it is in the
    result's findings, its message, and the calls (line, column) that gave it."""

    __slots__ = ("index", "message", "calls")

    def __init__(self, index: int, message: str):
        self.index, self.message = index, message
        self.calls: List[Tuple[int, int]] = []


class FindingSink:
    """The findings of one analysis of the checked file (``path``), in ``result``; the analyses
    of its drivers write into the same result through sinks of their own."""

    def __init__(self, path: str, result: FileResult):
        self.path = path  # the checked file as given: the path of every finding
        self.result = result
        self._seen: Set[Tuple] = set()
        # findings placed inside a function for a call's arguments, by (line, column, code)
        self._placed: Dict[Tuple[int, int, str], PlacedFinding] = {}
        self._calls_reported: Set[Tuple[int, int, str]] = set()  # (line, column of the call, code)
        # what functions' own analyses found: (module path, line) -> codes (a call's failure there is not new)
        self._generic: Dict[Tuple[str, int], Set[str]] = {}
        # operations (by id of their node) that ran on sizes all known, and the findings (index in
        # the result's findings, id of their node) that hold only by the generic-size convention
        self._ran_on_known_sizes: Set[int] = set()
        self._by_convention: List[Tuple[int, int]] = []

    @property
    def count(self) -> int:
        return len(self.result.diagnostics)

    # -- one finding per place ---------------------------------------------------------------

    def first(self, key: Tuple) -> bool:
        """Not reported yet at ``key`` (a place and code) by this analysis; it is now."""
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def first_in_focus(self, key: Tuple[int, int, str]) -> bool:
        """Not reported yet at the checked module's (line, column, code), by this driver or an
        earlier one (the drivers of one module share its result)."""
        if key in self._seen or any((d.line, d.column, d.code) == key for d in self.result.diagnostics):
            return False
        self._seen.add(key)
        return True

    def note_generic(self, module: str, line: int, code: str) -> None:
        """A function's own analysis (for any arguments) found ``code`` at this line of ``module``."""
        self._generic.setdefault((module, line), set()).add(code)

    def is_generic(self, module: str, line: int, code: Optional[str] = None) -> bool:
        """Did a function's own analysis find ``code`` (any code: None) at this line?"""
        found = self._generic.get((module, line))
        return found is not None and (code is None or code in found)

    # -- adding ----------------------------------------------------------------------------

    def add(self, lines: Sequence[str], where: Where, code: str, message: str, severity: str,
            fixes: Sequence[Optional[Fix]] = (), related: Tuple[Related, ...] = (),
            at_cause: Optional[Diagnostic] = None) -> None:
        """A finding at ``where`` of the module whose text is ``lines``."""
        self.result.diagnostics.append(self.finding(lines, where, code, message, severity, fixes, related, at_cause))

    def finding(self, lines: Sequence[str], where: Where, code: str, message: str, severity: str,
                fixes: Sequence[Optional[Fix]] = (), related: Tuple[Related, ...] = (),
                at_cause: Optional[Diagnostic] = None) -> Diagnostic:
        line, col, end_line, end_col = where
        text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        return Diagnostic(path=self.path, line=line, column=col, end_line=end_line, end_column=end_col,
                          code=code, severity=severity, message=message, source_line=text,
                          candidates=tuple(f for f in fixes if f is not None), related=related, at_cause=at_cause)

    def at_call(self, lines: Sequence[str], where: Where, call: Optional[Tuple[int, int]], caller: str,
                code: str, message: str, severity: str, fixes: Sequence[Optional[Fix]] = (),
                fails: Tuple[Related, ...] = (), at_cause: Optional[Diagnostic] = None) -> None:
        """A failure that the shapes of the call at ``call`` (line, column; None: no call to name)
        make, at ``where``: the same failure from several calls is one finding that lists them
        (the first ``MAX_RELATED``, then how many more).  ``caller`` is the called function's name."""
        key = (where[0], where[1], code)
        placed = self._placed.get(key)
        if placed is None:
            if key in self._seen:
                return  # already reported here for any arguments
            if call is not None:
                first = (call[0], call[1], code)
                if first in self._calls_reported:
                    return
                self._calls_reported.add(first)
            self._seen.add(key)
            placed = self._placed[key] = PlacedFinding(self.count, message)
            self.add(lines, where, code, message, severity, fixes, fails, at_cause)
        if call is None or call[0] == where[0] or (call[0], call[1]) in placed.calls:
            return
        placed.calls.append((call[0], call[1]))
        d = self.result.diagnostics[placed.index]
        text = (f"`{caller}()` is called here with the shapes that fail"
                if message == placed.message else f"`{caller}()` is called here: {message}")
        related = d.related
        calls_kept = sum(r.role == "call" for r in related)
        if calls_kept < MAX_RELATED:
            related = related + (Related(self.path, call[0], call[1], text),)
            calls_kept += 1
        more = len(placed.calls) - calls_kept
        shown = placed.message + (f" (and {more} more {'call that passes' if more == 1 else 'calls that pass'} failing shapes)"
                                  if more else "")
        self.result.diagnostics[placed.index] = d.with_(related=related, message=shown)

    def failing_elsewhere(self, line: int) -> None:
        """The failure at this line of the checked file is reported at its cause."""
        self.result.failing_elsewhere.add(line)

    # -- findings the code's own run refutes ---------------------------------------------------

    def note_convention(self, since: int, operation: int) -> None:
        """The findings added since ``since`` (a ``count``) hold only if a named size is not the
        size the code hard-wires, at the operation whose node has id ``operation``."""
        self._by_convention += [(k, operation) for k in range(since, self.count)]

    def ran_on_known_sizes(self, operation: int) -> None:
        self._ran_on_known_sizes.add(operation)

    def drop_refuted(self) -> None:
        """Drop the findings of ``note_convention`` whose operation ran on the code's own data: it
        was that size (the course's gradient check: `np.dot(W1, X)` with W1 hard-wired to (3, 4)
        and X documented `(input size, m)`, which its test data runs with 4 inputs)."""
        drop = {k for k, op in self._by_convention if op in self._ran_on_known_sizes}
        if drop:
            self.result.diagnostics = [d for k, d in enumerate(self.result.diagnostics) if k not in drop]
