"""The ``shapelint`` command.

Exit codes (every command): 0 clean, 1 findings, 2 usage, configuration or
internal error.  ``shapelint PATH...`` is ``shapelint check PATH...``.

Start-up stays cheap: only click and the standard library are imported
here; the analyzer (libcst) is imported when a file is actually analyzed.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, NoReturn, Optional, Sequence

import click

from shapelint import __version__

FORMAT_NAMES = ("text", "concise", "json", "json-lines", "sarif", "github", "junit")
EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
# Show a progress bar (stderr is a terminal) when at least this many files are analyzed.
PROGRESS_MIN_FILES = 50


def fail(message: str) -> NoReturn:
    click.echo(f"shapelint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


class DefaultGroup(click.Group):
    """A group that runs ``check`` when the first argument is not a subcommand."""

    default_command = "check"

    def parse_args(self, ctx: click.Context, args: List[str]) -> List[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


@click.group(cls=DefaultGroup, context_settings=dict(help_option_names=["-h", "--help"]))
@click.version_option(__version__, "--version", prog_name="shapelint")
def cli() -> None:
    """Catch NumPy array-shape bugs before they run.

    `shapelint PATH...` is short for `shapelint check PATH...`.
    """


def _split(values: Sequence[str]) -> List[str]:
    """Options given several times and/or comma-separated."""
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def discovery_options(f: Callable) -> Callable:
    options = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=str)),
        click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
                     help="Use this configuration file (default: the nearest shapelint.toml or "
                          "pyproject.toml with [tool.shapelint], walking up from the current directory)."),
        click.option("--isolated", is_flag=True, help="Ignore all configuration files."),
        click.option("--exclude", multiple=True, metavar="GLOBS",
                     help="Replace the exclude list (comma-separated globs; repeatable)."),
        click.option("--extend-exclude", multiple=True, metavar="GLOBS",
                     help="Add to the exclude list (comma-separated globs; repeatable)."),
        click.option("--force-exclude/--no-force-exclude", default=False,
                     help="Apply the excludes to paths named on the command line too (for pre-commit)."),
        click.option("--respect-gitignore/--no-respect-gitignore", default=None,
                     help="Skip files ignored by .gitignore when walking folders (default: on)."),
        click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
                     help="Processes to check files in (default: all cores; 1: no process pool)."),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache."),
        click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                     envvar="SHAPELINT_CACHE_DIR",
                     help="Cache folder (default: .shapelint_cache in the project root; env SHAPELINT_CACHE_DIR)."),
        click.option("--stdin-filename", default=None, metavar="PATH",
                     help="With the path `-`: the name of the file whose source is read from stdin "
                          "(for per-file-ignores, notebooks (.ipynb) and the output)."),
        click.option("-v", "--verbose", is_flag=True, help="Show tracebacks of internal errors, and timings."),
        click.option("-q", "--quiet", is_flag=True, help="Print the findings and nothing else."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def selection_options(f: Callable) -> Callable:
    options = [
        click.option("--select", multiple=True, metavar="CODES",
                     help="Enable only these codes or prefixes (e.g. SL1,SL204; ALL); replaces the configured selection."),
        click.option("--ignore", multiple=True, metavar="CODES", help="Disable these codes or prefixes."),
        click.option("--extend-select", multiple=True, metavar="CODES",
                     help="Enable these codes or prefixes in addition (e.g. SL900)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


class _Run:
    """What check and shapes share: settings, discovery, the cache, the runner."""

    def __init__(self, kw: dict, select=None, ignore=(), extend_select=()):
        from shapelint.config import CliOverrides, ConfigError, load_settings
        from shapelint.discovery import MissingPath, discover

        self.cwd = Path.cwd()
        self.verbose = kw["verbose"]
        self.quiet = kw["quiet"]
        overrides = CliOverrides(
            select=_split(select) if select else None,
            ignore=_split(ignore),
            extend_select=_split(extend_select),
            exclude=_split(kw["exclude"]) if kw["exclude"] else None,
            extend_exclude=_split(kw["extend_exclude"]),
            respect_gitignore=kw["respect_gitignore"],
        )
        try:
            self.settings = load_settings(self.cwd, overrides, kw["config_path"], kw["isolated"])
        except ConfigError as exc:
            fail(str(exc))
        paths = list(kw["paths"]) or ["."]
        # `-`: the source comes on stdin (editors), named by --stdin-filename.
        self.stdin_name: Optional[str] = None
        if "-" in paths:
            if len(paths) > 1:
                fail("`-` (read stdin) cannot be combined with other paths")
            self.stdin_name = kw["stdin_filename"] or "-"
            if kw["force_exclude"] and kw["stdin_filename"]:
                from shapelint.discovery import PathFilter

                flt = PathFilter(self.settings.root, self.settings.exclude, self.settings.include)
                if flt.excluded_explicit(self.cwd / kw["stdin_filename"]):
                    self.stdin_name = None  # excluded: nothing to check
            paths = []
        try:
            self.files = discover(paths, self.settings.root, self.settings.exclude, self.settings.include,
                                  respect_gitignore=self.settings.respect_gitignore,
                                  force_exclude=kw["force_exclude"], cwd=self.cwd)
        except MissingPath as exc:
            fail(f"no such file or directory: {exc}")
        self.jobs = kw["jobs"] or _default_jobs()
        self.cache = None
        if not kw["no_cache"]:
            from shapelint.cache import DIRNAME, Cache

            self.cache = Cache(kw["cache_dir"] or self.settings.root / DIRNAME)

    def execute(self, collect_shapes: bool, codes_for: Optional[Callable] = None):
        from shapelint.runner import RunOptions, make_tasks, run_tasks

        start = time.perf_counter()
        tasks = make_tasks(self.files, self.settings.root, codes_for or self.settings.codes_for)
        opts = RunOptions(severity=dict(self.settings.severity), collect_shapes=collect_shapes,
                          cache=self.cache, jobs=self.jobs, implicit_numpy=self.settings.implicit_numpy)
        if self.stdin_name is not None:
            outcomes = [self._check_stdin(opts, codes_for or self.settings.codes_for)]
        else:
            bar = _Progress(enabled=not self.quiet and sys.stderr.isatty())
            try:
                outcomes = run_tasks(tasks, opts, bar)
            finally:
                bar.close()
        self.internal_errors: List[str] = []
        for o in outcomes:
            if o.message_kind == "internal":
                self.internal_errors.append(f"{o.path}: {o.message}")
                click.echo(click.style(f"{o.path}: {o.message}", fg="red"), err=True)
                if self.verbose and o.trace:
                    click.echo(o.trace.rstrip(), err=True)
            elif o.message and not self.quiet:
                click.echo(f"{o.path}: warning: {o.message}", err=True)
        if self.internal_errors and not self.verbose:
            click.echo("shapelint: an internal error stopped the check of "
                       f"{len(self.internal_errors)} file(s); rerun with --verbose for the traceback, "
                       "and please report it.", err=True)
        if self.verbose:
            cached = sum(1 for o in outcomes if o.from_cache)
            click.echo(f"shapelint: checked {len(outcomes)} files ({cached} from the cache) "
                       f"in {time.perf_counter() - start:.2f}s with {self.jobs} job(s)", err=True)
        if not self.files and self.stdin_name is None and not self.quiet:
            click.echo("shapelint: warning: no Python files or notebooks found under the given paths", err=True)
        return outcomes


    def _check_stdin(self, opts, codes_for):
        """The source read from stdin, checked as the file --stdin-filename names (no cache)."""
        from shapelint.runner import FileOutcome, lint_bytes

        name = self.stdin_name or "-"
        rel = self.settings.relative(Path(os.path.normpath(self.cwd / name)))
        stdin = sys.stdin
        data = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read().encode("utf-8", "surrogateescape")
        try:
            return lint_bytes(data, name, codes_for(rel), opts.severity, opts.collect_shapes, opts.implicit_numpy)
        except Exception as exc:  # a bug outside the analyzer: reported like any internal error
            import traceback

            return FileOutcome(path=name, message=f"internal error: {type(exc).__name__}: {exc}",
                               message_kind="internal", trace=traceback.format_exc(limit=-8))


class _Progress:
    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar: Any = None

    def __call__(self, n: int) -> None:
        if n >= 0:
            if self.enabled and n >= PROGRESS_MIN_FILES:
                self.bar = click.progressbar(length=n, label="Checking", file=sys.stderr, show_pos=True)
                self.bar.__enter__()
        elif self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _emit(text: str, output_file: Optional[Path], color: bool) -> None:
    if output_file is not None:
        from shapelint.cache import atomic_write

        try:
            atomic_write(output_file, (text + "\n" if text else "").encode("utf-8"), shared=True)
        except OSError as exc:
            fail(f"{output_file}: cannot write: {exc.strerror or exc}")
    elif text:
        click.echo(text, color=color)


def _use_color(choice: str, output_file: Optional[Path]) -> bool:
    if choice == "always":
        return True
    if choice == "never" or output_file is not None:
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


@cli.command(short_help="Check files and folders for shape bugs (the default command).")
@discovery_options
@selection_options
@click.option("--format", "fmt", type=click.Choice(FORMAT_NAMES), default="text", show_default=True,
              help="Output format.")
@click.option("-o", "--output-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report to this file instead of stdout.")
@click.option("--statistics", is_flag=True, help="Print the number of findings per code instead of the findings.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings (internal errors still exit 2).")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Baseline file: written with today's findings when missing; later runs fail only on new ones.")
@click.option("--update-baseline", is_flag=True, help="Rewrite the --baseline file with the current findings.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour the text output (auto: when stdout is a terminal and NO_COLOR is unset).")
@click.option("--show-settings", is_flag=True,
              help="Print the resolved settings and, for each file, whether `np` is taken as NumPy "
                   "without an import; check nothing.")
@click.option("--fix", is_flag=True, help="Apply the safe fixes (each one checked by analyzing the edited file).")
@click.option("--unsafe-fixes", is_flag=True,
              help="With --fix or --diff, apply the unsafe fixes too; alone, count them as fixable.")
@click.option("--diff", is_flag=True,
              help="Print a unified diff of what --fix would change, write nothing (exit 1 if anything would change).")
def check(select, ignore, extend_select, fmt, output_file, statistics, exit_zero, baseline,
          update_baseline, color, show_settings, fix, unsafe_fixes, diff, **kw) -> None:
    """Check files and folders (*.py, *.ipynb; default: the current folder).

    Exit status: 0 no findings, 1 findings, 2 usage, configuration or internal error.
    With --diff: 0 nothing to change, 1 changes shown.
    """
    from shapelint.report import ReportContext, render, render_statistics

    if update_baseline and baseline is None:
        fail("--update-baseline needs --baseline FILE")
    if (fix or diff) and "-" in kw["paths"]:
        fail("--fix and --diff change files: name them instead of `-` (stdin)")
    run = _Run(kw, select, ignore, extend_select)
    if show_settings:
        click.echo(_settings_text(run))
        sys.exit(EXIT_CLEAN)
    outcomes = run.execute(collect_shapes=False)
    fixed = 0
    if fix or diff:
        outcomes, fixed, changes = _apply_fixes(run, outcomes, unsafe_fixes, write=not diff)
        if diff:
            _show_diff(changes, fixed, kw["quiet"])
            sys.exit(EXIT_ERROR if run.internal_errors else EXIT_FINDINGS if changes else EXIT_CLEAN)
    diagnostics = [d for o in outcomes for d in o.diagnostics]

    hidden = 0
    if baseline is not None:
        from shapelint import baseline as bl

        try:
            if update_baseline or not baseline.exists():
                n = bl.write(diagnostics, baseline, run.cwd)
                if not kw["quiet"]:
                    click.echo(f"shapelint: wrote {n} finding(s) to the baseline {baseline}", err=True)
                hidden, diagnostics = len(diagnostics), []
            else:
                diagnostics, hidden = bl.apply(diagnostics, baseline, run.cwd)
        except bl.BaselineError as exc:
            fail(str(exc))

    use_color = _use_color(color, output_file)
    ctx = ReportContext(root=run.settings.root, cwd=run.cwd, files=[d for _, d in run.files], color=use_color,
                        quiet=kw["quiet"], baselined=hidden, internal_errors=run.internal_errors,
                        unchecked=sum(len(o.unchecked) for o in outcomes))
    text = render_statistics(fmt, diagnostics) if statistics else render(fmt, diagnostics, ctx)
    if fmt in ("text", "concise") and not statistics and not kw["quiet"]:
        text = "\n".join(line for line in (text, _fix_summary(diagnostics, fixed, unsafe_fixes, fix)) if line)
    try:
        _emit(text, output_file, use_color)
    except BrokenPipeError:
        pass
    if run.internal_errors:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if diagnostics and not exit_zero else EXIT_CLEAN)


def _settings_text(run: _Run) -> str:
    """`check --show-settings`: the configuration in force, then what `implicit-numpy` does to each file."""
    st = run.settings
    on_off = {True: "true", False: "false"}
    where = str(st.config_path) if st.config_path is not None else "none (defaults)"
    lines = [
        f"config file: {where}",
        f"project root: {st.root}",
        f"select: {', '.join(sorted(st.codes)) or '(nothing)'}",
        "per-file-ignores: " + ("; ".join(f"{p} = {', '.join(sorted(c))}" for p, c in st.per_file_ignores)
                                or "(none)"),
        f"exclude: {', '.join(st.exclude) or '(none)'}",
        f"include: {', '.join(st.include)}",
        f"respect-gitignore: {on_off[st.respect_gitignore]}",
        "severity: " + (", ".join(f"{c} = {lvl}" for c, lvl in sorted(st.severity.items())) or "(rule defaults)"),
        f"implicit-numpy: {on_off[st.implicit_numpy]}",
    ]
    files = [display for _, display in run.files]
    paths = [str(p) for p, _ in run.files]
    if run.stdin_name is not None:
        lines.append("files: stdin is not read with --show-settings")
    else:
        lines.append(f"files: {len(files)}")
        for path, display in zip(paths, files):
            lines.append(f"  {display}: {_implicit_numpy_status(path, st.implicit_numpy)}")
    return "\n".join(lines)


def _implicit_numpy_status(path: str, enabled: bool) -> str:
    """Whether `np` (or `numpy`) is taken as NumPy without an import in one file, said in words."""
    from shapelint.analysis.implicit import name_status
    from shapelint.notebook import NotebookError, build_source
    from shapelint.runner import decode_python, is_notebook, read_file

    data, err = read_file(path)
    if data is None:
        return f"{err}"
    nb = None
    if is_notebook(path):
        try:
            nb = build_source(data.decode("utf-8-sig"))
        except (NotebookError, UnicodeDecodeError):
            return "not a readable notebook"
        source = nb.source
    else:
        source, problem = decode_python(data)
        if source is None:
            return "cannot be decoded"
    status = name_status(source)
    if status is None:
        return "does not parse: nothing taken as NumPy"
    if not status:
        return "does not use `np.` or `numpy.`: nothing taken as NumPy"
    said = []
    for name, how in status.items():
        if how != "implicit":
            cell, line = nb.locate(how) if nb is not None else (None, how)
            where = f"in cell {cell}, line {line}" if cell else f"on line {line}"
            said.append(f"`{name}` is bound {where} (by the file itself): not taken implicitly")
        elif enabled:
            said.append(f"`{name}` is taken as NumPy without an import (used as `{name}.<attr>`, never bound "
                        f"in the file)")
        else:
            said.append(f"`{name}` is used without an import and NOT taken as NumPy (implicit-numpy = false)")
    return "; ".join(said)


def _apply_fixes(run: "_Run", outcomes: List[Any], unsafe: bool, write: bool):
    """Fix each file that has a fix to apply: (the outcomes after fixing, fixes applied, the changes
    as (name, old, new) texts).  Writes (unless ``write`` is off) only files whose bytes change."""
    from shapelint.cache import atomic_write
    from shapelint.fixing import applicable, fix_file
    from shapelint.runner import read_file

    absolute = {display: abs_path for abs_path, display in run.files}
    out, applied, changes = [], 0, []
    for o in outcomes:
        path = absolute.get(o.path)
        if path is None or o.message_kind == "internal" or not applicable(o, unsafe):
            out.append(o)
            continue
        data, err = read_file(str(path))
        if data is None:
            out.append(o)
            continue
        rel = run.settings.relative(path)
        result = fix_file(data, o.path, run.settings.codes_for(rel), dict(run.settings.severity), unsafe, o)
        if result.changed and write:
            try:
                atomic_write(path, result.fixed, mode=path.stat().st_mode & 0o7777)
            except OSError as exc:
                click.echo(f"{o.path}: warning: cannot write the fixes: {exc.strerror or exc}", err=True)
                out.append(o)
                continue
        if result.changed:
            applied += result.applied
            changes.extend(result.changes)
        out.append(result.outcome if write else o)
    return out, applied, changes


def _show_diff(changes: List[Any], fixes: int, quiet: bool) -> None:
    from shapelint.fixing import unified_diff

    for change in changes:
        click.echo(unified_diff(change), nl=False)
    if not quiet:
        files = len({name.split(":cell ")[0] for name, _, _ in changes})
        click.echo(f"Would apply {fixes} {'fix' if fixes == 1 else 'fixes'} in {files} "
                   f"{'file' if files == 1 else 'files'}." if fixes else "No fixes to apply.", err=True)


def _fix_summary(diagnostics: Sequence[Any], fixed: int, unsafe: bool, fixing: bool) -> str:
    """Ruff's lines: what --fix did, and what it could do."""
    from shapelint.fixes import SAFE, UNSAFE

    safe = sum(1 for d in diagnostics if d.fix is not None and d.fix.edits and d.fix.applicability == SAFE)
    risky = sum(1 for d in diagnostics if d.fix is not None and d.fix.edits and d.fix.applicability == UNSAFE)
    lines = []
    fixable = safe + risky if unsafe else safe
    if fixing:
        lines.append(f"Applied {fixed} {'fix' if fixed == 1 else 'fixes'}.")
    elif fixable:
        lines.append(f"{fixable} fixable with --fix" + (" --unsafe-fixes" if unsafe and risky else "") + ".")
    if risky and not unsafe:
        lines.append(f"{risky} hidden unsafe {'fix' if risky == 1 else 'fixes'}, enable with --unsafe-fixes.")
    return "\n".join(lines)


