"""The static analysis of one source text: parse once, infer shapes, run the rules.

``analyze_source`` is the single entry point used by the CLI, the cache, the
notebook reader and the tests.  It never raises for bad input: a syntax error
is an ``SL000`` diagnostic, a file too deep or too long to analyze an
``SL002`` one (``shapelint.analysis.precheck`` measures every file before
libcst, which crashes on deep enough nesting, sees it), and an internal
failure is recorded in ``FileResult.error`` with ``internal_error=True``.
"""

from __future__ import annotations

import ast
import os
import re
import sys
import traceback
import warnings
from typing import TYPE_CHECKING, Iterable, Optional, Sequence, Set, Tuple

from shapelint.diagnostics import Diagnostic, FileResult

if TYPE_CHECKING:
    from shapelint.analysis.precheck import Excess, Measure

TOO_COMPLEX_CODE = "SL002"

# Files that never mention NumPy have no arrays for us to check; they are
# only compiled (CPython's parser is ~100x faster than libcst's) so that a
# syntax error is still reported.
_NUMPY_MARKERS = ("numpy", "shapelint")


def mentions_numpy(source: str) -> bool:
    return any(m in source for m in _NUMPY_MARKERS)


_IMPORT_RE = re.compile(r"^[ \t]*(?:from[ \t]+(\.*)([\w.]*)[ \t]+import|import[ \t]+([\w.]+))", re.MULTILINE)


def imports_project_module(source: str, path: str, project_root: Optional[str]) -> bool:
    """Does the text import a module of the project (whose functions may handle arrays)?"""
    from shapelint.analysis import modules

    if path.startswith("<"):
        return False
    for m in _IMPORT_RE.finditer(source):
        dots, name, plain = m.group(1) or "", m.group(2) or "", m.group(3) or ""
        if modules.resolve(path, plain or name, 0 if plain else len(dots), project_root) is not None:
            return True
    return False


def analyze_source(
    source: str,
    path: str = "<string>",
    codes: Optional[Iterable[str]] = None,
    collect_shapes: bool = False,
    project_root: Optional[str] = None,
    cells: Optional[Sequence[Tuple[int, int]]] = None,
) -> FileResult:
    """Analyze one Python source text.

    codes: the rule codes to run (default: the default selection).  The
    caller applies suppression comments and severity overrides.
    collect_shapes: also record the inferred shape of every assigned name.
    project_root: where imports of project modules are also looked up (default:
    the nearest folder above ``path`` with a ``pyproject.toml``, ``.git``, ...).
    cells: for a notebook's joined cells, (cell, line in cell) of each line of ``source``:
    line numbers inside messages are then given as ``cell 4, line 2``.
    """
    from shapelint.rules import default_codes

    enabled = set(codes) if codes is not None else default_codes()
    result = FileResult(path=path)
    if project_root is None and not path.startswith("<"):
        from shapelint.analysis.modules import find_root

        project_root = find_root(os.path.dirname(os.path.abspath(path)))
    # A stub (.pyi) is read by type checkers, never run: its syntax is all there is to check.
    stub = path.endswith(".pyi")
    if stub or (not mentions_numpy(source) and not collect_shapes
                and not imports_project_module(source, path, project_root)):
        problem = syntax_problem(source, path)
        if problem is not None:
            _report(result, problem, enabled)
        return result

    from shapelint.analysis.precheck import measure

    sizes = measure(source)
    if sizes.excess is not None:
        _report(result, too_complex(source, path, sizes.excess), enabled)
        return result

    import libcst

    try:
        module = libcst.parse_module(source)
    except libcst.ParserSyntaxError as exc:
        syntax = _python_syntax_error(source, path)
        if syntax is None:
            # CPython accepts it but libcst cannot: newer syntax than libcst
            # knows.  Not the user's error, so not a finding.
            result.error = f"libcst cannot parse this file (line {exc.raw_line}): skipped"
        else:
            _report(result, syntax, enabled)
        return result
    except RecursionError:
        _report(result, _recursion_limit(source, path, sizes, "libcst's parser"), enabled)
        return result

    from shapelint.analysis.infer import run_inference

    try:
        run_inference(module, source, path, enabled, result, collect_shapes, project_root, cells)
    except RecursionError:
        # Our evaluator is a recursive walk; the pre-check keeps it well inside
        # the recursion limit on ordinary nesting, and this catches the rest.
        # Whatever was found before is dropped: the file was not checked.
        result.diagnostics.clear()
        result.shapes.clear()
        _report(result, _recursion_limit(source, path, sizes, "the analyzer"), enabled)
    except Exception as exc:  # an analyzer bug must not hide the other files
        result.error = f"internal error: {type(exc).__name__}: {exc}\n{traceback.format_exc(limit=-8)}"
        result.internal_error = True
    return result


