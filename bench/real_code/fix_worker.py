"""Run fixed mutants as the mutants were run (runs under the corpus interpreter, like ``worker.py``).

    python fix_worker.py JOB.json

The job (written by ``fixes.py``) is a ``worker.py`` job whose ``fixes``
replace its ``mutants``: for each, the unit it fixes and that unit's lines in
the fixed file (a fix may change the number of lines).  The file is run and
its calls are recorded exactly as ``worker.py`` does (its functions are
reused, loaded from its file under a private module name); then the original
unit and each fixed one are called on fresh deep copies of the recorded
arguments (or on the inputs made from the docstring, when the truth used
them): **same** (it runs and every recorded call gives the original's shapes),
**differs** (it runs, a shape differs), **raises**, **timeout**, or
**not_run** (the original gave no usable call this time).

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

_spec = importlib.util.spec_from_file_location(
    "_shapelint_realcode_worker", os.path.join(os.path.dirname(os.path.abspath(__file__)), "worker.py"))
W = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(W)


def record(job, units):
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


def judge(namespaces, unit, fix, usable, budget):
    """The fixed unit on every usable recorded call: same / differs / raises / timeout."""
    start = unit["unit_start"]  # the fixed unit keeps its first line, so that line numbers stay the file's
    fixed_unit = dict(unit, unit_end=start + len(fix["body"]) - 1)
    builder = W.Builder(namespaces, fixed_unit, [""] * (start - 1) + fix["body"])
    for record_, sig, _ in usable:
        try:
            fn = builder.get(record_["origin"])
        except BaseException as exc:
            return {"outcome": "raises", "exc": f"could not rebuild: {type(exc).__name__}: {str(exc)[:200]}"}
        status, got, _ = W.call(fn, record_, budget)
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

    recorder, namespaces = record(job, units)
    budget = job["call_budget"]
    by_unit = {}
    for fix in job["fixes"]:
        by_unit.setdefault(fix["unit"], []).append(fix)
    for u in units:
        calls = [c for c in recorder.calls[u["id"]] if c["origin"] in namespaces]
        if not calls and u.get("synth") is not None and not u["is_method"]:
            calls = [W.synth_record(u["synth"])]
        usable = []
        if calls:
            builder = W.Builder(namespaces, u, lines)
            for rec in calls:
                try:
                    original = builder.get(rec["origin"])
                except BaseException:
                    continue
                status, sig, secs = W.call(original, rec, budget)
                if status == "ok":
                    usable.append((rec, sig, secs))
                    if secs > W.SLOW_CALL:
                        break
        for fix in by_unit.get(u["id"], []):
            if not usable:
                emit(type="fix", id=fix["id"], outcome="not_run")
            else:
                emit(type="fix", id=fix["id"], **judge(namespaces, u, fix, usable, budget))
    emit(type="done")


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except BaseException as exc:
        with open(json.load(open(sys.argv[1]))["out"], "a", encoding="utf-8") as f:
            f.write(json.dumps({"type": "worker_error", "error": f"{type(exc).__name__}: {exc}"}) + "\n")
        raise
