"""File-level orchestration: bytes -> text -> analyze -> suppress -> severity.

Every failure is confined to its file: an unreadable, binary or undecodable
file, or a notebook that is not valid notebook JSON, is an ``SL001`` finding
(exit code 1, like any finding; ruff's ``E902``); an exception inside the
analyzer becomes an *internal error* for that file (reported on stderr, exit
code 2); the other files are checked all the same.

Files are checked in worker processes (on Linux, whenever a run has more
than one file to analyze): one per job when there are enough files to pay for
them, otherwise one.  Each worker checks one file at a time, so a worker that
dies (a crash in a C extension, ``os._exit``, the OOM killer) is reported as
an internal error for exactly the file it was checking, after one retry in a
fresh worker, and a file that keeps its worker busy longer than
``FILE_TIMEOUT`` seconds (``SHAPELINT_FILE_TIMEOUT``) has its worker killed
and is reported the same way; every other file still gets its result.
Results come from the cache when the file, the configuration and shapelint
itself are unchanged.
"""

from __future__ import annotations

import io
import os
import stat
import sys
import time
import tokenize
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple, Union

from shapelint.algebra.dims import forget_comparisons
from shapelint.diagnostics import Diagnostic, FunctionCoverage, ShapeRecord
from shapelint.source.paths import relative_below
from shapelint.suppress import UNUSED_CODE, apply_suppressions, skip_file, split_lines

if TYPE_CHECKING:
    from shapelint.source.reparse import DocumentPieces, Reparser

UNREADABLE_CODE = "SL001"
_RUNNER_CODES = {UNREADABLE_CODE, UNUSED_CODE}

# Several worker processes only pay for themselves with enough work: below
# these, one worker checks the files.
POOL_MIN_FILES = 4
POOL_MIN_BYTES = 64 * 1024
# Seconds one file may keep a worker busy before the worker is killed.
FILE_TIMEOUT = 20.0
# Running the project modules a file imports (once per worker, then shared) may take this many
# times the limit, each time it happens, on top of the file's own limit.
IMPORTS_TIMEOUT_FACTOR = 5
# A worker whose resident memory passed this many MB after a file is replaced by a new one: a
# backstop.  What it keeps for the next file (trees, module summaries) is bounded and its cyclic
# garbage is collected (see GARBAGE_GROWTH_MB), but pymalloc frees an arena only when nothing in it
# lives, so a worker keeps the high-water mark of its live objects.  The new worker reads the trees
# back from the tree store and runs the modules' summaries again, so a worker checks at least
# WORKER_MIN_FILES first: a project whose imports alone pass the bound does not pay for them again
# at every file.
WORKER_MEMORY_MB = 300
WORKER_MIN_FILES = 50
# Test-only: "segv:NAME", "exit:NAME" or "hang:NAME" makes a worker crash,
# exit or hang on any file whose display path contains NAME; "segv-once:NAME"
# crashes only the first time (it leaves FILE.crashed beside the file).
_CRASH_HOOK_VAR = "_SHAPELINT_TEST_CRASH"


@dataclass
class FileOutcome:
    """What one file gave: findings, shapes, and a message for stderr."""

    path: str  # the display path
    diagnostics: List[Diagnostic] = field(default_factory=list)
    shapes: List[ShapeRecord] = field(default_factory=list)
    # "warning": the file (or part of it) was not checked, e.g. nested too
    # deeply; "internal": the analyzer crashed (exit code 2).
    message: Optional[str] = None
    message_kind: Optional[str] = None
    trace: Optional[str] = None
    from_cache: bool = False
    # project modules the analysis read (absolute path -> sha256): the cached result is stale when one changes
    dependencies: Dict[str, str] = field(default_factory=dict)
    # functions that could not be checked (their qualified names; see FileResult.unchecked)
    unchecked: List[str] = field(default_factory=list)
    coverage: List[FunctionCoverage] = field(default_factory=list)  # `shapelint coverage`
    # findings whose fix (and the hint ending their message) was left unchecked (check_fixes=False)
    unchecked_fixes: int = 0

    @property
    def internal_error(self) -> bool:
        return self.message_kind == "internal"

    def to_cache(self) -> Dict[str, Any]:
        diags = []
        for d in self.diagnostics:
            j = d.to_json()
            j.pop("path")
            j["source_line"] = d.source_line
            diags.append(j)
        shapes = []
        for s in self.shapes:
            j = s.to_json()
            j.pop("path")
            shapes.append(j)
        coverage = []
        for c in self.coverage:
            j = c.to_json()
            j.pop("path")
            coverage.append(j)
        return {"diagnostics": diags, "shapes": shapes, "message": self.message, "message_kind": self.message_kind,
                "dependencies": self.dependencies, "unchecked": self.unchecked, "coverage": coverage}

    @classmethod
    def load_cached(cls, path: str, data: Dict[str, Any]) -> "FileOutcome":
        diags = [Diagnostic.from_json(dict(d, path=path)) for d in data["diagnostics"]]
        shapes = [ShapeRecord(path=path, **s) for s in data["shapes"]]
        coverage = [FunctionCoverage(path=path, **c) for c in data.get("coverage") or ()]
        return cls(path=path, diagnostics=diags, shapes=shapes, message=data.get("message"),
                   message_kind=data.get("message_kind"), from_cache=True,
                   dependencies=dict(data.get("dependencies") or {}),
                   unchecked=list(data.get("unchecked") or ()), coverage=coverage)

    def dependencies_unchanged(self) -> bool:
        from shapelint.analysis.modules import file_digest

        return all(file_digest(path) == digest for path, digest in self.dependencies.items())


