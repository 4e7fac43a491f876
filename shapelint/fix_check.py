"""Checked fixes: a rule's candidate becomes a finding's fix only if it works.

The rules propose candidate fixes next to each finding (``Diagnostic.candidates``);
here each candidate's edits are applied to the analyzed source and the module
is analyzed again.  A candidate passes when the finding it is for is gone
(one fewer finding of its code on its line) and no other finding appears
(no code on any line has more findings than before).  The first candidate
that passes, in the rule's order, becomes the finding's ``fix`` and its title
the hint at the end of the message; a finding none passes keeps a message
that states the shapes and makes no guess.

An edit must keep every line where it was (as many line breaks as the text it
replaces), so that "the same line" means the same code before and after.  A
display-only candidate without edits (it names options, not one edit) has
nothing to check and is kept as it is.

The cost is bounded: at most ``MAX_CANDIDATES`` candidates per finding and
``MAX_CHECKS`` re-analyses per file, and only as many as fit in
``CHECK_SECONDS`` when each takes as long as the last analysis of the file did
(a file that takes longer than that to analyze gets none); a candidate shared
by several findings is analyzed once.  Findings past the cap keep their message
without a hint and have no fix.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from shapelint.diagnostics import Diagnostic
from shapelint.fixes import DISPLAY, Fix, apply_edits, keeps_lines

MAX_CANDIDATES = 3  # per finding
MAX_CHECKS = 8  # re-analyses per file
CHECK_SECONDS = 5.0  # all of them together (a file has FILE_TIMEOUT seconds in all)


class Stopped(Exception):
    """The caller's ``stop`` said the check is no longer wanted (``shapelint server``: the text changed)."""


def finding_keys(diagnostics: Sequence[Diagnostic]) -> "Counter[Tuple[str, int]]":
    return Counter((d.code, d.line) for d in diagnostics)


def passes(before: "Counter[Tuple[str, int]]", after: "Counter[Tuple[str, int]]", key: Tuple[str, int]) -> bool:
    """The finding at ``key`` is gone and nothing is new."""
    return after[key] < before[key] and all(n <= before[k] for k, n in after.items())


def check_candidates(source: str, diagnostics: Sequence[Diagnostic],
                     analyze: Callable[[str], Optional[Sequence[Diagnostic]]],
                     editable: Callable[[int], bool] = lambda line: True,
                     analysis_seconds: float = 0.0,
                     stop: Optional[Callable[[], bool]] = None) -> List[Diagnostic]:
    """The findings with their checked fix (and its hint) set, and the candidates dropped.

    analyze: the findings of an edited source (before suppressions), or None when
    it could not be analyzed (the candidate fails).  editable: whether a line of the
    analyzed source may be edited (a notebook's line that IPython syntax rewrote may not).
    analysis_seconds: how long the file's own analysis took (what one check is expected to cost).
    stop: asked before each re-analysis; True raises ``Stopped`` (the result would be thrown away).
    """
    before = finding_keys(diagnostics)
    results: Dict[Tuple, Optional["Counter[Tuple[str, int]]"]] = {}
    checks = 0
    spent, last = 0.0, analysis_seconds

    def after(fix: Fix) -> Tuple[bool, Optional["Counter[Tuple[str, int]]"]]:
        """(whether it was checked, the findings with its edits applied): not checked once the
        budget is spent; a candidate shared by several findings is analyzed once."""
        nonlocal checks, spent, last
        if fix.edits not in results:
            if checks >= MAX_CHECKS or spent + last > CHECK_SECONDS:
                return False, None
            if stop is not None and stop():
                raise Stopped()
            checks += 1
            started = time.monotonic()
            results[fix.edits] = _after(source, fix, analyze, editable)
            last = time.monotonic() - started
            spent += last
        return True, results[fix.edits]

    out = []
    for d in diagnostics:
        key = (d.code, d.line)
        if d.at_cause is not None:
            d, moved = d.with_(at_cause=None), d.at_cause
            fix = moved.candidates[0] if moved.candidates and moved.candidates[0].edits else None
            found = after(fix)[1] if fix is not None else None
            if found is not None and passes(before, found, key):
                # editing the line that made the operand removes the failure: that line is the bug
                out.append(moved.with_(message=f"{moved.message}; {fix.title}", fix=fix, candidates=()))
                continue
        chosen: Optional[Fix] = None
        for fix in d.candidates[:MAX_CANDIDATES]:
            if not fix.edits:
                if fix.applicability == DISPLAY:
                    chosen = fix
                    break
                continue
            checked, found = after(fix)
            if not checked:
                break
            if found is not None and passes(before, found, key):
                chosen = fix
                break
        if chosen is not None:
            d = d.with_(message=f"{d.message}; {chosen.title}", fix=chosen, candidates=())
        elif d.candidates:
            d = d.with_(candidates=())
        out.append(d)
    return out


def needs_analysis(d: Diagnostic) -> bool:
    """Whether choosing the finding's fix (and so its message, and its line) re-analyzes the file:
    a candidate with edits comes before any display-only one (which is chosen without a check)."""
    if d.at_cause is not None:
        return True
    for fix in d.candidates[:MAX_CANDIDATES]:
        if fix.edits:
            return True
        if fix.applicability == DISPLAY:
            return False
    return False


def without_analysis(diagnostics: Sequence[Diagnostic]) -> List[Diagnostic]:
    """What ``check_candidates`` gives for the findings whose fix needs no re-analysis; the others
    keep their candidates, unchecked, and no hint yet."""
    return [d if needs_analysis(d) else check_candidates("", [d], lambda edited: None)[0] for d in diagnostics]


def _after(source: str, fix: Fix, analyze: Callable[[str], Optional[Sequence[Diagnostic]]],
           editable: Callable[[int], bool]) -> Optional["Counter[Tuple[str, int]]"]:
    if not all(editable(line) for e in fix.edits for line in range(e.line, e.end_line + 1)):
        return None
    if not keeps_lines(source, fix.edits):
        return None
    edited = apply_edits(source, fix.edits)
    if edited is None or edited == source:
        return None
    found = analyze(edited)
    return finding_keys(found) if found is not None else None