def format_shape(shape: Optional[Sequence[Any]]) -> str:
    """``(n_h, m)``: see ``shapelint.diagnostics.format_shape`` (there for the language server too)."""
    from shapelint.diagnostics import format_shape as shown

    return shown(list(shape) if shape is not None else None)


@cli.command(short_help="Print the inferred shape of every assigned name, or every function's signature.")
@discovery_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--signatures", is_flag=True,
              help="Print each function's summary instead: the shapes its parameters and result have for the "
                   "analysis, e.g. `linear_backward(dZ: (a, m), cache: ((c, m), (a, c), (a, 1))) -> "
                   "((c, m), (a, c), (a, 1))`.")
def shapes(fmt, signatures, **kw) -> None:
    """Print the inferred shape of every assignment to a plain name (or `self.attr`).

    Text: `path:line:col: name: (3, n)`.  JSON: one array of
    {path, line, column, name, shape, origin} (shape: null when unknown, else a list of
    int | str | null; origin, where a shape is known: "from the shapes `f()` declares",
    "from the data file `data.npz`", "from the assert at line N", "inferred from the code"
    or "with the shapes passed to `f()` at line N"; `cell` is
    added for notebooks).  With --signatures, one
    line per function: `path:line:col: f(x: (a, m)) -> (a, 1)`; in JSON
    {path, line, column, name, signature}.  Exit status 1 when a file could not
    be analyzed (syntax error, unreadable, too deep), 2 on internal errors.
    """
    import json

    run = _Run(kw)
    outcomes = run.execute(collect_shapes=True, codes_for=lambda rel: {"SL000", "SL001", "SL002"})
    records = [s for o in outcomes for s in o.shapes if (s.signature is not None) == signatures]
    problems = [d for o in outcomes for d in o.diagnostics]
    for d in problems:
        where = f"{d.path}:cell {d.cell}:{d.line}:{d.column}" if d.cell else f"{d.path}:{d.line}:{d.column}"
        click.echo(f"{where}: {d.code} {d.message}", err=True)
    if fmt == "json":
        click.echo(json.dumps([r.to_json() for r in records], indent=2, ensure_ascii=False))
    else:
        for r in records:
            where = f"{r.path}:cell {r.cell}:{r.line}:{r.column}" if r.cell else f"{r.path}:{r.line}:{r.column}"
            click.echo(f"{where}: {r.signature}" if signatures else f"{where}: {r.name}: {format_shape(r.shape)}")
    if run.internal_errors:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if problems else EXIT_CLEAN)


