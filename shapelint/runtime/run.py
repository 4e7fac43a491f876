"""``shapelint run script.py [args]``: run a script, checking stated shape contracts.

How the script's own functions get checked: the script is parsed with
``ast``, every ``def`` at module level or in a class body gets one more
decorator, ``__shapelint_auto__``, placed outermost, and the tree is compiled
with the script's real file name (tracebacks and line numbers are unchanged:
no source line moves).  When a ``def`` runs, that decorator reads the
function's docstring and annotations and wraps it if they state shapes, so a
function is checked from the moment it exists, including calls made while
the script's top level is still running.  Placed outermost it sees what the
other decorators made: a plain function (also one made with
``functools.wraps``) is wrapped, a ``staticmethod`` / ``classmethod`` has its
function wrapped, anything else (``numba.jit``, ``lru_cache``) is left alone.
Nested functions are not instrumented.

Modules the script imports from its own directory (and packages named with
``--package``) are checked through the import hook
(``shapelint.runtime.importhook``).

The script runs as ``__main__`` with ``sys.argv`` and ``sys.path[0]`` set as
``python script.py`` would; all of that is restored afterwards, so
``run_command`` can be called in-process.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import os
import sys
import traceback
import types
from typing import List, Optional, Sequence

from shapelint.runtime import contracts
from shapelint.runtime.importhook import checking
from shapelint.runtime.instrument import instrument_member

__all__ = ["run_command", "run_script", "instrument_source", "main"]

AUTO_DECORATOR = "__shapelint_auto__"
_RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))


class _AddAutoDecorator(ast.NodeTransformer):
    """Decorate module-level and class-level defs; leave nested defs alone."""

    def _decorate(self, node):
        decorator = ast.copy_location(ast.Name(id=AUTO_DECORATOR, ctx=ast.Load()), node)
        node.decorator_list.insert(0, decorator)
        return node  # no generic_visit: functions nested in it stay as they are

    visit_FunctionDef = _decorate
    visit_AsyncFunctionDef = _decorate


def instrument_source(source, filename: str) -> types.CodeType:
    """Compile a script's source with the auto-decorator added to its defs."""
    tree = ast.parse(source, filename=filename)
    tree = _AddAutoDecorator().visit(tree)
    ast.fix_missing_locations(tree)
    return compile(tree, filename, "exec", dont_inherit=True)


def _user_frames(tb: Optional[types.TracebackType]) -> traceback.StackSummary:
    """The traceback without this runner's and the checker's own frames."""
    frames = [
        f for f in traceback.extract_tb(tb)
        if not f.filename.startswith(_RUNTIME_DIR + os.sep) and not f.filename.startswith("<shapelint")
    ]
    return traceback.StackSummary.from_list(frames)


def _print_exception(exc: BaseException) -> None:
    te = traceback.TracebackException(type(exc), exc, exc.__traceback__)
    te.stack = _user_frames(exc.__traceback__)
    sys.stderr.write("".join(te.format()))


def _exit_status(exc: SystemExit) -> int:
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")
    return 1


def run_script(path: str, args: Sequence[str] = (), *, mode: str = contracts.RAISE,
               packages: Sequence[str] = (), local_modules: bool = True) -> int:
    """Run ``path`` as ``__main__`` with contract checking; return its exit status.

    Status: the script's own (``sys.exit``), 1 on an uncaught exception
    (a ``ShapeError`` included), and in warn mode 1 when any violation was
    recorded by an otherwise successful run.
    """
    given, path = path, os.path.abspath(path)
    try:
        with open(path, "rb") as f:
            source = f.read()
    except OSError as exc:
        sys.stderr.write(f"shapelint run: cannot open {path}: {exc.strerror}\n")
        return 2
    try:
        code = instrument_source(source, path)
    except SyntaxError as exc:
        _print_exception(exc)
        return 1

    main_module = types.ModuleType("__main__")
    main_module.__dict__.update({
        "__file__": path,
        "__builtins__": builtins,
        "__cached__": None,
        "__spec__": None,
        "__loader__": None,
        AUTO_DECORATOR: instrument_member,
    })
    saved_argv, saved_path = sys.argv, list(sys.path)
    saved_main = sys.modules.get("__main__")
    roots = [os.path.dirname(path)] if local_modules else []
    contracts.clear_violations()
    status = 0
    with checking(packages=packages, roots=roots, mode=mode):
        sys.argv = [given, *args]
        sys.path.insert(0, os.path.dirname(path))
        sys.modules["__main__"] = main_module
        try:
            exec(code, main_module.__dict__)
        except SystemExit as exc:
            status = _exit_status(exc)
        except KeyboardInterrupt as exc:
            _print_exception(exc)
            status = 130
        except BaseException as exc:  # the script's own failure: report it like python would
            _print_exception(exc)
            status = 1
        finally:
            sys.argv = saved_argv
            sys.path[:] = saved_path
            if saved_main is not None:
                sys.modules["__main__"] = saved_main
            else:
                sys.modules.pop("__main__", None)
    if mode == contracts.WARN and contracts.violation_count():
        count = contracts.violation_count()
        sys.stderr.write(f"shapelint: {count} shape contract violation{'s' if count != 1 else ''}\n")
        if status == 0:
            status = 1
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shapelint run",
        description="Run a Python script, checking the shapes its functions state in "
                    "docstrings and annotations (and @shapelint.shapes contracts).",
    )
    parser.add_argument("--warn", action="store_true",
                        help="report each violation as a warning and keep running "
                             "(exit status 1 at the end if there was any)")
    parser.add_argument("--package", action="append", default=[], metavar="NAME",
                        help="also check the functions of this importable package (repeatable)")
    parser.add_argument("--no-local", action="store_true",
                        help="do not check modules imported from the script's directory")
    parser.add_argument("script", nargs="?", help="the Python script to run")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the script")
    return parser


def run_command(argv: Sequence[str]) -> int:
    """``shapelint run`` with its arguments (everything after ``run``); the exit status."""
    parser = _parser()
    try:
        options = parser.parse_args(list(argv))
        if options.script is None:
            parser.error("the script to run is missing")
    except SystemExit as exc:  # --help, or a usage error already printed
        return _exit_status(exc)
    return run_script(
        options.script,
        options.args,
        mode=contracts.WARN if options.warn else contracts.RAISE,
        packages=options.package,
        local_modules=not options.no_local,
    )


def main(argv: Optional[List[str]] = None) -> int:
    return run_command(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
