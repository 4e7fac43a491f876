#!/usr/bin/env python3
"""Benchmark and reproduction script for shapelint.nn.

    python bench/bench_nn.py                 # timing table, then the cat/non-cat reproduction
    python bench/bench_nn.py --timing        # timing only
    python bench/bench_nn.py --reproduce     # the course's 2500 iterations on cat/non-cat
    python bench/bench_nn.py --timing --check-targets   # exit 1 if a target is missed

Timing: one training iteration (forward, cost, backward, update) of
[12288, 20, 7, 5, 1] with m = 209 and [784, 256, 128, 10] with m = 2048, in
float64 and float32, on one BLAS thread, with the shape checks on (and off, to
show what they cost).  X is handed over as the transpose of a row-major (m, n)
array, which is what x.reshape(m, -1).T gives.  Model.train_step runs these
relu networks through the buffers of shapelint.nn.workspace.  Every contender is timed in
the same round-robin loop (one run of each per round, median over rounds), so
a machine busy with other work slows all of them alike; CPU time of this
process is reported (wall-clock too), which a second busy core does not inflate.

Ratios printed:
  floor   -- our time / (GEMM FLOPs of the iteration / single-thread GEMM rate),
             the rate measured on a square 1024 GEMM in the same loop.  FLOPs:
             2 n[l] n[l-1] m for each forward product, each dW and each dA[l-1]
             for l >= 2 (dA0 is not needed and not computed).
  gemm    -- our time / the same GEMMs alone, as NumPy runs them (the engine's
             own overhead: bias, activations, cost, update, checks).
  torch   -- our time / PyTorch CPU (torch.set_num_threads(1), nn.Linear+ReLU,
             BCEWithLogitsLoss or CrossEntropyLoss, SGD step), if importable.
  sklearn -- our time / scikit-learn MLPClassifier.partial_fit with solver='sgd',
             batch_size=m (one iteration per call), alpha=0, momentum=0, if
             importable; its time includes its per-call input validation.
Below 1.0 means shapelint.nn is faster.

Targets (--check-targets): floor ratio <= 1.25 on the larger-FLOP net
[784, 256, 128, 10]; torch and sklearn ratios <= 1.0 on both nets.
Neither torch nor scikit-learn is a dependency of shapelint; install them in
a scratch environment to compare.
"""

from __future__ import annotations

import os

# One BLAS thread, set before NumPy (and its BLAS) is loaded.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Callable, Dict, List, Optional  # noqa: E402

import numpy as np  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from shapelint.nn import Model  # noqa: E402

DATASET = REPO_ROOT.parent / "shared" / "datasets" / "catvnoncat" / "catvnoncat.npz"
NETS = [([12288, 20, 7, 5, 1], 209), ([784, 256, 128, 10], 2048)]
FLOOR_TARGET_NET = 1  # index in NETS: the net with the most FLOPs per iteration

try:
    from threadpoolctl import threadpool_info, threadpool_limits
except ImportError:  # optional: the environment variables above already pin BLAS
    threadpool_limits = None
    threadpool_info = None


def gemm_flops(dims: List[int], m: int) -> float:
    forward = sum(2 * dims[l] * dims[l - 1] * m for l in range(1, len(dims)))
    weight_gradients = forward
    input_gradients = sum(2 * dims[l] * dims[l - 1] * m for l in range(2, len(dims)))
    return float(forward + weight_gradients + input_gradients)


