"""Run ``worker.py`` on each NumPy file (one subprocess per file) and cache the truth it learns.

The truth of a file (which units were called, each mutant's outcome) does
not depend on shapelint, so the worker's raw records are cached in
``<work>/truth/<key>.json``, the key hashing everything they depend on: the
job (the file's path, content and units, the mutants' lines, budgets, the
inputs made from docstrings, the driver script), the repository's commit,
the worker's source and the corpus interpreter.  A re-run after an analyzer
change reads them back (and interprets them again, so changing this module
re-runs nothing).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

from . import layout, mutate
from .corpus import SourceFile, atomic_write_text

WORKER = Path(__file__).with_name("worker.py")
RERUN_WORKER = Path(__file__).with_name("rerun_worker.py")
TRUTH_VERSION = "1"
HARD_EXTRA = 600.0  # seconds a worker may spend on its mutants after the trace budget
MEMORY_LIMIT = 6 * 1024 ** 3

SIZE_NAMES = ("n", "m", "k", "d", "h", "w", "c", "l", "t", "size", "dim", "batch_size", "num_examples")
SIZES = (3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17)


@dataclass
class Budgets:
    trace: float = 60.0
    call: float = 10.0
    max_calls: int = 3
    max_bytes: int = 50 * 1024 * 1024


@dataclass
class UnitTruth:
    unit: mutate.Function
    called: int = 0  # calls seen during the run
    usable: int = 0  # recorded calls on which the original ran (the mutants were compared on these)
    inputs: Optional[str] = None  # "trace" / "docstring" / None
    reason: Optional[str] = None  # why it could not run (None when it ran)
    arg_shapes: List[List[List[int]]] = field(default_factory=list)
    drift: bool = False

    @property
    def degenerate(self) -> bool:
        """No array argument, or every dim of every array argument is the same size: swaps are invisible."""
        dims = {d for call in self.arg_shapes for shape in call for d in shape}
        return len(dims) <= 1


@dataclass
class FileTruth:
    run_status: str = ""
    run_detail: str = ""
    run_seconds: float = 0.0
    units: Dict[Tuple[str, int], UnitTruth] = field(default_factory=dict)
    outcomes: Dict[int, dict] = field(default_factory=dict)  # mutant index -> outcome record
    cached: bool = False
    worker_note: str = ""
    run_failures: int = 0  # top-level statements of the file's own run that raised
    statements_cut: int = 0  # statements stopped in a loop over functions already recorded
    driver_status: str = ""  # the run of a sibling script that imports the file ("" when none ran)
    driver_detail: str = ""

    def last_run(self) -> Tuple[str, str]:
        if self.driver_status:
            return self.driver_status, self.driver_detail
        return self.run_status, self.run_detail


def synth_spec(fn: mutate.Function) -> Optional[List[dict]]:
    """Inputs for a function from its docstring, when every required parameter can be made soundly:
    an array whose shape the docstring declares (distinct small sizes per symbol), or an int named like a size."""
    if fn.is_method or fn.has_varargs or fn.kwonly_required or not fn.docstring:
        return None
    try:
        from shapelint.algebra.docstrings import parse_docstring
        contract = parse_docstring(fn.docstring)
    except Exception:
        return None
    required = fn.params[: fn.n_positional - fn.defaults]
    if not any(p in contract.params for p in required):
        return None
    sizes: Dict[str, int] = {}
    free = iter(SIZES)
    out: List[dict] = []
    for p in required:
        spec = contract.params.get(p)
        if spec is None:
            continue
        for d in spec.dims:
            if d.kind == "name" and d.name not in sizes:
                sizes[d.name] = next(free, 0)
            elif d.kind not in ("name", "int"):
                return None
    if 0 in sizes.values():
        return None
    for p in required:
        spec = contract.params.get(p)
        if spec is not None:
            out.append({"name": p, "kind": "array",
                        "shape": [d.value if d.kind == "int" else sizes[d.name] for d in spec.dims]})
        elif _size_like(p):
            if p not in sizes:
                sizes[p] = next(free, 0)
            if not sizes[p]:
                return None
            out.append({"name": p, "kind": "int", "value": sizes[p]})
        else:
            return None
    return out


def _size_like(name: str) -> bool:
    low = name.lower()
    return (low in SIZE_NAMES or low.startswith(("n_", "num_", "number_of_")) or
            low.endswith(("_size", "_dim", "_len", "_length", "_count")) or
            (low.startswith("n") and low[1:].isdigit()))


def job_for(f: SourceFile, scan: mutate.Scan, budgets: Budgets, matplotlib: bool,
            driver: Optional[SourceFile] = None) -> dict:
    units = []
    ids: Dict[Tuple[str, int], int] = {}
    for fn in scan.functions:
        ids[(fn.qualname, fn.start)] = len(units)
        units.append({"id": len(units), "qualname": fn.qualname, "start": fn.start,
                      "unit_start": fn.unit_start, "unit_end": fn.unit_end, "is_method": fn.is_method,
                      "synth": synth_spec(fn)})
    mutants = [{"id": i, "unit": ids[(m.function.qualname, m.function.start)], "line": m.line, "after": m.after}
               for i, m in enumerate(scan.mutants)]
    return {"path": str(f.path), "sha": f.sha, "units": units, "mutants": mutants,
            "trace_budget": budgets.trace, "call_budget": budgets.call, "max_calls": budgets.max_calls,
            "max_bytes": budgets.max_bytes, "matplotlib": matplotlib,
            "driver": str(driver.path) if driver is not None else None,
            "driver_sha": driver.sha if driver is not None else None}


def truth_key(job: dict, commit: str, python: str) -> str:
    h = hashlib.sha256()
    h.update(TRUTH_VERSION.encode())
    h.update(WORKER.read_bytes())
    h.update(commit.encode())
    h.update(python.encode())
    h.update(json.dumps(job, sort_keys=True).encode())
    return h.hexdigest()[:32]


_IDENTITY = (
    "import sys, numpy, hashlib, importlib.metadata as m\n"
    "dists = sorted(f'{d.metadata[\"Name\"]}=={d.version}' for d in m.distributions())\n"
    "print(sys.version.split()[0], 'numpy', numpy.__version__, sys.prefix, len(dists), 'distributions',"
    " hashlib.sha256(' '.join(dists).encode()).hexdigest()[:12])\n"
)


def python_identity(python: str) -> str:
    """The corpus interpreter, its NumPy and a digest of every installed distribution (the truth depends on
    them: installing a package a script imports changes what runs)."""
    out = subprocess.run([python, "-c", _IDENTITY], capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(f"{python} cannot import numpy: {out.stderr.strip()[-300:]}")
    return os.path.realpath(python) + " " + out.stdout.strip()


_LIVE: Set[int] = set()  # process groups of the workers running now
_LIVE_LOCK = threading.Lock()


def kill_workers() -> None:
    """Kill every worker still running (the report is stopping): none may outlive it."""
    with _LIVE_LOCK:
        groups = list(_LIVE)
    for pgid in groups:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _limits() -> None:  # runs in the child before exec
    import resource
    try:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    except (ValueError, OSError):
        pass


def run_worker(job: dict, key: str, work: Path, tree_root: Path, python: str, script: Path = WORKER
               ) -> Tuple[List[dict], str]:
    jobs = work / "jobs"
    jobs.mkdir(parents=True, exist_ok=True)
    out = jobs / f"{key}.out"
    if out.exists():
        out.unlink()
    home = Path(tempfile.mkdtemp(prefix="home-", dir=jobs))
    job = dict(job, out=str(out), tree=str(tree_root), allowed=[str(tree_root), str(home), str(jobs)])
    job_path = jobs / f"{key}.job.json"
    atomic_write_text(job_path, json.dumps(job))
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TZ")}
    env.update(HOME=str(home), MPLBACKEND="Agg", MPLCONFIGDIR=str(home / ".mpl"), PYTHONDONTWRITEBYTECODE="1",
               PYTHONHASHSEED="0", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               TMPDIR=str(home), PYTHONNOUSERSITE="1")
    note = ""
    with open(jobs / f"{key}.stderr", "wb") as err:
        proc = subprocess.Popen([python, str(script), str(job_path)], cwd=str(Path(job["path"]).parent), env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                preexec_fn=_limits, start_new_session=True)
        with _LIVE_LOCK:
            _LIVE.add(proc.pid)
        try:
            proc.wait(timeout=job["trace_budget"] + HARD_EXTRA)
        except subprocess.TimeoutExpired:
            note = "killed at the hard limit"
        finally:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
            with _LIVE_LOCK:
                _LIVE.discard(proc.pid)
        if not note and proc.returncode != 0:
            note = f"worker exited with {proc.returncode}"
    records = []
    if out.exists():
        for line in out.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                pass
    shutil.rmtree(home, ignore_errors=True)
    for p in (out, job_path):
        try:
            p.unlink()
        except OSError:
            pass
    return records, note


def _never_called_reason(fn: mutate.Function, status: str, detail: str) -> str:
    if fn.is_method:
        return "method never called (no instance recorded)"
    if status in ("completed", "saturated") and not detail:
        return "never called: the run completed; no declared shapes"
    if status == "timeout":
        return "never called before the trace budget ran out; no declared shapes"
    if status == "killed":
        return "never called: the worker was killed"
    kind = detail.split(":", 1)[0]
    if kind in ("ModuleNotFoundError", "ImportError"):
        return "never called: the run failed on a missing module; no declared shapes"
    if kind in ("FileNotFoundError", "OSError") or "No such file" in detail or "Unable to" in detail:
        return "never called: the run failed on an absent file (dataset); no declared shapes"
    if kind == "PermissionError" and "benchmark forbids" in detail:
        return "never called: the run failed on a forbidden write/process/network use"
    return f"never called: the run failed ({kind} first); no declared shapes"


def _failure_reason(text: str) -> str:
    text = text or ""
    if "nondeterministic" in text:
        return "original's shapes differ between two runs"
    if "timeout" in text:
        return "original timed out on the recorded inputs"
    if text.startswith("could not rebuild"):
        return "the unit could not be rebuilt"
    return "original raised on the recorded inputs"


def interpret(records: List[dict], scan: mutate.Scan, job: dict, note: str) -> FileTruth:
    truth = FileTruth(worker_note=note)
    units = {u["id"]: fn for u, fn in zip(job["units"], scan.functions)}
    for fn in scan.functions:
        truth.units[(fn.qualname, fn.start)] = UnitTruth(fn)
    runs = [r for r in records if r.get("type") == "run"]
    if not runs:
        truth.run_status, truth.run_detail = "killed", note or "no result"
    else:
        own = runs[0]
        truth.run_status, truth.run_detail, truth.run_seconds = own["status"], own.get("detail", ""), own["seconds"]
        truth.run_failures = own.get("failures", 0)
        truth.statements_cut = sum(r.get("cut", 0) for r in runs)
        if len(runs) > 1:
            truth.driver_status, truth.driver_detail = runs[1]["status"], runs[1].get("detail", "")
            truth.run_seconds += runs[1]["seconds"]
    errors = [r for r in records if r.get("type") == "worker_error"]
    if errors:
        truth.worker_note = (truth.worker_note + "; " if truth.worker_note else "") + errors[0]["error"]
    for r in records:
        if r.get("type") == "unit":
            ut = truth.units[(units[r["id"]].qualname, units[r["id"]].start)]
            ut.called, ut.usable, ut.inputs = r["seen"], r["usable"], r.get("inputs")
            ut.arg_shapes = r.get("arg_shapes", [])
            if not r["usable"]:
                if r.get("reason"):
                    ut.reason = _failure_reason(r["reason"])
                elif r["too_large"]:
                    ut.reason = "arguments too large to copy"
                elif r["uncopyable"]:
                    ut.reason = "arguments could not be deep-copied"
                else:
                    ut.reason = _never_called_reason(ut.unit, *truth.last_run())
        elif r.get("type") == "mutant":
            truth.outcomes[r["id"]] = r
        elif r.get("type") == "drift":
            truth.units[(units[r["id"]].qualname, units[r["id"]].start)].drift = r["drift"]
    done = any(r.get("type") == "done" for r in records)
    for fn in scan.functions:
        ut = truth.units[(fn.qualname, fn.start)]
        if ut.reason is None and ut.usable == 0:
            ut.reason = "the worker stopped before this unit" if not done else \
                _never_called_reason(fn, *truth.last_run())
    for i, m in enumerate(scan.mutants):
        if i not in truth.outcomes:
            ut = truth.units[(m.function.qualname, m.function.start)]
            reason = ut.reason or ("the worker stopped before this mutant" + (f" ({note})" if note else ""))
            truth.outcomes[i] = {"outcome": "not_run", "reason": reason}
    return truth


def learn(items: Sequence[Tuple[SourceFile, mutate.Scan, bool, Optional[SourceFile]]], work: Path, python: str,
          budgets: Budgets,
          jobs: int, progress: Callable[[str], None]) -> List[FileTruth]:
    """The truth for every file, from the cache or by running the worker (jobs in parallel)."""
    ident = python_identity(python)
    results: List[Optional[FileTruth]] = [None] * len(items)
    todo = []
    for i, (f, scan, mpl, driver) in enumerate(items):
        job = job_for(f, scan, budgets, mpl, driver)
        key = truth_key(dict(job, rel=f.rel, repo=f.repo.name), f.repo.commit, ident)
        cache = work / "truth" / f"{key}.json"
        if cache.exists():
            try:
                saved = json.loads(cache.read_text(encoding="utf-8"))
                if not any(r.get("type") == "run" for r in saved["records"]):
                    raise ValueError("no run recorded")  # a worker that never started: run it again
                results[i] = interpret(saved["records"], scan, job, saved["note"])
                results[i].cached = True
                continue
            except (ValueError, KeyError):
                pass
        todo.append((i, job, key, cache))
    progress(f"truth: {len(items) - len(todo)} files cached, {len(todo)} to run")
    stopping = threading.Event()

    def one(entry: Tuple[int, dict, str, Path]) -> None:
        i, job, key, cache = entry
        if stopping.is_set():
            return
        f, scan, _, _ = items[i]
        assert f.tree is not None
        try:
            records, note = run_worker(job, key, work, f.tree, python)
        except OSError as exc:  # the interpreter could not be started: nothing learned, nothing cached
            results[i] = interpret([], scan, job, f"worker not started: {exc}")
            return
        if records:  # nothing at all: the worker could not start; do not cache that
            atomic_write_text(cache, json.dumps({"records": records, "note": note}))
        results[i] = interpret(records, scan, job, note)

    run_pool(todo, one, jobs, progress, "truth", stopping)
    assert all(r is not None for r in results)
    return results  # type: ignore[return-value]


def run_pool(todo: Sequence, one: Callable, jobs: int, progress: Callable[[str], None], label: str,
             stopping: Optional[threading.Event] = None) -> None:
    """one(item) for every item, `jobs` at a time; a Ctrl-C sets ``stopping`` (items not begun
    return at once) and kills the workers."""
    started = time.perf_counter()
    done = 0
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        for _ in pool.map(one, todo):
            done += 1
            if done % 25 == 0 or done == len(todo):
                progress(f"{label}: {done}/{len(todo)} files run ({time.perf_counter() - started:.0f} s)")
    except BaseException:
        if stopping is not None:
            stopping.set()
        pool.shutdown(wait=False, cancel_futures=True)
        kill_workers()
        raise
    finally:
        pool.shutdown(wait=True)


def rerun_key(kind: str, job: dict, f: SourceFile, ident: str) -> str:
    """The cache key of a rerun_worker.py job: what the truth's key hashes, and rerun_worker.py too."""
    h = hashlib.sha256()
    for part in (kind.encode(), RERUN_WORKER.read_bytes(), WORKER.read_bytes(), f.repo.commit.encode(),
                 ident.encode(), json.dumps(dict(job, rel=f.rel, repo=f.repo.name), sort_keys=True).encode()):
        h.update(part)
    return h.hexdigest()[:32]