def _unreadable(path: str, message: str, codes: Set[str], line: int = 1, column: int = 1,
                text: str = "") -> FileOutcome:
    if UNREADABLE_CODE not in codes:
        return FileOutcome(path=path, message=f"{message} (not checked; {UNREADABLE_CODE} is ignored)",
                           message_kind="warning")
    d = Diagnostic(path=path, line=line, column=column, end_line=line, end_column=column + 1,
                   code=UNREADABLE_CODE, severity="error", message=message, source_line=text)
    return FileOutcome(path=path, diagnostics=[d])


def is_notebook(path: str) -> bool:
    return path.lower().endswith(".ipynb")


def decode_python(data: bytes) -> Tuple[Optional[str], Optional[Tuple[str, int, int, str]]]:
    """(text, None) or (None, (message, line, column, line text)) for a Python file's bytes."""
    if b"\0" in data:
        return None, ("binary file (it contains NUL bytes), not Python source", 1, 1, "")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        msg = str(getattr(exc, "msg", exc))
        if "unknown encoding" in msg or "encoding problem" in msg:
            return None, (f"cannot decode: {msg}", 1, 1, "")
        encoding = "utf-8"  # no usable declaration, and the first lines are not UTF-8
    try:
        return data.decode(encoding), None
    except (UnicodeDecodeError, LookupError) as exc:
        start = getattr(exc, "start", 0)
        line = data.count(b"\n", 0, start) + 1
        col = start - (data.rfind(b"\n", 0, start) + 1) + 1
        bad = data[start:start + 1].hex()
        lines = data.decode(encoding if not isinstance(exc, LookupError) else "utf-8", "replace").splitlines()
        text = lines[line - 1] if line <= len(lines) else ""
        name = "UTF-8" if encoding in ("utf-8", "utf-8-sig") else encoding
        return None, (f"cannot decode as {name}: invalid byte 0x{bad} (save the file as UTF-8, "
                      f"or declare its encoding)", line, col, text)


def _analyze(source: str, path: str, codes: Set[str], collect_shapes: bool, implicit_numpy: bool = True,
             cells=None, reparser: Optional[Union[Reparser, DocumentPieces]] = None):
    """analyze_source, with any exception it lets through turned into an internal error."""
    from shapelint.analysis import analyze_source

    notebook = {"cells": cells} if cells is not None else {}
    try:
        return analyze_source(source, path, codes=codes - _RUNNER_CODES, collect_shapes=collect_shapes,
                              implicit_numpy=implicit_numpy, reparser=reparser, **notebook), None
    except RecursionError:
        return None, ("warning", "expression nesting too deep to analyze: skipped", None)
    except Exception as exc:  # an analyzer bug must not stop the run, nor pass silently
        return None, ("internal", f"internal error: {type(exc).__name__}: {exc}", traceback.format_exc(limit=-8))


