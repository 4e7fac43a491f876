"""The slowest inputs we know of: how long shapelint takes on each, and what it says.

    python bench/worst_inputs.py               # every input through shapelint (lint_bytes)
    python bench/worst_inputs.py --libcst      # and through bare libcst.parse_module
    python bench/worst_inputs.py --only chain  # the inputs whose name contains "chain"
    python bench/worst_inputs.py --overhead DIR  # the pre-check's share of linting DIR's .py files
    python bench/worst_inputs.py --isolation   # the cost of checking in one worker process

Each input runs in a child process of its own with a time-out, so that a
crash (libcst overflows the C stack on deep nesting) is reported as such
instead of ending the script.  The target: every input gets a result within
5 s, and nothing crashes.  Times are wall-clock seconds of ``lint_bytes``
(read, measure, parse, analyze) with CPU seconds beside them: the machine is
shared, and CPU time is the steadier of the two.  The child sets the cyclic
garbage collector as ``shapelint check`` does (``runner.tune_collector``); with
``--libcst`` the bare parse is timed with Python's default setting, as libcst's
users run it, and again with shapelint's, and both ratios are printed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

REPO = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 5.0
NP = "import numpy as np\nx = np.ones(3)\n"


def chain(n: int, op: str = "+") -> str:
    return f" {op} ".join(["x"] * n)


def nested(open_: str, inner: str, close: str, n: int) -> str:
    return open_ * n + inner + close * n


def notebook(cells: List[str]) -> str:
    return json.dumps({"cells": [{"cell_type": "code", "source": c, "metadata": {}, "outputs": [],
                                  "execution_count": None} for c in cells],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


# name -> (file name, source).  Sizes: past libcst's crash or its 5 s, unless said.
INPUTS: Dict[str, Callable[[], Tuple[str, str]]] = {
    "chain: 20,000-term sum (the issue's file)": lambda: ("f.py", NP + "y = " + chain(20_000) + "\n"),
    "chain: 4,000-term sum": lambda: ("f.py", NP + "y = " + chain(4_000) + "\n"),
    "chain: 2,500-term sum (CPython compiles it)": lambda: ("f.py", NP + "y = " + chain(2_500) + "\n"),
    "chain: 99-term sum (analyzed)": lambda: ("f.py", NP + "y = " + chain(99) + "\n"),
    "chain: 20,000-term and / or": lambda: ("f.py", NP + "y = " + chain(20_000, "and") + "\n"),
    "chain: 20,000-term power (right-nested)": lambda: ("f.py", NP + "y = " + chain(20_000, "**") + "\n"),
    "chain: 20,000 comparisons": lambda: ("f.py", NP + "y = " + chain(20_000, "<") + "\n"),
    "chain: 20,000 unary minus": lambda: ("f.py", NP + "y = " + "-" * 20_000 + "x\n"),
    "chain: 20,000 attributes .T": lambda: ("f.py", NP + "y = x" + ".T" * 20_000 + "\n"),
    "chain: 20,000 subscripts [0]": lambda: ("f.py", NP + "y = x" + "[0]" * 20_000 + "\n"),
    "chain: 20,000 lambdas": lambda: ("f.py", NP + "y = " + "lambda: " * 20_000 + "x\n"),
    "chain: 20,000 conditional expressions": lambda: ("f.py", NP + "y = " + "x if x else " * 20_000 + "x\n"),
    "chain: 3,000 concatenated strings": lambda: ("f.py", NP + "y = (\n" + "    'abc'\n" * 3_000 + ")\n"),
    "brackets: 500 nested parentheses": lambda: ("f.py", NP + "y = " + nested("(", "x", ")", 500) + "\n"),
    "brackets: 5,000 nested parentheses": lambda: ("f.py", NP + "y = " + nested("(", "x", ")", 5_000) + "\n"),
    "brackets: 1,000 nested calls": lambda: ("f.py", NP + "y = " + nested("f(", "x", ")", 1_000) + "\n"),
    "brackets: 1,000 nested np.abs calls": lambda: ("f.py", NP + "y = " + nested("np.abs(", "x", ")", 1_000) + "\n"),
    "brackets: 1,000 nested subscripts x[x[...]]": lambda: ("f.py", NP + "y = " + nested("x[", "0", "]", 1_000) + "\n"),
    "brackets: 1,000 nested lists": lambda: ("f.py", NP + "y = " + nested("[", "", "]", 1_000) + "\n"),
    "brackets: 1,000 nested dicts": lambda: ("f.py", NP + "y = " + nested("{1: ", "1", "}", 1_000) + "\n"),
    "brackets: 300 nested f-strings' braces": lambda: ("f.py", NP + "y = f'{" + nested("(", "x", ")", 150) + "}'\n"),
    "brackets: 180 nested lists in np.array (CPython compiles it)":
        lambda: ("f.py", NP + "y = np.array(" + nested("[", "1", "]", 180) + ")\n"),
    "blocks: 99 nested ifs (analyzed)": lambda: ("f.py", NP + "".join(" " * i + "if x:\n" for i in range(99)) + " " * 99 + "y = x\n"),
    "blocks: 150 nested ifs": lambda: ("f.py", NP + "".join(" " * i + "if x:\n" for i in range(150)) + " " * 150 + "y = x\n"),
    "blocks: 99 nested defs": lambda: ("f.py", NP + "".join(" " * i + f"def f{i}():\n" for i in range(99)) + " " * 99 + "pass\n"),
    "blocks: 20,000 elifs": lambda: ("f.py", NP + "if x[0] == 0:\n    pass\n" + "".join(f"elif x[0] == {i}:\n    y = x\n" for i in range(20_000))),
    "blocks: 20,000 except clauses": lambda: ("f.py", NP + "try:\n    pass\n" + "except ValueError:\n    pass\n" * 20_000),
    "blocks: 20,000 decorators": lambda: ("f.py", NP + "@d\n" * 20_000 + "def f():\n    pass\n"),
    "flat: list of 200,000 numbers": lambda: ("f.py", NP + "y = [" + ", ".join(["1"] * 200_000) + "]\n"),
    "flat: list of 50,000 numbers (analyzed)": lambda: ("f.py", NP + "y = [" + ", ".join(["1"] * 50_000) + "]\n"),
    "flat: dict of 50,000 items": lambda: ("f.py", NP + "y = {" + ", ".join(f"{i}: {i}" for i in range(50_000)) + "}\n"),
    "flat: a 9 MB string": lambda: ("f.py", NP + "y = '" + "a" * 9_000_000 + "'\n"),
    "flat: a 12 MB file": lambda: ("f.py", NP + "# " + "a" * 12_000_000 + "\n"),
    "flat: 50,000 statements": lambda: ("f.py", NP + "".join(f"y{i} = x + {i}\n" for i in range(50_000))),
    "flat: 8,000 statements (analyzed)": lambda: ("f.py", NP + "".join(f"y{i} = np.dot(x, x) + {i}\n" for i in range(8_000))),
    "flat: 10,000 statements on one line": lambda: ("f.py", NP + "; ".join(f"y{i} = x" for i in range(10_000)) + "\n"),
    "flat: 50,000 statements, syntax error at the end, no numpy":
        lambda: ("f.py", "".join(f"y{i} = {i}\n" for i in range(50_000)) + "def f(:\n"),
    "many: 1,000 statements 99 dicts deep": lambda: ("f.py", NP + ("y = " + nested("{1: ", "1", "}", 98) + "\n") * 1_000),
    "many: 1,000 statements of 32 nested calls": lambda: ("f.py", NP + ("y = " + nested("f(", "x", ")", 32) + "\n") * 1_000),
    # issue 15: a file of many functions costs what its parse costs, not n^2 (target: <= 2x bare libcst)
    "many: 5,000 one-line functions (np.dot)":
        lambda: ("f.py", NP + "".join(f"def f{i}(x): return np.dot(x, x.T) + {i}\n" for i in range(5_000))),
    "many: 5,000 one-line functions calling the one before":
        lambda: ("f.py", NP + "def f0(x): return x\n"
                 + "".join(f"def f{i}(x): return f{i - 1}(x) + 1\n" for i in range(1, 5_000))),
    "many: 3,000 notebook cells": lambda: ("nb.ipynb", notebook([NP] + [f"y{i} = x + {i}\n" for i in range(3_000)])),
    "many: 300 notebook cells, each a 150-term sum": lambda: ("nb.ipynb", notebook([NP] + ["y = " + chain(150) + "\n"] * 300)),
}

_CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[3])
path, how = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
if how.startswith("libcst"):
    import libcst
    if how == "libcst-tuned":
        from shapelint.runner import tune_collector
        tune_collector()
    t, c = time.perf_counter(), time.process_time()
    try:
        libcst.parse_module(data.decode("utf-8"))
        result = "parsed"
    except Exception as exc:
        result = type(exc).__name__
else:
    from shapelint.runner import lint_bytes, tune_collector
    import shapelint.analysis.infer, libcst  # imported before the clock starts, as in a run
    tune_collector()  # the cyclic garbage collector set as `shapelint check` sets it (run_tasks)
    t, c = time.perf_counter(), time.process_time()
    out = lint_bytes(data, path.rsplit("/", 1)[-1])
    codes = sorted({d.code for d in out.diagnostics})
    result = ",".join(codes) or ("warning" if out.message_kind == "warning" else "clean")
    if out.internal_error:
        result = "INTERNAL ERROR: " + (out.message or "")
print(json.dumps({"wall": time.perf_counter() - t, "cpu": time.process_time() - c, "result": result}))
"""


