"""Source intake, below the analysis: what stops a text from being parsed at all.

``syntax_problem`` decides syntax errors (CPython's parser first, libcst's as
the authority), ``too_complex`` the texts too deep or too long to analyze
(``shapelint.source.precheck`` measures every text before libcst, which
crashes on deep enough nesting, sees it).  The notebook reader and the
analysis both use these; neither is imported from here.
"""

from __future__ import annotations

import ast
import sys
import warnings
from typing import TYPE_CHECKING, Optional, Tuple

from shapelint.diagnostics import Diagnostic

if TYPE_CHECKING:
    from shapelint.source.precheck import Excess, Measure

TOO_COMPLEX_CODE = "SL002"


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
    from shapelint.source.precheck import measure

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