def lint_bytes(data: bytes, path: str, codes: Optional[Iterable[str]] = None,
               severity: Optional[Dict[str, str]] = None, collect_shapes: bool = False,
               implicit_numpy: bool = True, check_fixes: bool = True,
               stop: Optional[Callable[[], bool]] = None, reparser: Optional[Reparser] = None,
               document: Optional[str] = None) -> FileOutcome:
    """Check one file's contents (``path`` is what findings are reported against).

    The whole pipeline except discovery, caching and the baseline: decoding,
    notebooks, the analyzer, inline suppressions and severity overrides.
    check_fixes=False leaves out checking the fixes that need the file analyzed again
    (``shapelint server`` does that later): those findings have no fix and no hint, and
    ``unchecked_fixes`` counts them.  stop: see ``fix_check.check_candidates`` (it may raise
    ``fix_check.Stopped``).  reparser: where the text's parsed pieces are kept for the next
    analysis of a text like it (``shapelint server`` keeps one); by default the text is parsed
    whole, and the re-analyses that check the fixes share one made for this call.  document:
    the editor document ``data`` is a version of (the server passes its URI): the reparser
    then drops the pieces of that document's previous version that this one no longer has.
    """
    if codes is None:
        from shapelint.rules import default_codes

        codes = default_codes()
    codes = set(codes)
    nb = None
    if is_notebook(path):
        from shapelint.notebook import NotebookError, build_source

        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return _unreadable(path, f"not a valid notebook: not UTF-8 (invalid byte 0x{data[exc.start:exc.start + 1].hex()} "
                                     f"at offset {exc.start})", codes)
        try:
            nb = build_source(text)
        except NotebookError as exc:
            return _unreadable(path, str(exc), codes)
        if nb.not_python:
            return FileOutcome(path=path)
        source = nb.source
    else:
        source, problem = decode_python(data)
        if source is None:
            assert problem is not None
            message, line, col, text = problem
            return _unreadable(path, message, codes, line, col, text)

    if skip_file(source):
        return FileOutcome(path=path)

    started = time.monotonic()
    cells = nb.line_map if nb is not None else None
    # Without a reparser the text is parsed whole: its pieces, parsed one by one, cost about
    # twice that (_ridge.py: 0.58 s against 0.30 s), which pays only when a version like it follows.
    result, failure = _analyze(source, path, codes, collect_shapes, implicit_numpy, cells,
                               reparser if reparser is None or document is None else reparser.for_document(document))
    analysis_seconds = time.monotonic() - started
    if failure is not None:
        kind, message, trace = failure
        return FileOutcome(path=path, message=message, message_kind=kind, trace=trace)
    outcome = FileOutcome(path=path, dependencies=dict(result.dependencies), unchecked=list(result.unchecked))
    if result.error:
        if result.internal_error:
            message, _, trace = result.error.partition("\n")
            outcome.message, outcome.message_kind, outcome.trace = message, "internal", trace or None
        else:
            outcome.message, outcome.message_kind = result.error, "warning"

    diags = [_named_as_given(d, path) for d in result.diagnostics]
    if any(d.candidates or d.at_cause is not None for d in diags):
        if check_fixes:
            if reparser is None:  # each candidate is this text with a line or two edited
                from shapelint.source.reparse import Reparser

                reparser = Reparser()
            diags = _checked_fixes(source, path, codes, diags, nb, analysis_seconds, implicit_numpy, stop, reparser)
        else:
            from shapelint.fix_check import without_analysis

            diags = without_analysis(diags)
    if nb is not None:
        index = {pos: k for k, pos in enumerate(nb.line_map, start=1)}
        for e in nb.cell_errors:
            if e.code not in codes:
                if e.code != "SL000" and outcome.message is None:  # a cell not checked: never silent
                    outcome.message, outcome.message_kind = f"cell {e.cell}: {e.message} ({e.code} is ignored)", "warning"
                continue
            k = index.get((e.cell, e.line), 1)
            diags.append(Diagnostic(path=path, line=k, column=e.column, end_line=k, end_column=e.column + 1,
                                    code=e.code, severity=e.severity, message=e.message, source_line=e.text))
    diags = apply_suppressions(diags, source, codes, path)
    diags = one_finding_per_failing_line(diags, result.failing_elsewhere)

    if diags:
        lines = split_lines(source) if nb is None else None
        fixed = []
        for d in diags:
            if severity and d.code in severity:
                d = d.with_(severity=severity[d.code])
            if nb is not None:
                d = _to_cell(d, nb)
            else:
                text = lines[d.line - 1] if 0 < d.line <= len(lines) else d.source_line
                d = d.with_(source_line=text)
            fixed.append(d)
        diags = sorted(fixed, key=lambda d: (d.cell or 0, d.line, d.column, d.code))
    if not check_fixes:
        outcome.unchecked_fixes = sum(1 for d in diags if d.candidates)
        diags = [d.with_(candidates=(), at_cause=None) if d.candidates or d.at_cause is not None else d
                 for d in diags]
    outcome.diagnostics = diags

    shapes = list(result.shapes)
    if nb is not None:
        shapes = [replace(s, line=nb.locate(s.line)[1], cell=nb.locate(s.line)[0]) for s in shapes]
    outcome.shapes = [s if s.path == path else replace(s, path=path) for s in shapes]
    coverage = result.coverage
    if nb is not None:
        coverage = [replace(c, line=nb.locate(c.line)[1], cell=nb.locate(c.line)[0]) for c in coverage]
    outcome.coverage = [replace(c, path=path) for c in coverage]
    return outcome