@cli.command(short_help="How much of each function's arrays shapelint knows the shape of, worst first.")
@discovery_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def coverage(fmt, **kw) -> None:
    """For every function: how many of its array values (the names it assigns that are, or may be,
    arrays) have a shape `shapelint shapes` knows in full, and the parameters whose declaration
    would help most (those the most unknown values are computed from).  Worst first; functions
    that could not be checked at all (see `shapelint check`'s summary) lead.

    Text: `path:line:col: f: 2 of 9 array values known (22%); declare: caches (7 values), AL (6)`, then a
    total.  JSON: one array of {path, line, column, function, values, known, partly, share,
    unknown, declare: [{parameter, values}], checked} (`cell` is added for notebooks).
    Exit status 0 (it reports, it does not judge); 2 when a file could not be analyzed
    (syntax error, unreadable, too deep) or on internal errors.
    """
    import json

    run = _Run(kw)
    outcomes = run.execute(collect_shapes=True, codes_for=lambda rel: {"SL000", "SL001", "SL002"})
    problems = [d for o in outcomes for d in o.diagnostics]
    for d in problems:
        where = f"{d.path}:cell {d.cell}:{d.line}:{d.column}" if d.cell else f"{d.path}:{d.line}:{d.column}"
        click.echo(f"{where}: {d.code} {d.message}", err=True)
    rows = [c for o in outcomes for c in o.coverage if c.values or c.unchecked]
    rows.sort(key=lambda c: (not c.unchecked, c.share, -(c.values - c.known), c.path, c.cell or 0, c.line))
    if fmt == "json":
        click.echo(json.dumps([_coverage_json(c) for c in rows], indent=2, ensure_ascii=False))
    else:
        for c in rows:
            click.echo(_coverage_line(c))
        if not kw["quiet"]:
            values, known = sum(c.values for c in rows), sum(c.known for c in rows)
            unchecked = sum(1 for c in rows if c.unchecked)
            share = f" ({100 * known // values}%)" if values else ""
            click.echo(f"{len(rows)} {'function' if len(rows) == 1 else 'functions'}: {known} of {values} array "
                       f"values known{share}; {unchecked} could not be checked.")
    if run.internal_errors or problems:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_CLEAN)


