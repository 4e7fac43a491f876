"""The static analysis of one source text: parse once, infer shapes, run the rules.

``analyze_source`` is the single entry point used by the CLI, the cache, the
notebook reader and the tests.  It never raises for bad input: a syntax error
is an ``SL000`` diagnostic, a file too deep or too long to analyze an
``SL002`` one (``shapelint.source.precheck`` measures every file before
libcst, which crashes on deep enough nesting, sees it), and an internal
failure is recorded in ``FileResult.error`` with ``internal_error=True``.
"""

from __future__ import annotations

import os
import re
import traceback
from typing import TYPE_CHECKING, Iterable, Optional, Sequence, Set, Tuple, Union

from shapelint.diagnostics import Diagnostic, FileResult
from shapelint.source.syntax import (  # noqa: F401  (re-exported: the analysis's entry points)
    TOO_COMPLEX_CODE,
    _python_syntax_error,
    _recursion_limit,
    syntax_problem,
    too_complex,
)

if TYPE_CHECKING:
    from shapelint.source.reparse import DocumentPieces, Reparser

# Files that never mention NumPy have no arrays for us to check; they are
# only compiled (CPython's parser is ~100x faster than libcst's) so that a
# syntax error is still reported.
_NUMPY_MARKERS = ("numpy", "shapelint")


def mentions_numpy(source: str) -> bool:
    return any(m in source for m in _NUMPY_MARKERS)


def uses_implicit_candidate(source: str) -> bool:
    """Does the text use ``np.`` (maybe NumPy without an import: ``shapelint.analysis.implicit``)?"""
    from shapelint.analysis.implicit import uses_implicit_candidate as uses

    return uses(source)


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
    implicit_numpy: bool = True,
    cells: Optional[Sequence[Tuple[int, int]]] = None,
    reparser: Optional[Union[Reparser, DocumentPieces]] = None,
) -> FileResult:
    """Analyze one Python source text.

    codes: the rule codes to run (default: the default selection).  The
    caller applies suppression comments and severity overrides.
    collect_shapes: also record the inferred shape of every assigned name.
    project_root: where imports of project modules are also looked up (default:
    the nearest folder above ``path`` with a ``pyproject.toml``, ``.git``, ...).
    implicit_numpy: ``np`` (or ``numpy``) used and never bound in a file is NumPy
    (the setting ``implicit-numpy``; see ``shapelint.analysis.implicit``).
    cells: for a notebook's joined cells, (cell, line in cell) of each line of ``source``:
    line numbers inside messages are then given as ``cell 4, line 2``.
    reparser: parses the text from the pieces of texts parsed before (``shapelint.source.reparse``).
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
                and not (implicit_numpy and uses_implicit_candidate(source))
                and not imports_project_module(source, path, project_root)):
        problem = syntax_problem(source, path)
        if problem is not None:
            _report(result, problem, enabled)
        return result

    from shapelint.analysis.modules import keep_checked_tree, tree_of_checked_file
    from shapelint.source.precheck import measure
    from shapelint.source.reparse import parse_measured

    import libcst

    # a tree from the modules' cache (measured before it was parsed), or measure and parse here
    module = tree_of_checked_file(path, source)
    if module is None and reparser is not None:
        module = reparser.parse(source)  # None: a syntax error, a text too deep, ...: parsed whole below
    try:
        if module is None:
            # (where the reparser's pieces did not give the tree, the text is parsed whole)
            parsed = parse_measured(source, in_pieces=reparser is None)
            if not isinstance(parsed, libcst.Module):
                _report(result, too_complex(source, path, parsed), enabled)
                return result
            module = parsed
            keep_checked_tree(path, source, module)
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
        _report(result, _recursion_limit(source, path, measure(source), "libcst's parser"), enabled)
        return result

    from shapelint.analysis.infer import run_inference

    try:
        run_inference(module, source, path, enabled, result, collect_shapes, project_root, implicit_numpy, cells)
    except RecursionError:
        # Our evaluator is a recursive walk; the pre-check keeps it well inside
        # the recursion limit on ordinary nesting, and this catches the rest.
        # Whatever was found before is dropped: the file was not checked.
        result.diagnostics.clear()
        result.shapes.clear()
        _report(result, _recursion_limit(source, path, measure(source), "the analyzer"), enabled)
    except Exception as exc:  # an analyzer bug must not hide the other files
        result.error = f"internal error: {type(exc).__name__}: {exc}\n{traceback.format_exc(limit=-8)}"
        result.internal_error = True
    return result


def _report(result: FileResult, finding: Diagnostic, enabled: Set[str]) -> None:
    if finding.code in enabled:
        result.diagnostics.append(finding)
    elif finding.code == TOO_COMPLEX_CODE:
        # Never a silent pass: the file was not checked.
        result.error = f"{finding.message} ({TOO_COMPLEX_CODE} is ignored)"
