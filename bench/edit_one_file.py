"""The pre-commit / editor case: one file edited in a project already checked, checked alone.

    python bench/edit_one_file.py [SITE_PACKAGES] [--repeat 5] [--work /tmp/shapelint-edit] [--json OUT]

1. Copy the installed scikit-learn (``SITE_PACKAGES/sklearn``, default: looked for as
   ``bench_lint.py`` does) into ``--work`` beside a ``pyproject.toml`` (the project root,
   so ``from sklearn.utils import ...`` resolves inside the copy).
2. A cached run: ``shapelint check sklearn/linear_model sklearn/utils``.
3. For each case, ``--repeat`` times: append a new comment to the edited file and check
   ``sklearn/linear_model/_ridge.py`` alone (``-j 1``, a new process, as pre-commit runs it):
   - ``ridge``: the edited file is ``_ridge.py`` itself;
   - ``validation``: the edited file is ``sklearn/utils/validation.py``, which ``_ridge.py``
     imports (the result cached for ``_ridge.py`` is stale and it is checked again);
   - ``ridge, no cache``: as ``ridge`` with ``--no-cache`` (no stored trees either).
4. The competitor, measured in the same run: a bare ``libcst.parse_module`` of ``_ridge.py``
   in a process that has imported libcst (median of ``--repeat``), and the same process
   start-up with nothing checked (``python -c "import shapelint.cli"``).

Prints, per case, the median CPU seconds of the check (user + system of the child) and its
ratio to the bare parse.  The copy is left in ``--work`` (delete it at will); nothing is
written inside this repository.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from bench_lint import find_site_packages  # noqa: E402

RIDGE = "sklearn/linear_model/_ridge.py"
VALIDATION = "sklearn/utils/validation.py"

_PARSE = r"""
import sys, time
import libcst
src = open(sys.argv[1], encoding="utf-8").read()
t = time.process_time()
libcst.parse_module(src)
print(time.process_time() - t)
"""


def child_cpu(cmd: List[str], cwd: Path) -> float:
    """CPU seconds (user + system) of one command and its children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("site_packages", nargs="?")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--work", default="/tmp/shapelint-edit")
    ap.add_argument("--json")
    args = ap.parse_args()

    site = find_site_packages(args.site_packages)
    work = Path(args.work)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    shutil.copytree(site / "sklearn", work / "sklearn", ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    (work / "pyproject.toml").write_text('[project]\nname = "sklearn-copy"\n')
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    os.environ.setdefault("SHAPELINT_FILE_TIMEOUT", "600")  # a loaded machine must not turn a slow file into an error
    shapelint = [sys.executable, "-m", "shapelint"]
    os.environ["PYTHONPATH"] = env["PYTHONPATH"]  # this checkout's shapelint, in every child
    # An installed shapelint has its bytecode; a machine set not to write it (PYTHONDONTWRITEBYTECODE)
    # would charge every check with compiling the checkout's changed modules (0.2 s).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

    t = time.perf_counter()
    cpu = child_cpu(shapelint + ["check", "sklearn/linear_model", "sklearn/utils", "-q", "--exit-zero",
                                 "--isolated"], work)
    print(f"cached run over linear_model + utils: {time.perf_counter() - t:.1f} s wall, {cpu:.1f} s CPU")

    parse = statistics.median(float(subprocess.run([sys.executable, "-c", _PARSE, str(work / RIDGE)],
                                                   capture_output=True, text=True).stdout)
                              for _ in range(args.repeat))
    startup = statistics.median(child_cpu([sys.executable, "-c", "import shapelint.cli"], work)
                                for _ in range(args.repeat))
    lines = sum(1 for _ in open(work / RIDGE, encoding="utf-8"))
    print(f"bare libcst parse of _ridge.py ({lines} lines): {parse:.3f} s CPU (median of {args.repeat}); "
          f"process start-up (import shapelint.cli): {startup:.2f} s CPU")

    results: Dict[str, Dict[str, float]] = {}
    cases = [("ridge", RIDGE, []), ("validation", VALIDATION, []), ("ridge, no cache", RIDGE, ["--no-cache"])]
    for name, edited, extra in cases:
        runs = []
        for i in range(args.repeat):
            with open(work / edited, "a", encoding="utf-8") as fh:
                fh.write(f"# edit {name} {i}\n")
            runs.append(child_cpu(shapelint + ["check", RIDGE, "-j", "1", "-q", "--exit-zero", "--isolated",
                                               *extra], work))
        med = statistics.median(runs)
        results[name] = {"cpu_median": med, "ratio_to_parse": med / parse, "runs": runs}
        print(f"edit {edited:32s} check _ridge.py{' ' + ' '.join(extra) if extra else '':12s}: "
              f"{med:6.2f} s CPU (median of {args.repeat}) = {med / parse:5.1f}x the bare parse; "
              f"{(med - startup) / parse:5.1f}x without the process start-up")
    if args.json:
        Path(args.json).write_text(json.dumps({"parse": parse, "startup": startup, "cases": results}, indent=1))


if __name__ == "__main__":
    main()
