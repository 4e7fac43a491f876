"""What ``%load_ext shapelint`` costs each cell of a course-style session.

    python bench/ipython_session.py                  # the newcomer's step-by-step notebook, cell by cell
    python bench/ipython_session.py --repeat 3       # the median of 3 sessions
    python bench/ipython_session.py --notebook NB    # the code cells of another notebook
    python bench/ipython_session.py --course-fixtures  # fixtures/course as a 37-cell session

The default session is ``fixtures/newcomer/step_by_step/step_by_step.ipynb``
(the course's week-4 "step by step" notebook: 22 code cells, 299 lines, its
helpers beside it), run in document order from its folder.  With
``--course-fixtures`` it is the course fixtures (``fixtures/course``) as a
student runs them in a notebook: ``import numpy as np``, then every function
in its own cell, each file's ``__main__`` test code after its functions, split
at its blank lines into cells of their own (37 cells, 556 lines).

The cells run in a real IPython shell with the extension loaded; for each
cell the script reports the time of the static check before it runs
(``pre_run_cell``: the cells that ran before it and the new one, analyzed as
one notebook) and of instrumenting its functions after it
(``post_run_cell``), as CPU and wall-clock milliseconds (the machine is
shared: CPU time is the steadier).  Needs IPython.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import List

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "fixtures" / "course"
STEP_BY_STEP = REPO / "fixtures" / "newcomer" / "step_by_step" / "step_by_step.ipynb"
FILES = ("initialize", "forward", "cost", "backward", "update", "two_layer_model")


def notebook_cells(path: Path) -> List[str]:
    """The code cells of a notebook, in document order ("Run All")."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    sources = ("".join(c["source"]) if isinstance(c["source"], list) else c["source"]
               for c in cells if c.get("cell_type") == "code")
    return [src for src in sources if src.strip()]


def session_cells() -> List[str]:
    """The course fixtures as notebook cells, in the order a student runs them."""
    cells = ["import numpy as np\n"]
    for name in FILES:
        source = (COURSE / f"{name}.py").read_text(encoding="utf-8")
        lines = source.splitlines()
        tree = ast.parse(source)
        tests: List[str] = []
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                cells.append("\n".join(lines[node.lineno - 1:node.end_lineno]) + "\n")
            elif isinstance(node, ast.If) and "__main__" in ast.unparse(node.test):
                body = "\n".join(l[4:] for l in lines[node.body[0].lineno - 1:node.end_lineno])
                tests = [part.strip("\n") + "\n" for part in body.split("\n\n") if part.strip()]
        cells.extend(tests)
    return cells


def run_session(cells: List[str]):
    """[(cell number, lines so far, check cpu ms, check wall ms, instrument cpu ms)] for one session."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    import shapelint.ipython as extension

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    InteractiveShell.clear_instance()
    shell = InteractiveShell.instance(config=config)
    shell.run_line_magic("load_ext", "shapelint")
    checker = extension._checkers[id(shell)]
    times = {}  # "pre" / "post" -> (cpu ms, wall ms) for the cell running now

    def timed(event, method):
        def run(arg):
            cpu, wall = time.process_time(), time.perf_counter()
            method(arg)
            times[event] = ((time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000)
        return run

    shell.events.unregister("pre_run_cell", checker.pre_run_cell)
    shell.events.unregister("post_run_cell", checker.post_run_cell)
    shell.events.register("pre_run_cell", timed("pre", checker.pre_run_cell))
    shell.events.register("post_run_cell", timed("post", checker.post_run_cell))
    rows = []
    lines = 0
    for number, cell in enumerate(cells, start=1):
        lines += len(cell.splitlines())
        times.clear()
        result = shell.run_cell(cell, store_history=True)
        if not result.success:
            raise SystemExit(f"cell {number} failed: {result.error_in_exec or result.error_before_exec}")
        rows.append((number, lines, times["pre"][0], times["pre"][1], times["post"][0]))
    extension.unload_ipython_extension(shell)
    InteractiveShell.clear_instance()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="sessions to run (the median is shown)")
    parser.add_argument("--notebook", type=Path, default=STEP_BY_STEP, help="the notebook whose code cells to run")
    parser.add_argument("--course-fixtures", action="store_true", help="fixtures/course as a session instead")
    args = parser.parse_args()
    if args.course_fixtures:
        cells, folder = session_cells(), None
    else:
        cells, folder = notebook_cells(args.notebook), args.notebook.resolve().parent
    home = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["IPYTHONDIR"] = os.path.join(tmp, ".ipython")
        os.chdir(folder or tmp)  # the notebook's helpers are imported from its folder
        if folder is not None:
            sys.path.insert(0, str(folder))
        saved = sys.stdout, sys.stderr
        with open(os.devnull, "w") as devnull:
            sys.stdout = sys.stderr = devnull  # the cells' output, and shapelint's (there are no findings)
            try:
                runs = [run_session(cells) for _ in range(args.repeat)]
            finally:
                sys.stdout, sys.stderr = saved
                os.chdir(home)
    print(f"{len(cells)} cells, {sum(len(c.splitlines()) for c in cells)} lines; "
          f"median of {args.repeat} session{'s' if args.repeat != 1 else ''}")
    print(f"{'cell':>4} {'lines so far':>12} {'check cpu ms':>12} {'check wall ms':>13} {'wrap cpu ms':>11}")
    for i in range(len(cells)):
        number, lines = runs[0][i][:2]
        cpu, wall, wrap = (statistics.median(r[i][k] for r in runs) for k in (2, 3, 4))
        print(f"{number:>4} {lines:>12} {cpu:>12.0f} {wall:>13.0f} {wrap:>11.1f}")


if __name__ == "__main__":
    main()
