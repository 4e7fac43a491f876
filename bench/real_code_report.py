"""shapelint on real code nobody here wrote: seeded shape bugs, executed for the truth, then linted.

    python bench/real_code_report.py [--python /tmp/venv-corpus/bin/python] [--jobs 2] [--json OUT]
        [--repos SUBSTR] [--kinds T_added,dot_swapped] [--limit-files N] [--trace-budget 60]
        [--layout-inputs] [--fix-roundtrip]

The corpus is ``../shared/corpus/repos.tsv`` (25 public repositories of NumPy
networks, pinned commits), read from the git snapshots under ``--mirror``
(default ``<repo root>/../.mirror``) and materialized under ``--work``
(default ``/tmp/shapelint-realcode``); nothing is written inside the project.

1. Materialize each repository at its pinned commit (code, and data files
   under 4 MiB); notebooks become a ``.py`` beside them, one line per code
   line.  Files are deduplicated by content and classified: NumPy code,
   framework code (TensorFlow/Keras/PyTorch, counted, not mutated), ``np.``
   without a NumPy import, other Python, unparseable, and unfilled course
   templates (``= None`` placeholders: they do not run, and are not counted
   for false findings).  Jupyter's ``.ipynb_checkpoints`` copies are left out.
2. Mutate every function and method of the NumPy files (``real_code/mutate.py``:
   8 kinds, one single-line edit per mutant; sites in asserts are skipped).
3. Learn the truth by running (``real_code/worker.py``, one subprocess per
   file, under ``--python``): the file runs as ``__main__`` one top-level
   statement at a time (a statement that raises is skipped, as when a
   notebook's cells are run one by one) under ``sys.settrace`` for at most
   ``--trace-budget`` seconds, recording the first 3 calls of each of its
   functions with deep copies of their arguments (not above 50 MB).  When
   functions are left uncalled and a script in the same folder imports the
   file (a notebook first), that script is run too, recording the calls into
   the imported module (course helpers such as ``dnn_utils.py`` are called
   from the notebooks only).  A function still uncalled whose docstring
   declares the shape of every required parameter (or names it like a size)
   is called once on inputs made from the docstring (distinct small sizes
   per symbol).  Each mutant is rebuilt like its original (the ``def``, or
   the whole ``class``, re-executed in a copy of the module's globals) and
   both are called on fresh deep copies of the recorded arguments (seeds
   reset, ``--call-budget`` seconds per call): **crash** (the mutant raises,
   the original does not), **silent** (the shapes reachable from the result,
   the arguments after the call and ``self`` differ), **no effect**,
   **timeout**, or **not run** (with the reason).  Corpus code runs with its
   folder as cwd, a temporary HOME, ``MPLBACKEND=Agg``, ``input()`` raising,
   and an audit hook that forbids writes outside its materialized repository
   and the temporary HOME, and any subprocess, fork or socket.
4. Lint the unmutated NumPy files and every mutant that crashed, changed a
   shape silently or timed out (``--lint-all`` adds the no-effect ones) with
   this checkout's shapelint (``PYTHONPATH`` = this repository).  Each mutant
   is linted *in place*, as a user who edited that file would lint it: in a
   copy of its folder (symlinks to every other entry) where it replaces the
   original, so that it imports its siblings and the notebooks and scripts
   that import it drive it (``--beside`` writes it beside its original as
   ``<stem>__slmut<k>.py`` instead, a new module nothing imports).  A mutant
   is caught when shapelint reports a (code, line) on it that it does not
   report on the unmutated file.  Reported for the caught bugs (crash or
   silent): the share with a new finding on the mutated line (for a notebook,
   the line of its ``.py``), and the new findings per bug (median, p90, max).
   On the unmutated files: every finding, per 1,000 lines and listed, with the
   errors among them (the default configuration: ``--isolated``).
5. ``shapelint shapes`` on the unmutated NumPy files: the share of names
   assigned inside functions whose rank / whole shape is known.

Every function with a seeded bug is counted, called or not: classified by
recorded calls, by inputs made from its docstring, or unclassifiable; the
catch rate is printed over the code the repository runs (recorded calls)
and over everything classifiable.  ``--layout-inputs`` also runs the
functions still unclassifiable whose every required parameter is named by
the course's layout conventions (``real_code/layout.py``: ``X`` is
``(n_x, m)``, ``W1`` ``(n_1, n_x)``, ``parameters`` the dict of ``W1``..``W3``,
...) on inputs made from those names (``real_code/rerun_worker.py``, which
re-runs the file as ``worker.py`` does; cached like the truth); their
mutants then count in every figure, so leave it off to compare with a run
without it.

``--fix-roundtrip`` gives every caught bug, in a copy of its in-place folder,
to ``shapelint check --fix --unsafe-fixes`` (skipped, with the reason, when
this checkout's shapelint lacks the flags), then checks the fixed files and
runs the fixed functions on the recorded calls (``real_code/fixes.py``): the
shares that run, give the original's output shapes, and check clean.

The truth (materialization, scans, worker records) is cached in the work
folder by content hashes; a re-run after an analyzer change only re-lints.

The corpus interpreter (outside the project; ``nnfs`` is the helper package
of the "Neural Networks from Scratch" book, which two repositories import):

    python3 -m venv /tmp/venv-corpus
    /tmp/venv-corpus/bin/pip install numpy scipy matplotlib h5py scikit-learn pillow nnfs

Measured on the shared 2-core machine (``--python /tmp/venv-corpus/bin/python
--jobs 2``, whole corpus): a first run in an empty work folder takes about
30 minutes (1,755 s: materialize 17 s, scan 100 s, truth 1,445 s, lint
162 s, shapes 31 s); a re-run after an analyzer change, with the truth
cached, took 185 s (lint 140 s, shapes 34 s: mostly shapelint itself).  The
lint time varies with the machine's load (140-363 s measured for the same
files).
"""