def run_child(path: Path, how: str, timeout: float) -> Dict[str, object]:
    start = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-c", _CHILD, str(path), how, str(REPO)],
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"wall": time.perf_counter() - start, "cpu": None, "result": f"TIMED OUT after {timeout:g} s"}
    if proc.returncode != 0:
        why = f"signal {-proc.returncode}" if proc.returncode < 0 else f"exit code {proc.returncode}"
        if proc.returncode == -11:
            why = "SIGSEGV"
        return {"wall": time.perf_counter() - start, "cpu": None, "result": f"CRASHED ({why})"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def worst(args: argparse.Namespace) -> int:
    names = [n for n in INPUTS if not args.only or args.only in n]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            fname, source = INPUTS[name]()
            path = Path(tmp) / fname
            path.write_text(source, encoding="utf-8")
            got = run_child(path, "shapelint", args.timeout)
            line = f"{name:62} {got['wall']:7.2f} s"
            line += f" ({got['cpu']:.2f} CPU)" if got["cpu"] is not None else " " * 11
            line += f"  {got['result']}"
            if args.libcst:
                bare = run_child(path, "libcst", args.libcst_timeout)
                line += f"   | bare libcst: {bare['wall']:.2f} s {bare['result']}"
                if bare["cpu"] and got["cpu"] and bare["result"] == "parsed":
                    line += f" (shapelint / libcst, CPU: {got['cpu'] / bare['cpu']:.2f}x"
                    # the same parse with the collector set as shapelint sets it: what is left is ours
                    tuned = run_child(path, "libcst-tuned", args.libcst_timeout)
                    if tuned["cpu"] and tuned["result"] == "parsed":
                        line += f"; {got['cpu'] / tuned['cpu']:.2f}x its parse with shapelint's collector setting"
                    line += ")"
            print(line, flush=True)
            rows.append((got["wall"], name, got["result"]))
    rows.sort(reverse=True)
    bad = [r for r in rows if r[0] > TARGET_SECONDS or str(r[2]).startswith(("CRASHED", "TIMED", "INTERNAL"))]
    print("\nslowest: " + "; ".join(f"{n} {w:.2f} s" for w, n, _ in rows[:3]))
    print(f"target (a result within {TARGET_SECONDS:g} s, no crash): "
          + ("met by all" if not bad else f"MISSED by {len(bad)}: " + "; ".join(n for _, n, _ in bad)))
    return 1 if bad else 0


def overhead(folder: str) -> int:
    """CPU time of lint_bytes on every .py file under ``folder`` that mentions numpy, with and without the pre-check."""
    sys.path.insert(0, str(REPO))
    import shapelint.source.precheck as precheck
    from shapelint.analysis import mentions_numpy
    from shapelint.runner import lint_bytes

    files = []
    for p in sorted(Path(folder).rglob("*.py")):
        try:
            data = p.read_bytes()
        except OSError:
            continue
        if mentions_numpy(data.decode("utf-8", "replace")):
            files.append((p, data))
    real = precheck.measure

    def timed() -> float:
        start = time.process_time()
        for p, data in files:
            lint_bytes(data, p.name)
        return time.process_time() - start

    timed()  # warm up
    with_check, without = [], []
    for _ in range(2):
        with_check.append(timed())
        precheck.measure = lambda source, *a, **k: precheck.Measure()
        without.append(timed())
        precheck.measure = real
    a, b = min(with_check), min(without)
    check_only = time.process_time()
    for _, data in files:
        real(data.decode("utf-8", "replace"))
    check_only = time.process_time() - check_only
    print(f"{len(files)} files that mention numpy under {folder}: lint {a:.2f} s CPU with the pre-check, "
          f"{b:.2f} s without ({(a - b) / b * 100:+.1f} %); the pre-check alone: {check_only:.2f} s")
    return 0


def isolation() -> int:
    """CPU time (this process and its children) of run_tasks with --jobs 1: in this process vs one worker."""
    import resource
    import statistics

    sys.path.insert(0, str(REPO))
    import shapelint.runner as runner
    from shapelint.rules import default_codes
    from shapelint.runner import RunOptions, Task, run_tasks

    def cpu() -> float:
        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    codes = frozenset(default_codes())
    with tempfile.TemporaryDirectory() as tmp:
        for n in (2, 10, 100):
            tasks = []
            for i in range(n):
                p = Path(tmp) / f"f{i}.py"
                p.write_text(f"import numpy as np\na = np.ones((2, {i + 1}))\nb = a.T @ a\nc = b + np.zeros({i + 1})\n")
                tasks.append(Task(str(p), p.name, p.name, codes))
            got = {}
            for fork in (False, True):
                runner._CAN_FORK = fork
                run_tasks(tasks, RunOptions(jobs=1))
                cpus, walls = [], []
                for _ in range(7):
                    c, w = cpu(), time.perf_counter()
                    run_tasks(tasks, RunOptions(jobs=1))
                    cpus.append(cpu() - c)
                    walls.append(time.perf_counter() - w)
                got[fork] = (statistics.median(cpus), statistics.median(walls))
            (c0, w0), (c1, w1) = got[False], got[True]
            print(f"{n:4} files, --jobs 1: in this process {c0 * 1000:6.1f} ms CPU ({w0 * 1000:6.1f} ms wall); "
                  f"in one worker {c1 * 1000:6.1f} ms CPU ({w1 * 1000:6.1f} ms wall): {(c1 - c0) * 1000:+.1f} ms CPU")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="run the inputs whose name contains this")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds before an input counts as stalled")
    ap.add_argument("--libcst", action="store_true", help="also time bare libcst.parse_module on each input")
    ap.add_argument("--libcst-timeout", type=float, default=30.0)
    ap.add_argument("--overhead", metavar="DIR", help="the pre-check's share of linting DIR")
    ap.add_argument("--isolation", action="store_true", help="the cost of checking in one worker process")
    args = ap.parse_args(argv)
    if args.overhead:
        return overhead(args.overhead)
    if args.isolation:
        return isolation()
    return worst(args)


if __name__ == "__main__":
    sys.exit(main())