def _named_as_given(d: Diagnostic, path: str) -> Diagnostic:
    """A finding of the file checked as ``path``, its related places in other files named as ``shown_path``."""
    if d.path == path and all(r.path == path for r in d.related) and d.at_cause is None:
        return d
    return d.with_(path=path, related=tuple(replace(r, path=path if r.path == d.path else shown_path(r.path))
                                            for r in d.related),
                   at_cause=_named_as_given(d.at_cause, path) if d.at_cause is not None else None)


def shown_path(path: str) -> str:
    """Another file named by a finding (an imported module, a driver): relative to the working
    folder when it is inside it, as findings' own paths are given, else absolute."""
    return relative_below(path) or path


def one_finding_per_failing_line(diags: List[Diagnostic], failing_elsewhere: Iterable[int] = ()) -> List[Diagnostic]:
    """A line whose code raises (an ``SL1xx`` error) shows only its errors: the warnings on that
    line (a rank-1 operand, a gradient of another shape, the same failure for symbolic sizes)
    describe the same failing operation or what it would have produced, and one bug is one
    finding.  So does a line whose failure is reported at its cause (``failing_elsewhere``).
    Warnings on other lines, and findings about the file itself, stay."""
    failing = {d.line for d in diags if d.severity == "error" and d.code.startswith("SL1")} | set(failing_elsewhere)
    if not failing:
        return diags
    return [d for d in diags if not (d.line in failing and d.severity != "error" and d.code[:3] in ("SL2", "SL3"))]


def _checked_fixes(source: str, path: str, codes: Set[str], diags: List[Diagnostic], nb,
                   analysis_seconds: float, implicit_numpy: bool = True,
                   stop: Optional[Callable[[], bool]] = None,
                   reparser: Optional[Reparser] = None) -> List[Diagnostic]:
    """The findings with the candidates that pass the check as their fixes (``shapelint.fix_check``).
    Each candidate is the text with a line or two edited: the reparser parses only their pieces."""
    from shapelint.fix_check import check_candidates

    def analyze(edited: str) -> Optional[List[Diagnostic]]:
        result, failure = _analyze(edited, path, codes, False, implicit_numpy,
                                   nb.line_map if nb is not None else None, reparser)
        if failure is not None or result.error:
            return None
        return list(result.diagnostics)

    analyzed = split_lines(source) if nb is not None else []

    def editable(line: int) -> bool:  # not a notebook line that IPython syntax rewrote
        return nb is None or (0 < line <= min(len(analyzed), len(nb.original_lines))
                              and analyzed[line - 1] == nb.original_line(line))

    return check_candidates(source, diags, analyze, editable, analysis_seconds, stop)


def _to_cell(d: Diagnostic, nb) -> Diagnostic:
    cell, line = nb.locate(d.line)
    end_cell, end_line = nb.locate(max(d.end_line, d.line))
    end_column = d.end_column
    original = nb.original_line(d.line)
    if end_cell != cell:
        end_line, end_column = line, len(original) + 1
    related = tuple(replace(r, cell=nb.locate(r.line)[0], line=nb.locate(r.line)[1], file_line=nb.file_line(r.line))
                    if r.path == d.path else r for r in d.related)
    fix = d.fix
    if fix is not None and fix.edits:
        edits = []
        for e in fix.edits:
            (c, l), (ec, el) = nb.locate(e.line), nb.locate(e.end_line)
            edits.append(replace(e, line=l, end_line=el, cell=c) if c == ec else None)
        fix = replace(fix, edits=tuple(edits)) if None not in edits else None
    return d.with_(line=line, end_line=end_line, end_column=end_column, cell=cell, source_line=original,
                   file_line=nb.file_line(d.line), related=related, fix=fix)


# --- many files ------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    path: str  # absolute
    display: str
    rel: str  # relative to the project root (cache key, per-file-ignores)
    codes: FrozenSet[str]


@dataclass
class RunOptions:
    severity: Dict[str, str] = field(default_factory=dict)
    collect_shapes: bool = False
    cache: Any = None  # shapelint.cache.Cache or None
    jobs: int = 1
    implicit_numpy: bool = True  # the setting `implicit-numpy`
    file_timeout: Optional[float] = None  # seconds; None: SHAPELINT_FILE_TIMEOUT, else FILE_TIMEOUT
    trees: Any = None  # the cache's TreeStore, made in the process that checks (False: none can be kept)


