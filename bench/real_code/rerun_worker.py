"""Second runs of a corpus file, as ``worker.py`` runs it (runs under the corpus interpreter).

    python rerun_worker.py JOB.json

The job is a ``worker.py`` job (written by ``execute.py`` or ``fixes.py``)
with one of two payloads:

* ``fixes`` (the fix round-trip): for each, the unit it fixes and that unit's
  lines in the fixed file (``body``: a fix may change the number of lines).
  The original unit and each fixed one are called on fresh deep copies of the
  recorded arguments (or the inputs the truth made for it): **same** (it
  runs and every call gives the original's shapes), **differs** (it runs, a
  shape differs), **raises**, **timeout**, or **not_run** (the original gave
  no usable call this time).
* ``mutants``, for units the truth could not run: as in ``worker.py``, but
  their ``synth`` inputs may also be floats, strings, dicts, lists and tuples
  (the course's layout conventions: a ``parameters`` dict of ``W1``..``WL``,
  a ``cache`` tuple).  The records are ``worker.py``'s, read by
  ``execute.interpret``.

The file is run and its calls are recorded exactly as ``worker.py`` does (its
functions are reused, loaded from its file under a private module name).
This is a file of its own rather than a mode of ``worker.py`` because the
truth cache is keyed by ``worker.py``'s bytes: changing it would make every
file's truth run again.
"""

from __future__ import annotations

import builtins
import importlib.util
import json
import os
import signal
import sys
import warnings

import numpy as np

_spec = importlib.util.spec_from_file_location(
    "_shapelint_realcode_worker", os.path.join(os.path.dirname(os.path.abspath(__file__)), "worker.py"))
W = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(W)


def make_value(spec, rng):
    kind = spec["kind"]
    if kind == "array":
        return rng.rand(*spec["shape"]) if spec["shape"] else rng.rand()
    if kind in ("int", "float", "str"):
        return spec["value"]
    if kind == "dict":
        return {k: make_value(v, rng) for k, v in spec["items"].items()}
    if kind == "list":
        return [make_value(v, rng) for v in spec["items"]]
    if kind == "tuple":
        return tuple(make_value(v, rng) for v in spec["items"])
    raise ValueError(f"unknown input kind {kind!r}")


def synth_record(synth):
    rng = np.random.RandomState(0)
    return {"args": ([make_value(p, rng) for p in synth], {}), "class_cell": None, "origin": "self"}


def record(job, units, emit):
    """Run the file (and its driver when a unit is left uncalled) under the recorder, as worker.main does:
    (recorder, namespaces)."""
    recorder = W.Recorder(job["path"], units, job["max_calls"], job["max_bytes"], job["tree"])
    runs = [("self", job["path"])]
    if job.get("driver"):
        runs.append(("driver", job["driver"]))
    namespaces = {}
    budget_left = job["trace_budget"]
    for origin, script in runs:
        if origin == "driver" and not any(not recorder.calls[u["id"]] for u in units):
            break
        recorder.origin = origin
        if budget_left <= 0:
            break
        recorder.idle = 0
        status, detail, failures, cut, seconds = W.run_script(script, recorder, budget_left)
        budget_left -= seconds
        emit(type="run", origin=origin, status=status, detail=detail, failures=failures, cut=cut, seconds=seconds)
        main_ns = sys.modules["__main__"].__dict__
        if origin == "self":
            namespaces["self"] = dict(main_ns)
        else:
            imported = [m for m in list(sys.modules.values())
                        if getattr(m, "__file__", None) and os.path.abspath(m.__file__) == job["path"]]
            if imported:
                namespaces["driver"] = dict(imported[0].__dict__)
        W._close_figures()
    return recorder, namespaces


def usable_calls(namespaces, unit, lines, calls, budget):
    """The calls on which the original runs, twice with the same shapes: [(record, signature, seconds)], and
    why the others failed."""
    builder = W.Builder(namespaces, unit, lines)
    usable, failures = [], []
    for rec in calls:
        try:
            original = builder.get(rec["origin"])
        except BaseException as exc:
            failures.append(f"could not rebuild: {type(exc).__name__}: {str(exc)[:200]}")
            continue
        status1, sig1, secs = W.call(original, rec, budget)
        if status1 != "ok":
            failures.append(status1 if status1 == "timeout" else type(sig1).__name__ + ": " + str(sig1)[:200])
            continue
        status2, sig2, _ = W.call(original, rec, budget)
        if status2 != "ok" or sig2 != sig1:
            failures.append("nondeterministic shapes")
            continue
        usable.append((rec, sig1, secs))
        if secs > W.SLOW_CALL:
            break
    return usable, failures


