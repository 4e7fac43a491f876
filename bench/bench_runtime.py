"""What runtime shape checking costs.

1. A course-style training loop (fixtures/runtime/course_net.py, layers
   [784, 256, 128, 10], m = 2048): one gradient-descent iteration with the
   module as written versus the same module with its docstring contracts
   instrumented (what ``shapelint run`` / the import hook / the pytest plugin
   do).  Runs alternate between the two to share any drift; medians.
2. Per call, on a trivial function (``return x``): ``@shapes`` with one
   and with three arguments plus the return value, a docstring contract, a
   variadic spec (generic checker), ``check()``, and checking switched off
   after and before decoration, each timed in rounds paired with the plain
   function; overhead = median of the paired differences.

    python bench/bench_runtime.py            # the full measurement
    python bench/bench_runtime.py --quick    # a smaller net, for a smoke run
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
import timeit

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

# numpy and shapelint are imported in the functions below, after main() has
# set the BLAS thread count (which must happen before numpy is imported).

NET_PATH = os.path.join(ROOT, "fixtures", "runtime", "course_net.py")
WRAPPER_FILE = "<shapelint contract wrapper>"


def load_net(name: str):
    spec = importlib.util.spec_from_file_location(name, NET_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def count_checked_calls(fn) -> int:
    """Calls that went through a generated contract wrapper while running fn()."""
    calls = 0

    def profiler(frame, event, arg):
        nonlocal calls
        if event == "call" and frame.f_code.co_filename == WRAPPER_FILE:
            calls += 1

    sys.setprofile(profiler)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return calls


def bench_training(layers, m, runs, iterations):
    from shapelint.runtime.instrument import instrument_module

    plain, checked = load_net("course_net_plain"), load_net("course_net_checked")
    wrapped = instrument_module(checked)
    X, Y = plain.make_data(layers[0], layers[-1], m)
    params = {"plain": plain.initialize_parameters_deep(layers),
              "checked": checked.initialize_parameters_deep(layers)}
    nets = {"plain": plain, "checked": checked}

    def step(kind):
        nets[kind].train_step(X, Y, params[kind])

    for kind in nets:  # warm-up: BLAS threads, caches, first-call costs
        step(kind)
    checked_calls = count_checked_calls(lambda: step("checked"))
    times = {"plain": [], "checked": []}
    ratios = []
    for run in range(runs):
        # pairs run back to back, in alternating order, so drift and other
        # processes hit both variants alike; the paired ratio is the robust figure
        order = ("plain", "checked") if run % 2 == 0 else ("checked", "plain")
        pair = {}
        for kind in order:
            start = time.perf_counter()
            for _ in range(iterations):
                step(kind)
            pair[kind] = (time.perf_counter() - start) / iterations
            times[kind].append(pair[kind])
        ratios.append(pair["checked"] / pair["plain"])
    medians = {k: statistics.median(v) for k, v in times.items()}
    return wrapped, checked_calls, medians, times, statistics.median(ratios)


def paired(call, baseline, number, repeat):
    """Seconds per call of ``call``, of ``baseline``, and the overhead between them.

    Each of the ``repeat`` rounds times both back to back (order alternating)
    and the overhead is the median of the per-round differences, so load from
    other processes that hits one round hits both sides of it.
    """
    calls, bases, diffs = [], [], []
    for r in range(repeat):
        pair = {}
        for which in ((call, baseline) if r % 2 == 0 else (baseline, call)):
            pair[which] = timeit.Timer(which).timeit(number) / number
        calls.append(pair[call])
        bases.append(pair[baseline])
        diffs.append(pair[call] - pair[baseline])
    return statistics.median(calls), statistics.median(bases), statistics.median(diffs)


def bench_calls(number, repeat):
    import numpy as np

    from shapelint.runtime import contracts
    from shapelint.runtime.contracts import check
    from shapelint.runtime.decorator import shapes
    from shapelint.runtime.instrument import instrument_function

    x = np.zeros((3, 4))
    W, b = np.zeros((5, 3)), np.zeros((5, 1))

    def plain(x):
        return x

    def plain3(a, b, c):
        return a

    def doc3(a, b, c):
        """
        Arguments:
        a -- input of shape (n_prev, m)
        b -- weights of shape (n, n_prev)
        c -- bias of shape (n, 1)

        Returns:
        out -- output of shape (n_prev, m)
        """
        return a

    one_arg = shapes(x="n m")(plain)
    with_return = shapes(x="n m", returns="n m")(plain)
    three = shapes(a="n_prev m", b="n n_prev", c="n 1", returns="n_prev m")(plain3)
    doc = instrument_function(doc3)
    variadic = shapes(x="batch *rest")(plain)

    base1 = lambda: plain(x)  # noqa: E731
    base3 = lambda: plain3(x, W, b)  # noqa: E731
    cases = [
        ("@shapes(x='n m')", lambda: one_arg(x), base1),
        ("@shapes(x='n m', returns='n m')", lambda: with_return(x), base1),
        ("@shapes, 3 args + return", lambda: three(x, W, b), base3),
        ("docstring contract, 3 args + return", lambda: doc(x, W, b), base3),
        ("variadic 'batch *rest' (generic checker)", lambda: variadic(x), base1),
        ("check(x, 'n m')", lambda: check(x, "n m"), base1),
    ]
    results = {name: paired(call, base, number, repeat) for name, call, base in cases}
    contracts.disable()
    results["disabled after decoration (short-circuit)"] = paired(lambda: one_arg(x), base1, number, repeat)
    decorated_while_off = shapes(x="n m")(plain)
    results["decorated while disabled (the function itself)"] = paired(
        lambda: decorated_while_off(x), base1, number, repeat)
    contracts.enable()
    assert decorated_while_off is plain
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=11, help="timed pairs of runs (median taken)")
    parser.add_argument("--iterations", type=int, default=1, help="training iterations per run")
    parser.add_argument("--m", type=int, default=2048, help="number of examples")
    parser.add_argument("--calls", type=int, default=200_000, help="calls per timing of the per-call bench")
    parser.add_argument("--repeat", type=int, default=9, help="timings per per-call case (median taken)")
    parser.add_argument("--blas-threads", type=int, default=None, metavar="N",
                        help="limit OpenBLAS/OpenMP/MKL threads (steadier timings on a busy machine)")
    parser.add_argument("--quick", action="store_true", help="small net and fewer calls (smoke run)")
    options = parser.parse_args(argv)
    if options.blas_threads:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(options.blas_threads)
    import numpy as np

    from shapelint.runtime import contracts

    layers = [784, 256, 128, 10]
    if options.quick:
        layers, options.m, options.calls, options.runs, options.repeat = [64, 32, 16, 10], 256, 20_000, 3, 3

    contracts.enable("raise")
    threads = options.blas_threads or "default"
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} CPUs, "
          f"BLAS threads: {threads}, load average: {os.getloadavg()[0]:.2f}")
    wrapped, checked_calls, medians, times, ratio = bench_training(
        layers, options.m, options.runs, options.iterations)
    plain_t, checked_t = medians["plain"], medians["checked"]
    print(f"\ntraining iteration, layers {layers}, m={options.m} "
          f"({options.runs} pairs of runs x {options.iterations} iteration(s), medians)")
    print(f"  functions instrumented from docstrings: {wrapped}; checked calls per iteration: {checked_calls}")
    for kind, t in (("plain", plain_t), ("checked", checked_t)):
        runs = ", ".join(f"{v * 1e3:.1f}" for v in times[kind])
        print(f"  {kind + ':':9s}{t * 1e3:9.2f} ms   (runs: {runs})")
    print(f"  checked / plain, median of paired runs: {ratio:.4f} ({(ratio - 1) * 100:+.2f}%)")

    results = bench_calls(options.calls, options.repeat)
    print(f"\nper call of a trivial function ({options.calls} calls x {options.repeat} paired "
          "rounds, medians; overhead = median of paired differences)")
    for name, (call_t, base_t, overhead) in results.items():
        print(f"  {name:48s} {call_t * 1e6:7.3f} us vs plain {base_t * 1e6:6.3f} us   "
              f"overhead {overhead * 1e6:+.3f} us")
    per_checked_call = results["docstring contract, 3 args + return"][2]
    print(f"\nestimate: {checked_calls} checked calls x {per_checked_call * 1e6:.3f} us = "
          f"{checked_calls * per_checked_call * 1e6:.1f} us per iteration = "
          f"{checked_calls * per_checked_call / plain_t * 100:.4f}% of {plain_t * 1e3:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