def read_file(path: str) -> Tuple[Optional[bytes], Optional[str]]:
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            return None, "cannot read: is a directory"
        if not stat.S_ISREG(mode):  # a FIFO or a device would block or never end
            return None, "cannot read: not a regular file"
        with open(path, "rb") as fh:
            return fh.read(), None
    except IsADirectoryError:
        return None, "cannot read: is a directory"
    except OSError as exc:
        return None, f"cannot read: {exc.strerror or exc}"
    except MemoryError:
        return None, "cannot read: file too large"


def check_task(task: Task, opts: RunOptions) -> FileOutcome:
    """Read, check and cache one file.  Never raises for a problem with the file."""
    data, err = read_file(task.path)
    if data is None:
        return _unreadable(task.display, err or "cannot read", set(task.codes))
    from shapelint.analysis.parsing import use_tree_store

    if opts.cache is not None and opts.trees is None:
        opts.trees = opts.cache.trees() or False
    use_tree_store(opts.trees or None)
    try:
        outcome = lint_bytes(data, task.display, task.codes, opts.severity, opts.collect_shapes,
                             opts.implicit_numpy)
    except Exception as exc:  # a bug outside the analyzer: still only this file
        return FileOutcome(path=task.display, message=f"internal error: {type(exc).__name__}: {exc}",
                           message_kind="internal", trace=traceback.format_exc(limit=-8))
    finally:
        after_a_check()
    if opts.cache is not None and not outcome.internal_error:
        key = opts.cache.key(data, task.rel, task.codes, opts.severity, opts.collect_shapes, opts.implicit_numpy)
        opts.cache.put(key, outcome.to_cache())
    return outcome


def make_tasks(files: Sequence[Tuple[Path, str]], root: Path, codes_for: Callable[[str], Set[str]]) -> List[Task]:
    tasks = []
    for abs_path, display in files:
        try:
            rel = abs_path.relative_to(root).as_posix()
        except ValueError:
            rel = abs_path.as_posix()
        tasks.append(Task(str(abs_path), display, rel, frozenset(codes_for(rel))))
    return tasks


# The cyclic garbage collector's first threshold, in container objects allocated.  Python's
# default (700) runs a collection every 700 allocations, and a check allocates in bulk: a parsed
# or unpickled module is tens of thousands of nodes at once, every one of which the young
# collections then walk.  At 200,000 (as mypy sets it) checking one edited scikit-learn file
# took 30 % less CPU with the same peak RSS (bench/edit_one_file.py).
GC_FIRST_THRESHOLD = 200_000


def tune_collector() -> None:
    """Collect cyclic garbage less often (see GC_FIRST_THRESHOLD); the process's own setting is
    kept where it is already higher."""
    import gc

    first, second, third = gc.get_threshold()
    if 0 < first < GC_FIRST_THRESHOLD:
        gc.set_threshold(GC_FIRST_THRESHOLD, second, third)


def after_a_check() -> None:
    """What a process that checks file after file (a worker, ``shapelint server``) lets go of
    after each check: the memo of size comparisons past its bound (+4 MB of RSS per 100 edits of
    a course notebook without it, see ``dims.forget_comparisons``), the cyclic garbage once it
    has grown (see GARBAGE_GROWTH_MB), and the freed memory."""
    forget_comparisons()
    collect_garbage_when_grown()
    release_free_memory()


# An analysis leaves its values in reference cycles (a module's names hold its functions, which
# hold the module), so what one check made is freed only by a collection of the oldest
# generation.  Python runs one rarely: with GC_FIRST_THRESHOLD, only after 100 young collections
# (20 million allocations), and then only when the objects promoted since the last one pass a
# quarter of those already there.  One process over 1,644 scikit-learn and scipy files ran none
# before file 1,500 (bench/memory_over_files.py): it rose to 361 MB by file 1,400, of which 95 MB
# was alive after a collection, and peaked at 419 MB.  A full collection costs up to a second
# there, too much after every file; one whenever the resident memory has grown by this many MB
# since the last kept that run flat (197 MB half way, 209 MB at the end, a 299 MB peak) with 22 of
# them.  Growth is not always garbage: while the caches fill (the first 150 files of
# scikit-learn), collections found 2,000 to 35,000 objects each, for up to 0.9 s.  So a collection
# that finds fewer than USEFUL_COLLECTION objects doubles the growth the next one waits for, up to
# MAX_GARBAGE_GROWTH_MB (the most garbage a process may then hold), and one that finds more brings
# it back to GARBAGE_GROWTH_MB.  Below GARBAGE_FLOOR_MB nothing is collected: the first 150 files of
# scikit-learn peak at 141 MB, and the two collections on the way cost 5 % of their check.  The
# first check only sets the mark: a run of one file (pre-commit, an editor's) ends without paying
# for a collection.
GARBAGE_FLOOR_MB = 192
GARBAGE_GROWTH_MB = 32
MAX_GARBAGE_GROWTH_MB = 128
USEFUL_COLLECTION = 50_000
_resident_after_collection: Optional[float] = None
_growth_mb = GARBAGE_GROWTH_MB