def rerun_cached(kind: str, f: SourceFile, job: dict, work: Path, python: str, ident: str) -> Tuple[List[dict], str]:
    """rerun_worker.py's records for a job, from <work>/truth/<kind>-<key>.json or by running it (cached when the
    worker got to its end)."""
    key = rerun_key(kind, job, f, ident)
    cache = work / "truth" / f"{kind}-{key}.json"
    if cache.exists():
        try:
            saved = json.loads(cache.read_text(encoding="utf-8"))
            return saved["records"], saved["note"]
        except (ValueError, KeyError):
            pass
    assert f.tree is not None
    records, note = run_worker(job, f"{kind}-{key}", work, f.tree, python, script=RERUN_WORKER)
    if any(r.get("type") == "done" for r in records):
        atomic_write_text(cache, json.dumps({"records": records, "note": note}))
    return records, note


def layout_pass(items: Sequence[Tuple[SourceFile, mutate.Scan, bool, Optional[SourceFile]]],
                truths: Sequence[FileTruth], work: Path, python: str, budgets: Budgets, jobs: int,
                progress: Callable[[str], None]) -> int:
    """Run the functions the truth could not run, whose every required parameter the course's layout
    conventions name (layout.py), on inputs made from those names; a function whose original runs on them
    takes its outcomes into the truth, classified by "conventions".  The number of functions so classified."""
    ident = python_identity(python)
    todo = []
    for (f, scan, mpl, driver), truth in zip(items, truths):
        with_mutants = {(m.function.qualname, m.function.start) for m in scan.mutants}
        specs = {}
        for fn in scan.functions:
            key = (fn.qualname, fn.start)
            if key in with_mutants and not truth.units[key].usable:
                spec = layout.inputs(fn)
                if spec is not None:
                    specs[key] = spec
        if not specs:
            continue
        job = job_for(f, scan, budgets, mpl, driver)
        targets = set()
        for u in job["units"]:  # every unit stays, so that the run records as the truth's did
            spec = specs.get((u["qualname"], u["start"]))
            u["synth"] = spec
            if spec is not None:
                u["synth_source"] = "conventions"
                targets.add(u["id"])
        job["mutants"] = [m for m in job["mutants"] if m["unit"] in targets]
        todo.append((f, scan, job, truth, specs))
    progress(f"layout conventions: {sum(len(t[4]) for t in todo)} functions in {len(todo)} files")
    classified = 0
    lock = threading.Lock()

    def one(entry) -> None:
        nonlocal classified
        f, scan, job, truth, specs = entry
        records, note = rerun_cached("layout", f, job, work, python, ident)
        more = interpret(records, scan, job, note)
        with lock:
            for key in specs:
                if more.units[key].usable:
                    truth.units[key] = more.units[key]
                    classified += 1
            for i, m in enumerate(scan.mutants):
                key = (m.function.qualname, m.function.start)
                if key in specs and more.units[key].usable:
                    truth.outcomes[i] = more.outcomes[i]

    run_pool(todo, one, jobs, progress, "layout conventions")
    return classified