def syntax_problem(source: str, path: str = "<string>") -> Optional[Diagnostic]:
    """The ``SL000`` (or ``SL002``) finding that stops ``source`` from being parsed, or None.

    libcst's parser is the authority: it knows syntax newer than the running
    interpreter (an f-string that reuses its quotes is valid Python 3.12 even
    when shapelint runs on 3.11).  CPython's parser is the fast path (about
    100x faster): what it accepts is valid.  What it rejects goes to libcst,
    unless the text is too deep or too long for libcst, and the finding keeps
    CPython's message and position, which are better than libcst's.
    """
    syntax = _python_syntax_error(source, path)
    if syntax is None:
        return None
    from shapelint.analysis.precheck import measure

    excess = measure(source).excess
    if excess is not None:
        return too_complex(source, path, excess)
    import libcst

    try:
        libcst.parse_module(source)
    except libcst.ParserSyntaxError:
        return syntax
    except RecursionError:
        return syntax  # CPython rejects it too: it cannot run
    return None


def _report(result: FileResult, finding: Diagnostic, enabled: Set[str]) -> None:
    if finding.code in enabled:
        result.diagnostics.append(finding)
    elif finding.code == TOO_COMPLEX_CODE:
        # Never a silent pass: the file was not checked.
        result.error = f"{finding.message} ({TOO_COMPLEX_CODE} is ignored)"


def too_complex(source: str, path: str, excess: "Excess") -> Diagnostic:
    """The finding for a text the pre-check refuses: SL000 when CPython cannot
    compile it either (it cannot run), else SL002."""
    refusal = _cpython_refusal(source, path)
    lines = source.splitlines()
    if refusal is not None:
        message, line, col = refusal
        if line is None:  # nested too deeply for CPython: no position of its own
            line, col = excess.line, excess.column
            if excess.kind == "depth":
                message += f" (here: {excess.quantity()})"
        text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        return Diagnostic(path=path, line=line, column=col or 1, end_line=line, end_column=(col or 1) + 1,
                          code="SL000", severity="error", message=message, source_line=text)
    text = lines[excess.line - 1].strip() if 0 < excess.line <= len(lines) else ""
    what = "too deeply nested" if excess.kind == "depth" else "too long"
    return Diagnostic(path=path, line=excess.line, column=excess.column, end_line=excess.line,
                      end_column=excess.column + 1, code=TOO_COMPLEX_CODE, severity="warning",
                      message=f"{what} to analyze: {excess.describe()}; not checked", source_line=text)


def _recursion_limit(source: str, path: str, sizes: "Measure", who: str) -> Diagnostic:
    lines = source.splitlines()
    line = sizes.depth_line
    text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    return Diagnostic(path=path, line=line, column=sizes.depth_column, end_line=line,
                      end_column=sizes.depth_column + 1, code=TOO_COMPLEX_CODE, severity="warning",
                      message=f"too deeply nested to analyze: {who} reached Python's recursion limit "
                              f"({sys.getrecursionlimit():,}); the deepest part of the file, here, is nested "
                              f"{sizes.max_depth:,} levels deep; not checked",
                      source_line=text)


def _cpython_refusal(source: str, path: str) -> Optional[Tuple[str, Optional[int], Optional[int]]]:
    """Why CPython cannot compile ``source`` (message, line, column), or None when it can."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return f"syntax error: {exc.msg}", exc.lineno, exc.offset
    except RecursionError:
        return "cannot compile: nested too deeply for Python itself (it runs out of recursion)", None, None
    except MemoryError:
        return "cannot compile: nested too deeply for Python itself (its parser runs out of memory)", None, None
    except (ValueError, OverflowError) as exc:
        return f"cannot compile: {exc}", None, None
    return None


def _python_syntax_error(source: str, path: str) -> Optional[Diagnostic]:
    try:
        with warnings.catch_warnings():
            # CPython's own warnings about the user's code ("'int' object is not
            # callable") are not ours to print
            warnings.simplefilter("ignore")
            ast.parse(source, filename=path)
    except SyntaxError as exc:
        line = exc.lineno or 1
        col = exc.offset or 1
        lines = source.splitlines()
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        return Diagnostic(
            path=path,
            line=line,
            column=col,
            end_line=line,
            end_column=col + 1,
            code="SL000",
            severity="error",
            message=f"syntax error: {exc.msg}",
            source_line=text.strip(),
        )
    except (ValueError, RecursionError, MemoryError) as exc:  # NUL bytes, deep nesting
        return Diagnostic(path=path, line=1, column=1, end_line=1, end_column=1, code="SL000",
                          severity="error", message=f"cannot parse: {exc}")
    return None
