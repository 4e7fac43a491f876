"""Score the analyzer against NumPy on generated programs (see progen.py).

Definitions (shared by test_differential.py and bench/differential_report.py):

* Findings are the error-severity diagnostics with codes SL101..SL106;
  warnings (SL2xx) and other codes are ignored.  Findings on lines after the
  first crash line are ignored (NumPy never ran those lines), and so are
  findings on a line of an untaken ``if`` branch that would have crashed had
  it been taken (the truth there is "it depends").  Several findings on one
  line count once.
* Precision = flagged lines that are the crash line / flagged lines.
* Recall = in-scope crashes (the shape errors of SL101..SL106, see
  progen.IN_SCOPE) with a finding on the crash line / in-scope crashes.
  Crashes outside the analyzer's scope (progen.OUT_OF_SCOPE: max/argmax of a
  zero-size array, which no rule covers, and non-shape errors such as a
  TypeError from a float size) are not counted, and neither are crashes that
  depend on random data: the crash line runs fine for another outcome of an
  `if np.random.rand() > 0.5:` before it (progen.Truth.data_dependent).  The
  summary gives them apart, and the recall with them counted too.
* Shapes: every name bound to an ndarray or NumPy scalar by a line that ran
  before the first crash is one sample.  exact: inferred == real.  wrong: the
  inference contradicts reality (rank differs, or a concrete dim differs).
  unknown: everything else (no record, None, or a shape with None / invented
  dims that does not contradict reality).  In symbolic mode an inferred size
  such as ``2 * q`` is evaluated with the values of the sizes of each of the
  program's three runs: it is exact if it gives the real size in all three,
  wrong if it differs in one.
* Both modes are scored alike; ``run(seeds, mode)`` picks the generator.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from progen import DECLARED, ENTRY, IN_SCOPE, Program, _agree, generate, ground_truth

ERROR_CODES = {"SL101", "SL102", "SL103", "SL104", "SL105", "SL106"}


def _dim_value(d: Any, sizes: Dict[str, int]) -> Optional[int]:
    """An inferred size with the sizes' values: an int, a polynomial's text
    (``"2 * q"``) evaluated, None for unknown or anything that is not a size."""
    if isinstance(d, int) and not isinstance(d, bool):
        return d
    if isinstance(d, str) and sizes:
        try:
            v = eval(d, {"__builtins__": {}}, dict(sizes))  # noqa: S307 - the analyzer's own polynomial text
        except Exception:  # noqa: BLE001 - a name that is not one of the sizes
            return None
        return v if isinstance(v, int) and not isinstance(v, bool) else None
    return None


def classify_shape(inferred: Optional[List[Any]], real: Tuple[int, ...],
                   others: Sequence[Tuple[Dict[str, int], Tuple[int, ...]]] = (),
                   sizes: Optional[Dict[str, int]] = None) -> str:
    """exact / unknown / wrong for one name; ``sizes`` are the values under which
    ``real`` was observed, ``others`` more (sizes, real shape) runs."""
    if inferred is None:
        return "unknown"
    runs = [(sizes or {}, real)] + list(others)
    known = True
    for values, shape in runs:
        if len(inferred) != len(shape):
            return "wrong"
        for d, r in zip(inferred, shape):
            v = _dim_value(d, values)
            if v is None:
                known = False
            elif v != r:
                return "wrong"
    return "exact" if known else "unknown"


@dataclass
class ShapeSample:
    line: int
    name: str
    inferred: Optional[List[Any]]
    real: Tuple[int, ...]
    verdict: str  # exact | unknown | wrong


@dataclass
class Outcome:
    program: Program
    flagged: Dict[int, List[str]]  # scored line -> "SL10x: message" findings on it
    true_positive_lines: List[int]
    false_positive_lines: List[int]
    crash_in_scope: bool
    crash_detected: bool  # an SL1xx error on the crash line (any crash, in scope or not)
    right_code: bool  # ... and one of them has the code of the crash's category
    shapes: List[ShapeSample]
    internal_error: Optional[str]
    dead_findings: int = 0  # findings on untaken-branch lines that would crash (not scored)


def evaluate(program: Program) -> Outcome:
    from shapelint.analysis import analyze_source

    truth = program.truth
    result = analyze_source(program.source, "prog.py", collect_shapes=True)
    crash = truth.crash_line
    flagged: Dict[int, List[str]] = {}
    dead = 0
    for d in result.diagnostics:
        if d.severity != "error" or d.code not in ERROR_CODES:
            continue
        if crash is not None and d.line > crash:
            continue
        if d.line in truth.dead_crash_lines:
            dead += 1
            continue
        flagged.setdefault(d.line, []).append(f"{d.code}: {d.message}")
    tp = sorted(line for line in flagged if line == crash)
    fp = sorted(line for line in flagged if line != crash)

    inferred: Dict[Tuple[int, str], Optional[List[Any]]] = {}
    for rec in result.shapes:
        inferred[(rec.line, rec.name)] = rec.shape
    samples = []
    for (line, name), real in sorted(truth.shapes.items()):
        got = inferred.get((line, name))
        others = [(a, t.shapes[(line, name)]) for a, t in zip(program.assignments[1:], program.truths[1:])
                  if (line, name) in t.shapes]
        samples.append(ShapeSample(line, name, got, real,
                                   classify_shape(got, real, others, program.assignments[0])))
    return Outcome(
        program=program,
        flagged=flagged,
        true_positive_lines=tp,
        false_positive_lines=fp,
        crash_in_scope=crash is not None and truth.in_scope and not truth.data_dependent,
        crash_detected=crash is not None and crash in flagged,
        right_code=crash is not None and any(
            f.startswith(IN_SCOPE.get(truth.crash_category or "", "-") + ":") for f in flagged.get(crash, [])),
        shapes=samples,
        internal_error=result.error if result.internal_error else None,
        dead_findings=dead,
    )


@dataclass
class Stats:
    programs: int = 0
    crashes: int = 0
    crashes_in_scope: int = 0
    crashes_caught: int = 0  # in scope and flagged
    right_code: int = 0  # in scope, flagged, with the code of the crash's category
    dead_findings: int = 0
    data_dependent: int = 0  # in-scope crashes that depend on random data (not in recall)
    data_dependent_caught: int = 0
    out_of_scope: Dict[str, int] = field(default_factory=dict)
    by_category: Dict[str, List[int]] = field(default_factory=dict)  # category -> [crashes, caught]
    flagged_lines: int = 0
    true_positives: int = 0
    names: int = 0
    exact: int = 0
    unknown: int = 0
    wrong: int = 0
    internal_errors: int = 0
    generator_bugs: int = 0
    redrawn: int = 0  # symbolic mode: programs dropped as not generic (see progen)
    mode: str = "literal"
    outcomes: List[Outcome] = field(default_factory=list)

    def add(self, o: Outcome) -> None:
        t = o.program.truth
        self.programs += 1
        self.redrawn += o.program.redrawn
        self.outcomes.append(o)
        if t.generator_bug:
            self.generator_bugs += 1
        if t.crash_line is not None:
            self.crashes += 1
            cat = self.by_category.setdefault(t.crash_category or "other", [0, 0])
            cat[0] += 1
            cat[1] += int(o.crash_detected)
            if o.crash_in_scope:
                self.crashes_in_scope += 1
                self.crashes_caught += int(o.crash_detected)
                self.right_code += int(o.right_code)
            elif t.in_scope and t.data_dependent:
                self.data_dependent += 1
                self.data_dependent_caught += int(o.crash_detected)
            else:
                self.out_of_scope[t.crash_category or "other"] = self.out_of_scope.get(t.crash_category or "other", 0) + 1
        self.flagged_lines += len(o.flagged)
        self.true_positives += len(o.true_positive_lines)
        for s in o.shapes:
            self.names += 1
            setattr(self, s.verdict, getattr(self, s.verdict) + 1)
        self.internal_errors += int(o.internal_error is not None)
        self.dead_findings += o.dead_findings

    @property
    def recall(self) -> float:
        return self.crashes_caught / self.crashes_in_scope if self.crashes_in_scope else 1.0

    @property
    def recall_with_data_dependent(self) -> float:
        total = self.crashes_in_scope + self.data_dependent
        return (self.crashes_caught + self.data_dependent_caught) / total if total else 1.0

    @property
    def precision(self) -> float:
        return self.true_positives / self.flagged_lines if self.flagged_lines else 1.0

    @property
    def exact_share(self) -> float:
        return self.exact / self.names if self.names else 0.0

    @property
    def unknown_share(self) -> float:
        return self.unknown / self.names if self.names else 0.0

    @property
    def wrong_share(self) -> float:
        return self.wrong / self.names if self.names else 0.0

    def summary(self) -> str:
        cats = ", ".join(f"{k} {v[1]}/{v[0]}" for k, v in sorted(self.by_category.items()))
        oos = ", ".join(f"{k} {v}" for k, v in sorted(self.out_of_scope.items())) or "none"
        return "\n".join([
            f"programs: {self.programs}   crashing: {self.crashes} "
            f"(in scope {self.crashes_in_scope}; out of scope: {oos})",
            f"crash recall:    {self.recall:.4f}  ({self.crashes_caught}/{self.crashes_in_scope} in-scope crash lines flagged)",
            f"crashes that depend on random data (not in recall): {self.data_dependent}, "
            f"{self.data_dependent_caught} flagged; recall counting them: {self.recall_with_data_dependent:.4f}",
            f"error precision: {self.precision:.4f}  ({self.true_positives}/{self.flagged_lines} flagged lines crashed)",
            f"shapes exact:    {self.exact_share:.4f}  ({self.exact}/{self.names} names)",
            f"shapes unknown:  {self.unknown_share:.4f}  ({self.unknown}/{self.names})",
            f"shapes wrong:    {self.wrong_share:.4f}  ({self.wrong}/{self.names})",
            f"caught per crash category (caught/crashes): {cats}",
            f"caught crashes reported with the code of their category: {self.right_code}/{self.crashes_caught}",
            f"findings not scored (untaken `if` branch that would crash if taken): {self.dead_findings}",
            f"analyzer internal errors: {self.internal_errors}   generator bugs: {self.generator_bugs}"
            + (f"   programs re-drawn as not generic: {self.redrawn}" if self.mode == "symbolic" else ""),
        ])


def run(seeds: Iterable[int], mode: str = "literal", gaps: bool = False) -> Stats:
    stats = Stats(mode=mode)
    for seed in seeds:
        stats.add(evaluate(generate(seed, mode, gaps)))
    return stats


# ---------------------------------------------------------------------------
# Failures, for people: what went wrong, on which statement, made small.


@dataclass
class Failure:
    kind: str  # "wrong-shape" | "false-positive" | "missed-crash"
    seed: int
    source: str
    line: int
    detail: str
    name: str = ""  # wrong-shape: the name
    assignments: List[Dict[str, int]] = field(default_factory=lambda: [{}])  # symbolic: the sizes' values

    @property
    def statement(self) -> str:
        return self.source.splitlines()[self.line - 1].strip()

    @property
    def pattern(self) -> str:
        """The statement with names and numbers abstracted, to group failures."""
        return statement_pattern(self.statement)


def statement_pattern(stmt: str) -> str:
    stmt = re.sub(r"\bv\d+\b", "x", stmt)
    return re.sub(r"(?<![\w.])-?\d+\.?\d*", "N", stmt)


def failures(o: Outcome) -> List[Failure]:
    p, t = o.program, o.program.truth
    out: List[Failure] = []
    for s in o.shapes:
        if s.verdict == "wrong":
            out.append(Failure("wrong-shape", p.seed, p.source, s.line,
                               f"{s.name}: inferred {s.inferred}, NumPy {list(s.real)}", s.name, p.assignments))
    for line in o.false_positive_lines:
        where = "ran fine" if t.crash_line is None else f"ran fine (first crash: line {t.crash_line})"
        out.append(Failure("false-positive", p.seed, p.source, line,
                           f"{'; '.join(o.flagged[line])} -- NumPy {where}", "", p.assignments))
    if o.crash_in_scope and not o.crash_detected:
        out.append(Failure("missed-crash", p.seed, p.source, t.crash_line,
                           f"NumPy: {t.crash_error}; analyzer: nothing", "", p.assignments))
    return out


_BUILTINS = set(dir(builtins))


def _body(tree: ast.Module) -> Tuple[List[ast.stmt], Optional[ast.FunctionDef]]:
    """The statements a program runs: the module's, or those of a symbolic program's function."""
    fn = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == ENTRY), None)
    return (fn.body if fn is not None else tree.body), fn


def _names_defined(source: str) -> bool:
    """Does every name read come from an earlier statement (either branch of
    an `if` counts)?  Keeps the shrunk examples free of NameErrors, also in
    an untaken branch."""
    body, fn = _body(ast.parse(source))
    defined = {"np"} | ({a.arg for a in fn.args.args} if fn is not None else set())
    for unit in body:
        loads = {n.id for n in ast.walk(unit) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        if not loads <= defined | _BUILTINS:
            return False
        defined |= {n.id for n in ast.walk(unit) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return True


def program_of(source: str, seed: int = -1, assignments: Optional[List[Dict[str, int]]] = None) -> Program:
    """A hand-made (or shrunk) program with its truth; symbolic when ``assignments`` are given."""
    if not assignments or not assignments[0]:
        return Program(seed=seed, source=source, truth=ground_truth(source))
    truths = [ground_truth(source, a, data=i == 0) for i, a in enumerate(assignments)]
    return Program(seed=seed, source=source, truth=truths[0], mode="symbolic",
                   assignments=list(assignments), truths=truths)


def _still_fails(f: Failure, source: str, line: int) -> bool:
    if not _names_defined(source):
        return False
    p = program_of(source, -1, f.assignments)
    if not _agree(p.truths):
        return False  # the shrunk program would depend on the values of the sizes
    o = evaluate(p)
    t = o.program.truth
    if f.kind == "wrong-shape":
        return any(s.line == line and s.name == f.name and s.verdict == "wrong" for s in o.shapes)
    if f.kind == "false-positive":
        return line in o.false_positive_lines
    return t.crash_line == line and o.crash_in_scope and not o.crash_detected


def minimize(f: Failure) -> Failure:
    """Drop every statement the failure does not need (greedy, one statement
    at a time, until nothing more can go).  The import, and in a symbolic
    program the function's header and its declaring asserts, always stay."""
    lines = f.source.splitlines()
    body, fn = _body(ast.parse(f.source))
    units = [(n.lineno, n.end_lineno or n.lineno) for n in body]
    prefix = lines[:units[0][0] - 1] if fn is not None else []
    fixed = {0} if fn is None else set(range(len(DECLARED)))
    target = next(i for i, (a, b) in enumerate(units) if a <= f.line <= b)
    offset = f.line - units[target][0]

    def build(keep: List[int]) -> Tuple[str, int]:
        text: List[str] = list(prefix)
        new_line = 0
        for i in keep:
            a, b = units[i]
            if i == target:
                new_line = len(text) + 1 + offset
            text.extend(lines[a - 1:b])
        return "\n".join(text) + "\n", new_line

    keep = list(range(len(units)))
    changed = True
    while changed:
        changed = False
        for i in reversed(keep):
            if i == target or i in fixed:
                continue
            trial = [k for k in keep if k != i]
            src, ln = build(trial)
            if _still_fails(f, src, ln):
                keep = trial
                changed = True
    src, ln = build(keep)
    o = evaluate(program_of(src, f.seed, f.assignments))
    again = [g for g in failures(o) if g.kind == f.kind and g.line == ln and (not f.name or g.name == f.name)]
    return again[0] if again else f


def group_failures(stats: Stats) -> Dict[str, List[Failure]]:
    """pattern key -> failures, most frequent first."""
    groups: Dict[str, List[Failure]] = {}
    for o in stats.outcomes:
        for f in failures(o):
            groups.setdefault(f"{f.kind}  {f.pattern}", []).append(f)
    return dict(sorted(groups.items(), key=lambda kv: -len(kv[1])))