def collect_garbage_when_grown() -> None:
    global _resident_after_collection, _growth_mb
    resident = _resident_mb(os.getpid())
    if _resident_after_collection is None:
        _resident_after_collection = resident
    if resident < GARBAGE_FLOOR_MB or resident - _resident_after_collection < _growth_mb:
        return
    import gc

    found = gc.collect()
    _growth_mb = GARBAGE_GROWTH_MB if found >= USEFUL_COLLECTION else min(2 * _growth_mb, MAX_GARBAGE_GROWTH_MB)
    release_free_memory()
    _resident_after_collection = _resident_mb(os.getpid())


_malloc_trim: Any = None  # glibc's malloc_trim, looked up once (False where there is none)


def release_free_memory() -> None:
    """Give the memory the last file's analysis freed back to the system (glibc's
    ``malloc_trim``): its large blocks otherwise stay with the process, and a worker that
    checks hundreds of files keeps the peak of every file.  Over 500 scikit-learn and scipy
    files in one process the RSS at the end was 276 MB instead of 338 MB, at the same CPU
    time (bench/memory_over_files.py).  Nothing where the C library has no such call."""
    global _malloc_trim
    if _malloc_trim is None:
        _malloc_trim = False
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
            except (OSError, AttributeError):
                pass
    if _malloc_trim:
        _malloc_trim(0)


def run_tasks(tasks: Sequence[Task], opts: RunOptions,
              progress: Optional[Callable[[int], Any]] = None) -> List[FileOutcome]:
    """Check every task; outcomes in the order of ``tasks``.

    progress: called with the number of files still to analyze (the cache
    misses) once they are known, then as ``progress(-1)`` after each.
    """
    tune_collector()  # (forked workers inherit it; spawned ones set it in _worker_main)
    outcomes: List[Optional[FileOutcome]] = [None] * len(tasks)
    todo: List[int] = []
    todo_bytes = 0
    for i, task in enumerate(tasks):
        if opts.cache is not None:
            data, _ = read_file(task.path)
            if data is not None:
                key = opts.cache.key(data, task.rel, task.codes, opts.severity, opts.collect_shapes, opts.implicit_numpy)
                hit = opts.cache.get(key)
                if hit is not None:
                    try:
                        cached = FileOutcome.load_cached(task.display, hit)
                        if cached.dependencies_unchanged():  # an imported project module may have changed
                            outcomes[i] = cached
                            continue
                    except (TypeError, KeyError, ValueError, AttributeError):
                        pass  # an entry of another layout: a miss
                todo_bytes += len(data)
        else:
            try:
                todo_bytes += os.path.getsize(task.path)
            except OSError:
                pass
        todo.append(i)

    if progress is not None:
        progress(len(todo))
    workers = 1
    if opts.jobs > 1 and len(todo) >= POOL_MIN_FILES and todo_bytes >= POOL_MIN_BYTES:
        workers = min(opts.jobs, len(todo))
    # With one file, a crash loses nothing else; elsewhere than Linux a worker
    # starts by importing everything again (no fork), which only pays with work.
    isolate = len(todo) > 1 and (_CAN_FORK or workers > 1)
    if not isolate:
        for i in todo:
            outcomes[i] = check_task(tasks[i], opts)
            if progress is not None:
                progress(-1)
    else:
        for i, outcome in _run_pool([tasks[i] for i in todo], opts, progress, workers):
            outcomes[todo[i]] = outcome
    done = [o for o in outcomes if o is not None]
    one_finding_per_failure(done)
    return done


_CAN_FORK = sys.platform.startswith("linux")