def judge(namespaces, unit, fix, usable, budget):
    """The fixed unit on every usable call: same / differs / raises / timeout."""
    start = unit["unit_start"]  # the fixed unit keeps its first line, so that line numbers stay the file's
    fixed_unit = dict(unit, unit_end=start + len(fix["body"]) - 1)
    builder = W.Builder(namespaces, fixed_unit, [""] * (start - 1) + fix["body"])
    for rec, sig, _ in usable:
        try:
            fn = builder.get(rec["origin"])
        except BaseException as exc:
            return {"outcome": "raises", "exc": f"could not rebuild: {type(exc).__name__}: {str(exc)[:200]}"}
        status, got, _ = W.call(fn, rec, budget)
        if status == "timeout":
            return {"outcome": "timeout"}
        if status == "raised":
            return {"outcome": "raises", "exc": f"{type(got).__name__}: {str(got)[:200]}"}
        diff = W.shape_diff(sig, got)
        if diff:
            return {"outcome": "differs", "diff": diff[:5]}
    return {"outcome": "same"}


def main(job_path):
    with open(job_path, encoding="utf-8") as f:
        job = json.load(f)
    out = open(job["out"], "a", encoding="utf-8", buffering=1)

    def emit(**rec):
        out.write(json.dumps(rec, default=str) + "\n")
        out.flush()

    path = job["path"]
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    units = job["units"]
    for u in units:
        u["filename"] = path
    warnings.simplefilter("ignore")
    devnull = open(os.devnull, "w")
    sys.stdout = devnull
    sys.stderr = devnull
    builtins.input = W._no_input
    signal.signal(signal.SIGALRM, W._on_alarm)
    os.chdir(os.path.dirname(path))
    sys.path.insert(0, os.path.dirname(path))
    W.install_fence(job["allowed"])
    if job.get("matplotlib"):
        W._patch_matplotlib()
    warnings.simplefilter("ignore")

    recorder, namespaces = record(job, units, emit)
    budget = job["call_budget"]
    fixes, mutants = {}, {}
    for fix in job.get("fixes", []):
        fixes.setdefault(fix["unit"], []).append(fix)
    for m in job.get("mutants", []):
        mutants.setdefault(m["unit"], []).append(m)
    for u in units:
        if u["id"] not in fixes and u["id"] not in mutants:
            continue  # recorded only so that the run goes as the truth's did
        calls = [c for c in recorder.calls[u["id"]] if c["origin"] in namespaces]
        inputs = "trace"
        if not calls and u.get("synth") is not None and not u["is_method"]:
            calls = [synth_record(u["synth"])]
            inputs = u.get("synth_source", "docstring")
        usable, failures = usable_calls(namespaces, u, lines, calls, budget) if calls else ([], [])
        for fix in fixes.get(u["id"], []):
            if not usable:
                emit(type="fix", id=fix["id"], outcome="not_run", detail="; ".join(failures[:3]) or None)
            else:
                emit(type="fix", id=fix["id"], **judge(namespaces, u, fix, usable, budget))
        if u["id"] not in mutants:
            continue
        info = {"type": "unit", "id": u["id"], "seen": recorder.seen[u["id"]],
                "recorded": len(recorder.calls[u["id"]]), "too_large": recorder.too_large[u["id"]],
                "uncopyable": recorder.uncopyable[u["id"]], "inputs": inputs if calls else None,
                "arg_shapes": [W._arg_shapes(r["args"]) for r, _, _ in usable]}
        if not usable:
            emit(**info, usable=0, reason=("original failed: " + "; ".join(failures[:3])) if calls else None)
            continue
        emit(**info, usable=len(usable), reason=None, failures=failures[:3])
        for m in mutants[u["id"]]:
            emit(type="mutant", id=m["id"], **W.evaluate(namespaces, u, lines, m, usable, budget))
    emit(type="done")


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except BaseException as exc:
        with open(json.load(open(sys.argv[1]))["out"], "a", encoding="utf-8") as f:
            f.write(json.dumps({"type": "worker_error", "error": f"{type(exc).__name__}: {exc}"}) + "\n")
        raise