def _coverage_line(c) -> str:
    where = f"{c.path}:cell {c.cell}:{c.line}:{c.column}" if c.cell else f"{c.path}:{c.line}:{c.column}"
    if c.values:
        text = f"{where}: {c.name}: {c.known} of {c.values} array values known ({100 * c.known // c.values}%)"
    else:
        text = f"{where}: {c.name}: no array value assigned"
    if c.helpful:
        first, *rest = c.helpful
        text += f"; declare: {first[0]} ({first[1]} {'value' if first[1] == 1 else 'values'})" + "".join(
            f", {p} ({n})" for p, n in rest)
    if c.unchecked:
        text += "; not checked: no caller and no declared shapes"
    return text


def _coverage_json(c) -> Dict[str, Any]:
    out: Dict[str, Any] = {"path": c.path, "line": c.line, "column": c.column, "function": c.name,
                           "values": c.values, "known": c.known, "partly": c.partly,
                           "share": round(c.share, 3), "unknown": list(c.unknown_names),
                           "declare": [{"parameter": p, "values": n} for p, n in c.helpful],
                           "checked": not c.unchecked}
    if c.cell is not None:
        out["cell"] = c.cell
    return out


@cli.command("rules", short_help="List every rule: code, name, severity, summary.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_cmd(fmt) -> None:
    """List every rule: code, name, severity, default selection, summary."""
    import json

    from shapelint.rules import all_rules

    rules = all_rules()
    if fmt == "json":
        click.echo(json.dumps([{"code": c, "name": r.name, "severity": r.severity,
                                "default_enabled": bool(r.default_enabled), "summary": r.summary}
                               for c, r in rules.items()], indent=2))
        return
    name_w = max((len(r.name) for r in rules.values()), default=4)
    for code, r in rules.items():
        opt = "" if r.default_enabled else " (opt-in)"
        click.echo(f"{code}  {r.name:<{name_w}}  {r.severity:<7}  {r.summary}{opt}")


@cli.command(short_help="Print the documentation of one rule.")
@click.argument("code")
def explain(code: str) -> None:
    """Print the documentation of one rule (e.g. `shapelint explain SL101`)."""
    from shapelint.rules import all_rules

    rules = all_rules()
    rule = rules.get(code.strip().upper())
    if rule is None:
        fail(f"unknown rule code {code!r}; `shapelint rules` lists them")
    default = "yes" if rule.default_enabled else "no (select it with --extend-select)"
    click.echo(f"# {rule.code} ({rule.name})\n\nSeverity: {rule.severity}\nEnabled by default: {default}\n")
    click.echo(rule.doc.rstrip())


@cli.command(short_help="Run a script with runtime shape checks (`shapelint run script.py ARGS`).",
             context_settings=dict(ignore_unknown_options=True, allow_interspersed_args=False,
                                   help_option_names=[]))
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def run(args) -> None:
    """Run a script with runtime shape checking: `shapelint run script.py [ARGS]...`."""
    try:
        from shapelint.runtime.run import run_command
    except ModuleNotFoundError as exc:
        if exc.name in ("shapelint.runtime", "shapelint.runtime.run"):
            fail("`shapelint run` is not available in this installation (shapelint.runtime.run is missing)")
        fail(f"`shapelint run` cannot start: missing module {exc.name!r}")
    except ImportError as exc:
        fail(f"`shapelint run` cannot start: {exc}")
    sys.exit(run_command(list(args)))


SERVER_PACKAGES = ("pygls", "lsprotocol", "cattrs", "attrs")


@cli.command(short_help="Run the language server (LSP over stdio) for editors.")
@click.option("--stdio", is_flag=True, help="Talk LSP over stdin/stdout (the default and only transport).")
def server(stdio: bool) -> None:
    """Run the language server: diagnostics, quick fixes, shape hovers and inlay hints
    in any LSP editor.  Needs the `server` extra: pip install "shapelint[server]"."""
    # imported here, so that `shapelint check` never loads pygls
    try:
        from shapelint.server.app import serve
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] in SERVER_PACKAGES:
            fail(f"`shapelint server` needs {exc.name.split('.')[0]}, which is not installed: "
                 'pip install "shapelint[server]"')
        raise
    sys.exit(serve())


def main(argv: Optional[List[str]] = None) -> None:
    """The console entry point."""
    try:
        cli.main(args=argv, prog_name="shapelint")
    except KeyboardInterrupt:
        click.echo("shapelint: interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