def one_finding_per_failure(outcomes: Sequence[FileOutcome]) -> None:
    """One failure seen from two files of a run is one finding (in place).

    A finding in file A for a failure inside module B (its related place of role "fails") and
    B's own finding at that line, found with the shapes A passes (a related "call" in A), are
    the same failure.  B's is kept, at the line that fails, with A's call as related
    information; A's is dropped.  Unless A's finding sits where its checked fix edits (the line
    of A that made the failing operand, or the call whose argument is wrong): that line is the
    bug, and B's finding is its consequence.  With B not in the run, A's finding is the only one."""
    def place(p: str, line: int, code: str) -> Tuple[str, int, str]:
        return os.path.normcase(os.path.abspath(p)), line, code

    found: Dict[Tuple[str, int, str], Diagnostic] = {}
    for o in outcomes:
        for d in o.diagnostics:
            if d.cell is None:
                found.setdefault(place(o.path, d.line, d.code), d)
    if not found:
        return
    dropped: Set[int] = set()
    for o in outcomes:
        here = os.path.normcase(os.path.abspath(o.path))
        for d in o.diagnostics:
            for r in d.related:
                if r.role != "fails":
                    continue
                there = found.get(place(r.path, r.line, d.code))
                if there is None or id(there) in dropped or not any(
                        c.role == "call" and os.path.normcase(os.path.abspath(c.path)) == here for c in there.related):
                    continue
                at_its_fix = d.fix is not None and bool(d.fix.edits) and all(
                    e.line <= d.line <= e.end_line for e in d.fix.edits)
                dropped.add(id(there) if at_its_fix else id(d))
                break
    if dropped:
        for o in outcomes:
            o.diagnostics = [d for d in o.diagnostics if id(d) not in dropped]


def file_timeout(opts: RunOptions) -> float:
    if opts.file_timeout is not None:
        return opts.file_timeout
    env = os.environ.get("SHAPELINT_FILE_TIMEOUT", "").strip()
    try:
        value = float(env) if env else FILE_TIMEOUT
    except ValueError:
        value = FILE_TIMEOUT
    return value if value > 0 else FILE_TIMEOUT


def _test_crash_hook(task: Task) -> None:
    """Test-only: crash, exit or hang as ``_SHAPELINT_TEST_CRASH`` asks (see its definition)."""
    spec = os.environ.get(_CRASH_HOOK_VAR)
    if not spec or ":" not in spec:
        return
    how, _, name = spec.partition(":")
    if not name or name not in task.display:
        return
    if how == "segv-once":
        marker = task.path + ".crashed"
        if os.path.exists(marker):
            return
        open(marker, "w").close()
        how = "segv"
    if how == "segv":
        import faulthandler
        import signal

        faulthandler.disable()  # pytest's, inherited: its dump of the stack is noise here
        os.kill(os.getpid(), signal.SIGSEGV)
    elif how == "exit":
        os._exit(3)
    elif how == "hang":
        import time

        time.sleep(3600)


def _worker_main(conn, opts: RunOptions) -> None:
    """A worker: check the tasks it is sent, one at a time, until told to stop.  While it runs the
    project modules a file imports for the first time, it says so ("clock" messages): that time
    is not the file's (see _run_pool)."""
    from shapelint.analysis import shared_modules

    tune_collector()
    shared_modules.import_clock = lambda what: conn.send(("clock", what))
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            return
        if item is None:
            return
        index, task = item
        try:
            _test_crash_hook(task)
            outcome = check_task(task, opts)
        except BaseException as exc:  # noqa: B036 - nothing may escape a worker but its death
            outcome = FileOutcome(path=task.display, message=f"internal error: {type(exc).__name__}: {exc}",
                                  message_kind="internal", trace=traceback.format_exc(limit=-8))
        try:
            conn.send((index, outcome))
        except Exception as exc:  # e.g. a result that cannot be pickled
            conn.send((index, FileOutcome(path=task.display, message_kind="internal",
                                          message=f"internal error: cannot send the result: {type(exc).__name__}: {exc}")))