def round_robin(contenders: Dict[str, Callable[[], object]], rounds: int,
                warmup: int = 2) -> Dict[str, Dict[str, float]]:
    """Median CPU and wall seconds of each contender, timed alternately."""
    for function in contenders.values():
        for _ in range(warmup):
            function()
    cpu: Dict[str, List[float]] = {name: [] for name in contenders}
    wall: Dict[str, List[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, function in contenders.items():
            wall_start, cpu_start = time.perf_counter(), time.process_time()
            function()
            cpu[name].append(time.process_time() - cpu_start)
            wall[name].append(time.perf_counter() - wall_start)
    return {name: {"cpu": statistics.median(cpu[name]), "wall": statistics.median(wall[name])}
            for name in contenders}


def make_data(dims: List[int], m: int, dtype):
    rng = np.random.default_rng(0)
    rows = rng.random((m, dims[0])).astype(dtype)  # (m, n0) row-major, as data usually comes
    classes = rng.integers(0, max(2, dims[-1]), m)
    if dims[-1] == 1:
        Y = classes.reshape(1, -1).astype(dtype)
    else:
        Y = np.eye(dims[-1], dtype=dtype)[:, classes]
    return rows, rows.T, classes, Y


def shapelint_step(dims, dtype, X, Y, check_shapes: bool):
    output = "sigmoid" if dims[-1] == 1 else "softmax"
    model = Model(dims, output=output, init="he", rng=np.random.default_rng(1), dtype=dtype,
                  check_shapes=check_shapes)
    return lambda: model.train_step(X, Y, 1e-3)


def gemm_only_step(dims, dtype, X):
    """The iteration's GEMMs alone, with the operand layouts the engine sees."""
    from shapelint.nn import functional as F

    rng = np.random.default_rng(2)
    Ws = [rng.standard_normal((dims[l], dims[l - 1])).astype(dtype)
          for l in range(1, len(dims))]
    layers = len(Ws)

    def step():
        A = X
        activations = [X]
        for W in Ws:
            A = F._forward_product(W, A)
            activations.append(A)
        dZ = activations[-1]
        for l in range(layers, 0, -1):
            F._weight_gradient_product(dZ, activations[l - 1])
            if l > 1:
                dZ = F._input_gradient_product(Ws[l - 1], dZ, activations[l - 1])

    return step


def torch_step(dims, dtype, rows, classes):
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    torch_dtype = torch.float64 if dtype == np.float64 else torch.float32
    layers = []
    for l in range(1, len(dims)):
        layers.append(torch.nn.Linear(dims[l - 1], dims[l], dtype=torch_dtype))
        if l < len(dims) - 1:
            layers.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*layers)
    X = torch.from_numpy(rows)
    if dims[-1] == 1:
        y = torch.from_numpy(classes.reshape(-1, 1).astype(dtype))
        loss_function = torch.nn.BCEWithLogitsLoss()
    else:
        y = torch.from_numpy(classes)
        loss_function = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=1e-3)

    def step():
        optimizer.zero_grad()
        loss = loss_function(net(X), y)
        loss.backward()
        optimizer.step()
        return loss

    return step


def sklearn_step(dims, rows, classes):
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    m = rows.shape[0]
    classifier = MLPClassifier(hidden_layer_sizes=tuple(dims[1:-1]), activation="relu",
                               solver="sgd", alpha=0.0, batch_size=m, learning_rate_init=1e-3,
                               momentum=0.0, nesterovs_momentum=False, shuffle=False,
                               max_iter=1, random_state=0)
    labels = np.unique(classes)

    def step():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            classifier.partial_fit(rows, classes, classes=labels)

    step()
    return step, classifier


def square_gemm(dtype, n: int = 1024):
    rng = np.random.default_rng(3)
    a = rng.random((n, n)).astype(dtype)
    b = rng.random((n, n)).astype(dtype)
    return (lambda: a @ b), 2.0 * n ** 3