from __future__ import annotations

import argparse
import collections
import fcntl
import json
import os
import shutil
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from real_code import corpus as C  # noqa: E402
from real_code import execute as E  # noqa: E402
from real_code import fixes as F  # noqa: E402
from real_code import lint as L  # noqa: E402
from real_code import mutate as M  # noqa: E402
from real_code import report as R  # noqa: E402

LINTED_OUTCOMES = ("crash", "silent", "timeout")


def _scan(args: Tuple[str, Tuple[str, ...], str]) -> M.Scan:
    text, kinds, cache = args
    return M.scan_cached(text, kinds, Path(cache))


def _overlay(original: Path, where: Path) -> Path:
    """A folder where ``original`` may be replaced: every other entry of its folder is a symlink, so
    that the mutant imports its siblings and the files that import it (its drivers) import the mutant.
    For a module of a package, the folder above the package is mirrored the same way (the notebook
    beside ``cs231n/`` imports ``cs231n.rnn_layers``)."""
    base = original.parent
    while (base / "__init__.py").is_file() and base.parent != base:
        base = base.parent
    target = where
    target.mkdir(parents=True)
    current = base
    for step in [p for p in original.relative_to(base).parts[:-1]]:
        for entry in current.iterdir():
            if entry.name != step and C.MUTANT_MARK not in entry.name:
                (target / entry.name).symlink_to(entry)
        current = current / step
        target = target / step
        target.mkdir()
    for entry in current.iterdir():
        if entry.name != original.name and C.MUTANT_MARK not in entry.name:
            (target / entry.name).symlink_to(entry)
    return target / original.name


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt()


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "repos.tsv")
    p.add_argument("--mirror", type=Path, default=ROOT.parent / ".mirror")
    p.add_argument("--work", type=Path, default=Path("/tmp/shapelint-realcode"))
    p.add_argument("--python", default=sys.executable, help="interpreter that runs the corpus code")
    p.add_argument("--repos", action="append", default=[], help="only repositories whose name contains this")
    p.add_argument("--kinds", default=",".join(M.KINDS), help="comma-separated mutation kinds")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--limit-files", type=int, default=0, help="only the first N NumPy files (a quick run)")
    p.add_argument("--trace-budget", type=float, default=60.0, help="seconds for each run of a file")
    p.add_argument("--call-budget", type=float, default=10.0, help="seconds for each call of a function")
    p.add_argument("--lint-all", action="store_true", help="also lint the mutants with no effect")
    p.add_argument("--json", type=Path, help="write every mutant and finding here")
    p.add_argument("--layout-inputs", action="store_true",
                   help="also run the functions nothing calls and no docstring declares on inputs made from the "
                        "course's layout conventions (parameter X -> (n_x, m), W1 -> (n_h, n_x), a parameters dict "
                        "of W1..WL...: real_code/layout.py); their mutants join every figure")
    p.add_argument("--fix-roundtrip", action="store_true",
                   help="give every caught bug to `shapelint check --fix --unsafe-fixes` and report how often "
                        "the fixed file runs, gives the original's shapes and checks clean (real_code/fixes.py)")
    p.add_argument("--beside", action="store_true",
                   help="lint each mutant as a new file beside its original (<stem>__slmut<k>.py) instead of "
                        "in place of it (a copy of its folder where it replaces the original, as a user who "
                        "edited that file would lint it)")
    args = p.parse_args(argv)
    kinds = [k for k in args.kinds.split(",") if k]
    bad = [k for k in kinds if k not in M.KINDS]
    if bad:
        p.error(f"unknown kinds {bad}; known: {', '.join(M.KINDS)}")
    args.kinds = tuple(k for k in M.KINDS if k in kinds)
    work = args.work.resolve()
    if work == ROOT or ROOT in work.parents:
        p.error("--work must be outside the project")
    args.work = work
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    lock = open(args.work / "lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        print(f"another real_code_report.py is using {args.work}; use another --work", file=sys.stderr)
        return 2
    # SIGTERM unwinds like Ctrl-C, so that no worker outlives the report
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _main(args)
    finally:
        E.kill_workers()
        lock.close()


def _main(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    timings: Dict[str, float] = {}

    def progress(msg: str) -> None:
        print(f"[{time.perf_counter() - t0:7.1f} s] {msg}", file=sys.stderr, flush=True)

    out: List[str] = []
    emit = out.append

    # 1. materialize and classify ------------------------------------------------------------------
    repos = [r for r in C.read_repos(args.corpus) if not args.repos or any(s in r.name for s in args.repos)]
    trees: List[C.RepoTree] = []
    files: List[C.SourceFile] = []
    for repo in repos:
        tree = C.materialize(repo, args.mirror, args.work)
        trees.append(tree)
        files += C.load_files(tree)
    C.classify(files)
    timings["materialize + classify"] = time.perf_counter() - t0
    progress(f"materialized {len(trees)} repositories, {len(files)} .py files")

    numpy_files = [f for f in files if f.kind == "numpy" and not f.template and f.canonical]
    if args.limit_files:
        numpy_files = numpy_files[: args.limit_files]
    drivers = C.drivers(files)
    mpl = C.mentions_matplotlib(files)

    # 2. mutate -----------------------------------------------------------------------------------------
    t = time.perf_counter()
    with ProcessPoolExecutor(max(1, args.jobs)) as pool:
        scans = list(pool.map(_scan, [(f.text, args.kinds, str(args.work / "scans")) for f in numpy_files],
                              chunksize=8))
    timings["mutate"] = time.perf_counter() - t
    progress(f"{sum(len(s.mutants) for s in scans)} mutants in {len(numpy_files)} NumPy files")

    # 3. truth ------------------------------------------------------------------------------------------
    t = time.perf_counter()
    items = [(f, s, mpl[f.ident], drivers.get(f.ident)) for f, s in zip(numpy_files, scans)]
    budgets = E.Budgets(trace=args.trace_budget, call=args.call_budget)
    truths = E.learn(items, args.work, args.python, budgets, args.jobs, progress)
    timings["truth"] = time.perf_counter() - t
    if args.layout_inputs:
        t = time.perf_counter()
        n = E.layout_pass(items, truths, args.work, args.python, budgets, args.jobs, progress)
        progress(f"layout conventions: {n} more functions run")
        timings["layout inputs"] = time.perf_counter() - t

    records: List[R.MutantRecord] = []
    by_file: List[Tuple[C.SourceFile, M.Scan, E.FileTruth, List[R.MutantRecord]]] = []
    for f, s, truth in zip(numpy_files, scans, truths):
        recs = []
        for i, m in enumerate(s.mutants):
            o = truth.outcomes[i]
            ut = truth.units[(m.function.qualname, m.function.start)]
            cell = f.notebook.cells[m.line - 1] if f.notebook and m.line - 1 < len(f.notebook.cells) else None
            recs.append(R.MutantRecord(
                f.repo.name, f.rel, m.function.qualname, m.line, m.kind, m.before.strip(), m.after.strip(),
                o["outcome"], reason=o.get("reason"), exc_type=o.get("exc_type"), exc=o.get("exc"),
                diff=o.get("diff"), degenerate=ut.degenerate if ut.usable else False, inputs=ut.inputs,
                cell=tuple(cell) if cell else None, classified_by=ut.inputs if ut.usable else None,
                function_line=m.function.start))
        records += recs
        by_file.append((f, s, truth, recs))

    # 4. lint ------------------------------------------------------------------------------------------
    t = time.perf_counter()
    lint_outcomes = LINTED_OUTCOMES + (("no_effect",) if args.lint_all else ())
    originals = [f.path for f in numpy_files]
    mutant_paths: Dict[str, Tuple[C.SourceFile, M.Scan, R.MutantRecord, M.Mutant]] = {}
    written: List[Path] = []
    overlays = args.work / "overlays"
    shutil.rmtree(overlays, ignore_errors=True)
    try:
        for f, s, truth, recs in by_file:
            for k, (m, rec) in enumerate(zip(s.mutants, recs)):
                if rec.outcome not in lint_outcomes:
                    continue
                if args.beside:
                    path = f.path.with_name(f"{f.path.stem}{C.MUTANT_MARK}{k}.py")
                else:
                    path = _overlay(f.path, overlays / str(len(written)))
                path.write_text(M.mutated_source(f.text, m), encoding="utf-8")
                written.append(path)
                mutant_paths[str(path)] = (f, s, rec, m)
        progress(f"lint: {len(originals)} unmutated files and {len(written)} mutants")
        found, internal = L.check(originals + written, args.work, args.jobs, progress)
    finally:
        for path in written:
            try:
                path.unlink()
            except OSError:
                pass
        shutil.rmtree(overlays, ignore_errors=True)
    for path, (f, s, rec, m) in mutant_paths.items():
        rec.linted = True
        before = {(x.code, x.line) for x in found.get(str(f.path), [])}
        fn = m.function
        for x in found.get(path, []):
            if (x.code, x.line) in before:
                continue
            where = "line" if x.line == m.line else "function" if fn.start <= x.line <= fn.end else "call site"
            rec.new_findings.append((x, where))
    timings["lint"] = time.perf_counter() - t

    # 4b. fix round-trip -----------------------------------------------------------------------------------
    fix_lines: List[str] = []
    fix_data: Optional[dict] = None
    if args.fix_roundtrip:
        t = time.perf_counter()
        fix_lines, fix_data = _fix_roundtrip(args, by_file, found, drivers, mpl, progress)
        timings["fix round-trip"] = time.perf_counter() - t

    # 5. shapes known ----------------------------------------------------------------------------------
    t = time.perf_counter()
    shape_entries = L.shapes(originals, args.work, args.jobs)
    timings["shapes"] = time.perf_counter() - t

    # -- print ------------------------------------------------------------------------------------------
    emit(f"== shapelint real-code benchmark: shapelint {L.version() or '?'} from {ROOT}")
    emit(f"corpus interpreter: {E.python_identity(args.python)}")
    emit(f"work dir: {args.work}; kinds: {', '.join(args.kinds)}; trace budget {args.trace_budget:g} s, "
         f"call budget {args.call_budget:g} s" + (f"; first {args.limit_files} NumPy files only" if args.limit_files else "")
         + ("; with --layout-inputs" if args.layout_inputs else ""))
    emit("")
    headline_at = len(out)  # the headline figures go here once they are known
    emit("== corpus")
    emit("repository commits (pinned, all present in the snapshots):")
    for tree in trees:
        emit(f"  {tree.repo.name} {tree.commit} ({tree.repo.kind}; {tree.files} files written, "
             f"{tree.missing} absent from the snapshot, {len(tree.notebooks)} notebooks converted)")
    emit(_corpus_table(files))
    emit("")

    emit("== mutants by kind (crash/silent/no-effect/timeout/not-run: the truth from running them; "
         "caught: a new finding on the mutant)")
    out += R.table(R.MUTANT_HEADER, R.mutant_rows(records, lambda r: r.kind, args.kinds))
    emit("")
    _totals(records, emit)
    emit("")
    emit("== where the findings of the caught bugs land")
    landing_lines, landing = R.landing(records)
    out += landing_lines
    emit("")
    if args.fix_roundtrip:
        emit("== fix round-trip (--fix-roundtrip): the caught bugs through `shapelint check --fix --unsafe-fixes`")
        out += fix_lines
        emit("")
    emit("== every function with a seeded bug, called or not")
    classified_lines, classified = R.classification(records)
    out += classified_lines
    emit("")
    emit("== mutants by repository")
    out += R.table(R.MUTANT_HEADER, R.mutant_rows(records, lambda r: r.repo, [r.name for r in repos]))
    emit("")

    emit("== findings on the unmutated NumPy files (templates excluded, deduplicated)")
    display = {str(f.path): f.ident for f in numpy_files}
    unmodified = {str(f.path): found.get(str(f.path), []) for f in numpy_files}
    headline_lines, headline = R.unmodified_headline(unmodified, sum(f.lines for f in numpy_files), display)
    out += headline_lines
    cells = {str(f.path): {i + 1: c for i, c in enumerate(f.notebook.cells)} for f in numpy_files if f.notebook}
    out += R.findings_section(unmodified, sum(f.lines for f in numpy_files), display, cells)
    if internal:
        emit(f"analyzer internal errors: {len(internal)}")
        for path, msg in sorted(internal.items()):
            emit(f"  {display.get(path, path)}: {msg[:300]}")
    emit("")

    emit("== shapes known (`shapelint shapes` on the unmutated NumPy files, names assigned inside functions)")
    _shapes_known(numpy_files, scans, shape_entries, emit)
    emit("")

    emit("== what could not run")
    _not_run(by_file, emit)
    emit("")
    _caveats(by_file, records, emit)
    emit("")
    total = time.perf_counter() - t0
    cached = sum(t.cached for t in truths)
    emit(f"== time: {total:.0f} s in all ({'; '.join(f'{k} {v:.0f} s' for k, v in timings.items())}); "
         f"truth of {cached}/{len(truths)} files from the cache; {args.jobs} jobs")
    out[headline_at:headline_at] = _headline(records, headline, landing, classified, fix_data) + [""]
    print("\n".join(out))

    if args.json:
        data = {"unmodified": headline, "landing": landing, "classification": classified, "fix_roundtrip": fix_data,
                "mutants": [r.to_json() for r in records],
                "findings": [dict(x.to_json(), repo=f.repo.name, file=f.rel,
                                  cell=list(f.notebook.cells[x.line - 1]) if f.notebook and 0 < x.line <= len(f.notebook.cells) else None)
                             for f in numpy_files for x in found.get(str(f.path), [])],
                "internal_errors": internal,
                "units": [{"repo": f.repo.name, "file": f.rel, "function": k[0], "line": k[1], "called": u.called,
                           "usable_calls": u.usable, "inputs": u.inputs, "reason": u.reason,
                           "degenerate_inputs": u.degenerate if u.usable else None, "drift": u.drift}
                          for f, s, truth, _ in by_file for k, u in truth.units.items()]}
        C.atomic_write_text(args.json, json.dumps(data, indent=1))
        print(f"\nwrote {args.json}")
    return 0


def _headline(records, unmodified: dict, landing: dict, classified: dict, fix: Optional[dict]) -> List[str]:
    """The figures the issues set targets for, in one place (each is explained in its section below)."""
    out = ["== headline figures"]
    for outcome in R.BUG_OUTCOMES:
        group = [r for r in records if r.outcome == outcome]
        out.append(f"{outcome} mutants caught: {R.pct(sum(r.caught for r in group), len(group))}")
    out.append(f"findings on the unmodified files: {unmodified['per_1000_lines']:.3f} per 1,000 lines "
               f"({unmodified['findings']} in {unmodified['lines']} lines), {unmodified['errors']} errors "
               f"(target <= 0.1, 0 errors)")
    per = landing["new_findings_per_bug"] or {}
    out.append(f"caught bugs with a finding on the mutated line: {R.pct(landing['on_mutated_line'], landing['caught'])} "
               f"(target >= 80%); new findings per bug: median {per.get('median', '-')}, p90 {per.get('p90', '-')}, "
               f"max {per.get('max', '-')} (target median 1, p90 <= 2)")
    for label in ("caught on code the repository runs", "caught over all classifiable"):
        out.append(f"{label}: " + ", ".join(f"{o} {R.pct(v['caught'], v['of'])}" for o, v in classified[label].items()))
    out.append(f"functions with a seeded bug that no input could run (unclassifiable): "
               f"{classified['functions']['unclassifiable']} of {classified['functions_with_mutants']}")
    if fix is not None:
        if "skipped" in fix:
            out.append(f"fix round-trip: skipped ({fix['skipped']})")
        else:
            out.append(f"fix round-trip over {fix['caught']} caught bugs: runs {R.pct(fix['runs'], fix['caught'])}, "
                       f"original's shapes {R.pct(fix['same_shapes'], fix['caught'])}, checks clean "
                       f"{R.pct(fix['checks_clean'], fix['caught'])}")
    return out


def _fix_roundtrip(args, by_file, found, drivers, mpl, progress) -> Tuple[List[str], dict]:
    """Fix every caught bug in a copy of its in-place folder, check and run the fixed files (fixes.py)."""
    t0 = time.perf_counter()
    reason = F.unsupported()
    if reason:
        return [f"skipped: {reason}"], {"skipped": reason}
    caught = [(f, s, m, rec) for f, s, _, recs in by_file for m, rec in zip(s.mutants, recs)
              if rec.outcome in R.BUG_OUTCOMES and rec.caught]
    root = args.work / "fix-overlays"
    shutil.rmtree(root, ignore_errors=True)
    paths: List[Path] = []
    try:
        for n, (f, s, m, rec) in enumerate(caught):
            path = _overlay(f.path, root / str(n))
            path.write_text(M.mutated_source(f.text, m), encoding="utf-8")
            paths.append(path)
        progress(f"fix round-trip: fixing {len(paths)} caught bugs")
        problems = L.fix(paths, args.work, args.jobs, F.FIX_FLAGS)
        fixed_texts = [p.read_text(encoding="utf-8") for p in paths]
        after, internal = L.check(paths, args.work, args.jobs, progress)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    records: List[F.FixRecord] = []
    per_file: Dict[str, Tuple[C.SourceFile, M.Scan, list]] = {}
    for k, ((f, s, m, rec), path, fixed) in enumerate(zip(caught, paths, fixed_texts)):
        fr = F.FixRecord(k)
        records.append(fr)
        mutant_lines = M.mutated_source(f.text, m).splitlines()
        fixed_lines = fixed.splitlines()
        fr.changed, fr.outside, body = F.unit_edit(mutant_lines, fixed_lines, m.function.unit_start,
                                                   m.function.unit_end)
        fr.clean = str(path) not in internal and F.clean(f.text.splitlines(), fixed_lines,
                                                          found.get(str(f.path), []), after.get(str(path), []))
        if str(path) in problems:
            fr.detail = problems[str(path)]
        if not fr.changed:  # the mutant as it was: its truth says whether it runs
            fr.outcome = "raises" if rec.outcome == "crash" else "differs"
        elif fr.outside:
            fr.detail = "edited outside the mutated function"
        else:
            per_file.setdefault(f.ident, (f, s, []))[2].append((k, m.function, body))
    budgets = E.Budgets(trace=args.trace_budget, call=args.call_budget)
    truth_of = {f.ident: truth for f, _, truth, _ in by_file}
    items = [(f, F.job_for(f, s, fixes, budgets, mpl[f.ident], drivers.get(f.ident),
                           [fn for _, fn, _ in fixes if truth_of[f.ident].units[(fn.qualname, fn.start)].inputs
                            == "conventions"]))
             for f, s, fixes in per_file.values()]
    progress(f"fix round-trip: running the fixed functions of {len(items)} files")
    ran = F.run_jobs(items, args.work, args.python, args.jobs, progress)
    for k, r in ran.items():
        records[k].outcome = r.get("outcome")
        records[k].detail = r.get("exc") or r.get("detail") or ("; ".join(r["diff"]) if r.get("diff") else None)
    for fr, (_, _, _, rec) in zip(records, caught):
        rec.fix = fr.to_json()
    lines, data = F.summary(records, time.perf_counter() - t0)
    if problems:
        lines.append(f"files the fixer failed on: {len(problems)}")
        data["fixer_problems"] = problems
    return lines, data


def _corpus_table(files: Sequence[C.SourceFile]) -> str:
    def group(f: C.SourceFile) -> str:
        if f.kind == "numpy":
            return "NumPy template (unfilled)" if f.template else "NumPy"
        return {"framework": "framework (TF/Keras/torch...)", "numpy-noimport": "np. without importing NumPy",
                "other": "other Python", "unparseable": "unparseable (Python 2)"}[f.kind]

    labels = ["NumPy", "NumPy template (unfilled)", "framework (TF/Keras/torch...)", "np. without importing NumPy",
              "other Python", "unparseable (Python 2)"]
    rows = []
    for label in labels:
        fs = [f for f in files if group(f) == label]
        unique = [f for f in fs if f.canonical]
        rows.append([label, len(unique), sum(f.lines for f in unique), len(fs) - len(unique),
                     sum(f.lines for f in fs if not f.canonical),
                     sum(1 for f in unique if f.notebook is not None)])
    rows.append(["all", sum(r[1] for r in rows), sum(r[2] for r in rows), sum(r[3] for r in rows),
                 sum(r[4] for r in rows), sum(r[5] for r in rows)])
    commented = sum(f.notebook.commented_cells for f in files if f.notebook and f.canonical)
    lines = R.table(["files (after dedup by content)", "files", "lines", "duplicates dropped", "their lines",
                     "from notebooks"], rows)
    lines.append(f"(notebook cells that do not parse on their own, commented out: {commented})")
    return "\n".join(lines)


def _totals(records: Sequence[R.MutantRecord], emit) -> None:
    crash = [r for r in records if r.outcome == "crash"]
    silent = [r for r in records if r.outcome == "silent"]
    ran = [r for r in records if r.outcome != "not_run"]
    emit(f"mutants: {len(records)}; run: {len(ran)} ({R.pct(len(ran), len(records))}); "
         f"crash {len(crash)}, silent {len(silent)}, no effect {sum(r.outcome == 'no_effect' for r in records)}, "
         f"timeout {sum(r.outcome == 'timeout' for r in records)}")
    emit(f"crash mutants caught by an error:   {R.pct(sum(r.caught_error for r in crash), len(crash))}")
    emit(f"crash mutants caught by a warning:  {R.pct(sum(r.caught_warning for r in crash), len(crash))} "
         f"(only by a warning: {sum(r.caught_warning and not r.caught_error for r in crash)})")
    emit(f"crash mutants caught (either):      {R.pct(sum(r.caught for r in crash), len(crash))}")
    emit(f"silent mutants caught (either):     {R.pct(sum(r.caught for r in silent), len(silent))} "
         f"(by an error: {sum(r.caught_error for r in silent)}, by a warning: {sum(r.caught_warning for r in silent)})")
    types = collections.Counter(r.exc_type for r in crash)
    emit("crash exception types: " + ", ".join(f"{t} {n}" for t, n in types.most_common()))
    for label, group in (("crash", crash), ("silent", silent)):
        where = collections.Counter(r.where for r in group if r.caught)
        emit(f"where the nearest new finding is ({label}, caught): on the mutated line {where['line']}, "
             f"elsewhere in the function {where['function']}, at a call site / elsewhere {where['call site']}")
    nf = [r for r in records if r.outcome == "no_effect" and r.linted]
    if nf:
        emit(f"no-effect mutants linted: {len(nf)}; with a new error: {sum(r.caught_error for r in nf)}, "
             f"with a new warning: {sum(r.caught_warning for r in nf)}")


def _shapes_known(numpy_files, scans, entries, emit) -> None:
    total = rank = full = 0
    m_total = m_rank = m_full = 0
    for f, s in zip(numpy_files, scans):
        spans = C.function_spans(f.text)
        mutant_lines = {m.line for m in s.mutants}
        for e in entries.get(str(f.path), []):
            line = e["line"]
            if not any(lo <= line <= hi for lo, hi in spans):
                continue
            shape = e.get("shape")
            known = shape is not None
            whole = known and all(d is not None for d in shape)
            total += 1
            rank += known
            full += whole
            if line in mutant_lines:
                m_total += 1
                m_rank += known
                m_full += whole
    emit(f"names assigned in function bodies: {total}; rank known {R.pct(rank, total)}, "
         f"every dim known {R.pct(full, total)}")
    emit(f"on the lines where mutants were placed: {m_total}; rank known {R.pct(m_rank, m_total)}, "
         f"every dim known {R.pct(m_full, m_total)}")


def _not_run(by_file, emit) -> None:
    units = [(f, u) for f, s, truth, _ in by_file for u in truth.units.values()]
    ran = [u for _, u in units if u.usable]
    emit(f"functions and methods: {len(units)}; run {len(ran)} "
         f"({sum(u.inputs == 'trace' for u in ran)} on recorded calls, "
         f"{sum(u.inputs == 'docstring' for u in ran)} on inputs made from their docstring, "
         f"{sum(u.inputs == 'conventions' for u in ran)} on inputs made from the course's layout conventions); "
         f"not run {len(units) - len(ran)}")
    mutants_by_reason: collections.Counter = collections.Counter()
    for f, s, truth, recs in by_file:
        for r in recs:
            if r.outcome == "not_run":
                mutants_by_reason[r.reason] += 1
    unit_reasons = collections.Counter(u.reason for _, u in units if not u.usable)
    rows = [[reason, unit_reasons[reason], mutants_by_reason.get(reason, 0)]
            for reason in sorted(set(unit_reasons) | set(mutants_by_reason), key=lambda x: -unit_reasons[x])]
    for line in R.table(["reason", "functions", "their mutants"], rows):
        emit(line)
    statuses = collections.Counter(t.run_status for _, _, t, _ in by_file)
    failed = sum(1 for _, _, t, _ in by_file if t.run_failures)
    drivers = sum(1 for _, _, t, _ in by_file if t.driver_status)
    emit(f"runs of the files: {dict(statuses)}; {failed} with statements that raised (skipped); "
         f"{drivers} also run through a sibling script that imports them")
    notes = collections.Counter(t.worker_note for _, _, t, _ in by_file if t.worker_note)
    if notes:
        emit(f"worker problems: {dict(notes)}")


def _caveats(by_file, records, emit) -> None:
    emit("== caveats about the truth")
    ne = [r for r in records if r.outcome == "no_effect"]
    emit(f"no-effect mutants in functions whose recorded array arguments all have one same size "
         f"(or no array argument), so that swapping two dims cannot show: {sum(r.degenerate for r in ne)} of {len(ne)}")
    emit(f"mutants run only on inputs made from a docstring: "
         f"{sum(r.inputs == 'docstring' and r.outcome != 'not_run' for r in records)}; "
         f"from the layout conventions: {sum(r.inputs == 'conventions' and r.outcome != 'not_run' for r in records)}")
    drift = [(f, u) for f, s, t, _ in by_file for u in t.units.values() if u.drift]
    emit(f"functions whose original changed behaviour after its mutants ran (shared mutable globals): {len(drift)}")
    for f, u in drift[:10]:
        emit(f"  {f.ident}: {u.unit.qualname}")


if __name__ == "__main__":
    sys.exit(main())