class _Worker:
    def __init__(self, ctx, opts: RunOptions):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, opts), daemon=True)
        self.process.start()
        child.close()
        self.index: Optional[int] = None  # the task it is checking
        self.started = 0.0  # when it got the task, moved on by the time spent running imports
        self.paused: Optional[float] = None  # since when it runs imported modules (see _worker_main)
        self.checked = 0  # files it has given a result for

    def give(self, index: int, task: Task) -> None:
        import time

        self.index, self.started, self.paused = index, time.monotonic(), None
        self.conn.send((index, task))

    def deadline(self, timeout: float) -> float:
        """The file's own analysis has ``timeout`` seconds; running imported modules, which a worker
        does once for every file after it, has IMPORTS_TIMEOUT_FACTOR times that, each time."""
        if self.paused is not None:
            return self.paused + IMPORTS_TIMEOUT_FACTOR * timeout
        return self.started + timeout

    def read(self, now: float) -> Optional["FileOutcome"]:
        """The outcome it sent, or None; clock messages on the way move its deadline."""
        while self.conn.poll():
            message = self.conn.recv()
            if message[0] != "clock":
                return message[1]  # one task at a time: it is this one
            if message[1] == "pause":
                self.paused = now
            elif self.paused is not None:
                self.started += now - self.paused
                self.paused = None
        return None

    def stop(self, kill: bool = False) -> None:
        try:
            if kill:
                self.process.kill()
            else:
                self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(timeout=None if kill else 5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()

    def death(self) -> str:
        self.process.join(timeout=5)
        code = self.process.exitcode
        if code is not None and code < 0:
            import signal

            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"killed by {name}"
        return f"exit code {code}"


def _resident_mb(pid: int) -> float:
    """A process's resident memory (Linux; elsewhere 0: workers are not replaced, and garbage is
    not collected, for memory)."""
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0


def _run_pool(tasks: Sequence[Task], opts: RunOptions, progress, workers: int) -> Iterable[Tuple[int, FileOutcome]]:
    """Check ``tasks`` in ``workers`` processes; yields (index, outcome) as they finish."""
    import multiprocessing
    import time
    from collections import deque
    from multiprocessing.connection import wait

    ctx = multiprocessing.get_context("fork" if _CAN_FORK else "spawn")
    if _CAN_FORK:
        # The workers inherit the imported analyzer instead of importing it again.
        import shapelint.analysis  # noqa: F401

        try:
            import libcst  # noqa: F401
            import shapelint.analysis.infer  # noqa: F401
        except Exception:
            pass  # imported (and its failure reported per file) in the workers
    timeout = file_timeout(opts)
    todo = deque(range(len(tasks)))
    tries = [0] * len(tasks)
    pool: List[_Worker] = []
    idle: List[_Worker] = []

    def finish(index: int, outcome: FileOutcome) -> Tuple[int, FileOutcome]:
        if progress is not None:
            progress(-1)
        return index, outcome

    try:
        while todo or any(w.index is not None for w in pool):
            while todo and (idle or len(pool) < workers):
                if idle:
                    worker = idle.pop()
                else:
                    try:
                        worker = _Worker(ctx, opts)
                    except OSError:  # no process can be started (out of memory, of pids)
                        if pool:
                            workers = len(pool)  # go on with those we have
                            break
                        while todo:  # none at all: check the rest here, unprotected
                            index = todo.popleft()
                            yield finish(index, check_task(tasks[index], opts))
                        break
                    pool.append(worker)
                index = todo.popleft()
                try:
                    worker.give(index, tasks[index])
                except (OSError, ValueError):  # it died while idle: never mind, another one
                    pool.remove(worker)
                    worker.stop(kill=True)
                    todo.appendleft(index)
                    continue
                tries[index] += 1
            busy = [w for w in pool if w.index is not None]
            if not busy:
                continue
            now = time.monotonic()
            wait_for = max(0.0, min(w.deadline(timeout) for w in busy) - now)
            ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=wait_for))
            now = time.monotonic()
            for w in busy:
                index = w.index
                assert index is not None
                outcome: Optional[FileOutcome] = None
                broken = False
                if w.conn in ready:
                    try:
                        outcome = w.read(now)  # None: only clock messages so far
                    except (EOFError, OSError):
                        broken = True  # its end of the pipe is gone
                if outcome is not None:
                    w.index = None
                    w.checked += 1
                    if w.checked >= WORKER_MIN_FILES and _resident_mb(w.process.pid) > WORKER_MEMORY_MB:
                        pool.remove(w)  # (a new one is started when there is a file to give)
                        w.stop()
                    else:
                        idle.append(w)
                elif broken or w.process.sentinel in ready or not w.process.is_alive():
                    if w.process.is_alive():
                        w.process.kill()  # a broken pipe: no use any more
                    pool.remove(w)
                    why = w.death()
                    w.stop(kill=True)
                    if tries[index] < 2:
                        todo.appendleft(index)  # once more, in another worker (the OOM killer may have picked it by chance)
                        continue
                    outcome = FileOutcome(
                        path=tasks[index].display, message_kind="internal",
                        message=f"internal error: the process checking this file died ({why}; tried twice); "
                                f"the other files were checked")
                elif now >= w.deadline(timeout):
                    pool.remove(w)
                    w.stop(kill=True)
                    outcome = FileOutcome(
                        path=tasks[index].display, message_kind="internal",
                        message=f"internal error: checking this file took more than {timeout:g} s: stopped "
                                f"(SHAPELINT_FILE_TIMEOUT sets the limit)")
                if outcome is not None:
                    yield finish(index, outcome)
    finally:
        for w in pool:
            w.stop(kill=w.index is not None)