def run_timing(rounds: int, check_targets: bool) -> bool:
    print(f"numpy {np.__version__}; BLAS threads pinned to 1", end="")
    if threadpool_info is not None:
        blas = [f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}, "
                f"{i.get('num_threads')} thread)" for i in threadpool_info()
                if i.get("user_api") == "blas"]
        print(f"; {', '.join(blas)}", end="")
    print(f"; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    have_torch = have_sklearn = True
    try:
        import torch  # noqa: F401

        print(f"torch {torch.__version__} found (MKL: {torch.backends.mkl.is_available()})")
    except ImportError:
        have_torch = False
        print("torch not installed: skipping the PyTorch comparison")
    try:
        import sklearn

        print(f"scikit-learn {sklearn.__version__} found")
    except ImportError:
        have_sklearn = False
        print("scikit-learn not installed: skipping the MLPClassifier comparison")
    print(f"median of {rounds} rounds, CPU time (wall time in brackets), ms per iteration\n")

    header = (f"{'net':<22} {'dtype':<8} {'checks on':>15} {'checks off':>15} {'floor':>7} "
              f"{'x floor':>7} {'x gemm':>7} {'torch':>15} {'x torch':>7} {'sklearn':>15} "
              f"{'x skl':>6}")
    print(header)
    print("-" * len(header))
    ok = True
    misses = []
    for index, (dims, m) in enumerate(NETS):
        for dtype in (np.float64, np.float32):
            rows, X, classes, Y = make_data(dims, m, dtype)
            gemm, gemm_work = square_gemm(dtype)
            contenders = {
                "on": shapelint_step(dims, dtype, X, Y, True),
                "off": shapelint_step(dims, dtype, X, Y, False),
                "gemm": gemm_only_step(dims, dtype, X),
                "square": gemm,
            }
            sklearn_dtype = None
            if have_torch:
                contenders["torch"] = torch_step(dims, dtype, rows, classes)
            if have_sklearn:
                contenders["sklearn"], classifier = sklearn_step(dims, rows, classes)
                sklearn_dtype = classifier.coefs_[0].dtype
            times = round_robin(contenders, rounds)
            ours = times["on"]["cpu"]
            rate = gemm_work / times["square"]["cpu"]
            floor = gemm_flops(dims, m) / rate
            cells = [f"{str(dims):<22}", f"{np.dtype(dtype).name:<8}",
                     _cell(times["on"]), _cell(times["off"]), f"{floor * 1e3:7.2f}",
                     f"{ours / floor:7.2f}", f"{ours / times['gemm']['cpu']:7.2f}"]
            if index == FLOOR_TARGET_NET and ours / floor > 1.25:
                misses.append(f"{dims} {np.dtype(dtype).name}: {ours / floor:.2f}x the GEMM floor")
            for name in ("torch", "sklearn"):
                if name in times:
                    ratio = ours / times[name]["cpu"]
                    cells += [_cell(times[name]), f"{ratio:7.2f}" if name == "torch"
                              else f"{ratio:6.2f}"]
                    if ratio > 1.0:
                        misses.append(f"{dims} {np.dtype(dtype).name}: {ratio:.2f}x {name}")
                else:
                    cells += [f"{'-':>15}", f"{'-':>7}" if name == "torch" else f"{'-':>6}"]
            print(" ".join(cells) + (f"  (sklearn ran in {sklearn_dtype})"
                                     if sklearn_dtype not in (None, np.dtype(dtype)) else ""))
            sys.stdout.flush()
    print("\nGEMM rate from a square 1024 GEMM in the same loop; floor = FLOPs / rate.")
    if misses:
        print("targets missed: " + "; ".join(misses))
        ok = not check_targets
    else:
        print("all targets met")
    return ok


def _cell(t: Dict[str, float]) -> str:
    return f"{t['cpu'] * 1e3:6.2f} [{t['wall'] * 1e3:6.2f}]"


def run_reproduction(dataset: Path, iterations: int) -> bool:
    if not dataset.exists():
        print(f"cat/non-cat data not found at {dataset}: skipping the reproduction")
        return True
    with np.load(dataset, allow_pickle=False) as data:
        train_x, train_y = data["train_x"], data["train_y"]
        test_x, test_y = data["test_x"], data["test_y"]
    X_train = train_x.reshape(train_x.shape[0], -1).T / 255.0
    X_test = test_x.reshape(test_x.shape[0], -1).T / 255.0
    Y_train, Y_test = train_y.reshape(1, -1), test_y.reshape(1, -1)
    published = {
        "[12288, 7, 1] small": ({0: 0.693050, 100: 0.646432, 2400: 0.048555}, 1.0, 0.72),
        "[12288, 20, 7, 5, 1] scaled": ({0: 0.771749, 100: 0.672053, 2400: 0.092878},
                                        0.985645933014, 0.8),
    }
    all_match = True
    for (dims, init), (name, (costs_ref, train_ref, test_ref)) in zip(
            [([12288, 7, 1], "small"), ([12288, 20, 7, 5, 1], "scaled")], published.items()):
        start = time.perf_counter()
        np.random.seed(1)
        model = Model(dims, hidden="relu", output="sigmoid", init=init)
        costs = model.fit(X_train, Y_train, learning_rate=0.0075, iterations=iterations,
                          progress=False)
        seconds = time.perf_counter() - start
        train, test = model.score(X_train, Y_train), model.score(X_test, Y_test)
        print(f"\n{name}: {iterations} iterations in {seconds:.1f} s "
              f"({seconds / iterations * 1e3:.2f} ms each)")
        for i in range(0, iterations, 100):
            reference = costs_ref.get(i)
            mark = ""
            if reference is not None:
                same = abs(costs[i] - reference) <= 5e-7
                all_match &= same
                mark = f"   published {reference:.6f} {'ok' if same else 'DIFFERS'}"
            print(f"  Cost after iteration {i}: {costs[i]:.9f}{mark}")
        if iterations == 2500:
            train_ok = abs(train - train_ref) < 1e-9
            test_ok = abs(test - test_ref) < 1e-9
            all_match &= train_ok and test_ok
            print(f"  train accuracy {train:.12f} (published {train_ref}) "
                  f"{'ok' if train_ok else 'DIFFERS'}")
            print(f"  test accuracy  {test:.12f} (published {test_ref}) "
                  f"{'ok' if test_ok else 'DIFFERS'}")
    print("\nreproduction: " + ("all published numbers match" if all_match
                                else "SOME NUMBERS DIFFER"))
    return all_match


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timing", action="store_true", help="run the timing table only")
    parser.add_argument("--reproduce", action="store_true", help="run the reproduction only")
    parser.add_argument("--rounds", type=int, default=15, help="timing rounds (median)")
    parser.add_argument("--iterations", type=int, default=2500,
                        help="iterations of the reproduction")
    parser.add_argument("--data", type=Path, default=DATASET, help="catvnoncat.npz")
    parser.add_argument("--check-targets", action="store_true",
                        help="exit 1 if a timing target is missed")
    args = parser.parse_args(argv)
    both = not args.timing and not args.reproduce
    ok = True
    if threadpool_limits is not None:
        threadpool_limits(1)
    if args.timing or both:
        ok &= run_timing(args.rounds, args.check_targets)
    if args.reproduce or both:
        ok &= run_reproduction(args.data, args.iterations)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
