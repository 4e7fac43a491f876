"""Issue 16's newcomer: 16 typical student bugs, each one line of our own course-style fixtures.

The fixtures are in ``fixtures/newcomer/``, one folder per part of the course
material the newcomer tried (the week-4 step-by-step notebook with its helper
modules, Regularization, Initialization, Gradient checking, a "Neural Networks
from Scratch" row layer, a Nielsen-style ``network.py``).  Each bug in ``BUGS``
replaces exactly one line of one fixture file (of one cell, in a notebook) in a
copy of the fixture's folder.  One ``shapelint check --format json`` over all
the copies, and over clean copies, gives every test here its findings.

What must hold:

* every bug is caught: a finding that the unmodified folder does not have;
* every bug is reported on its own line (in its own cell, in a notebook);
* where a bug has an obvious fix (``Bug.hint``), a finding on its line names it;
* the unmodified folders get no finding.

A case that fails today is marked ``xfail(strict=True)`` with what happens
instead, so that it turns into a failure, to be unmarked, once it passes.
``Bug`` is a table row so that more checks of the message or of the fix can
be added per case.

The fixtures are real programs: they run, and every bug breaks its program
when it runs (an exception, or an array of another shape), which the tests
check too.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import runpy
import shutil
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "newcomer"

# How each folder runs: its notebook, cell after cell in document order ("Run All"), or its driver script.
PROGRAMS = {
    "step_by_step": "step_by_step.ipynb",
    "regularization": "regularization.ipynb",
    "initialization": "initialization.py",
    "gradient_checking": "gradient_check.py",
    "nnfs": "train_spiral.py",
    "nielsen": "run_network.py",
}


@dataclass(frozen=True)
class Bug:
    name: str
    folder: str
    file: str
    cell: Optional[int]  # 1-based among all the notebook's cells, as shapelint counts them; None for .py
    before: str  # the line as in the fixture, without its indentation
    after: str  # the student's version of it
    xfail: str = ""  # what happens today, when the bug is not reported on its own line
    hint: Optional[str] = None  # the fix that a hint on the bug's line must name, where there is one to name
    hint_xfail: str = ""  # what the hint says today, when it does not name that fix

    @property
    def path(self) -> str:
        return f"{self.folder}/{self.file}"


SBS, NB = "step_by_step", "step_by_step.ipynb"
REG, REG_NB = "regularization", "regularization.ipynb"

BUGS = [
    Bug("dot_operands_swapped", SBS, NB, 7,
        "Z = np.dot(W, A) + b",
        "Z = np.dot(A, W) + b",
        hint="np.dot(W, A)"),
    Bug("bias_rank1_column_layout", SBS, NB, 4,
        "parameters['b' + str(l)] = np.zeros((layer_dims[l], 1))",
        "parameters['b' + str(l)] = np.zeros(layer_dims[l])",
        hint="np.zeros((layer_dims[l], 1))"),
    Bug("last_layer_fed_A_prev", SBS, NB, 11,
        "AL, cache = linear_activation_forward(A, parameters['W' + str(L)], parameters['b' + str(L)], activation=\"sigmoid\")",
        "AL, cache = linear_activation_forward(A_prev, parameters['W' + str(L)], parameters['b' + str(L)], activation=\"sigmoid\")"),
    Bug("dW_missing_transpose", SBS, NB, 17,
        "dW = np.dot(dZ, A_prev.T) / m",
        "dW = np.dot(dZ, A_prev) / m",
        hint="np.dot(dZ, A_prev.T)"),
    Bug("db_keepdims_dropped", SBS, NB, 17,
        "db = np.sum(dZ, axis=1, keepdims=True) / m",
        "db = np.sum(dZ, axis=1) / m",
        hint="keepdims=True"),
    Bug("dot_for_elementwise_in_backward", SBS, "dnn_utils.py", None,
        "dZ = dA * (s * (1 - s))",
        "dZ = np.dot(dA, s * (1 - s))",
        hint="dA * (s * (1 - s))"),
    Bug("flatten_missing_transpose", SBS, NB, 27,
        "train_x_flatten = train_x_orig.reshape(train_x_orig.shape[0], -1).T",
        "train_x_flatten = train_x_orig.reshape(train_x_orig.shape[0], -1)",
        hint="train_x_orig.reshape(train_x_orig.shape[0], -1).T"),
    Bug("m_from_the_wrong_axis", SBS, NB, 28,
        "m = X.shape[1]",
        "m = X.shape[0]",
        hint="X.shape[1]"),
    Bug("dropout_mask_sizes_swapped", REG, REG_NB, 7,
        "D1 = np.random.rand(A1.shape[0], A1.shape[1])",
        "D1 = np.random.rand(A1.shape[1], A1.shape[0])",
        hint="np.random.rand(A1.shape[0], A1.shape[1])"),
    Bug("elementwise_for_dot_in_forward", REG, REG_NB, 7,
        "Z2 = np.dot(W2, A1) + b2",
        "Z2 = W2 * A1 + b2",
        hint="np.dot(W2, A1)"),
    Bug("dropout_backward_wrong_mask", REG, REG_NB, 9,
        "dA2 = dA2 * D2",
        "dA2 = dA2 * D1"),
    Bug("db_summed_over_the_wrong_axis", REG, REG_NB, 9,
        "db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)",
        "db2 = 1. / m * np.sum(dZ2, axis=0, keepdims=True)"),
    Bug("he_init_sizes_swapped", "initialization", "initialization.py", None,
        "parameters['W' + str(l)] = np.random.randn(layers_dims[l], layers_dims[l - 1]) * np.sqrt(2 / layers_dims[l - 1])",
        "parameters['W' + str(l)] = np.random.randn(layers_dims[l - 1], layers_dims[l]) * np.sqrt(2 / layers_dims[l - 1])",
        hint="np.random.randn(layers_dims[l], layers_dims[l - 1])"),
    Bug("unroll_reshape_wrong_size", "gradient_checking", "gc_utils.py", None,
        "parameters[\"W2\"] = theta[15:21].reshape((2, 3))",
        "parameters[\"W2\"] = theta[15:21].reshape((3, 3))"),
    Bug("bias_rank1_row_layout", "nnfs", "layers.py", None,
        "self.biases = np.zeros((1, n_neurons))",
        "self.biases = np.zeros(n_neurons)",
        hint="np.zeros((1, n_neurons))"),
    Bug("nabla_w_missing_transpose", "nielsen", "network.py", None,
        "nabla_w[-1] = np.dot(delta, activations[-2].transpose())",
        "nabla_w[-1] = np.dot(delta, activations[-2])",
        hint="np.dot(delta, activations[-2].T)"),
]


# -- making a mutant ----------------------------------------------------------------------


def _replace_once(lines: List[str], before: str, after: str, where: str) -> int:
    """Replace the one line whose text is `before` (indentation aside); its 0-based index."""
    hits = [i for i, line in enumerate(lines) if line.strip() == before]
    assert len(hits) == 1, f"{where}: `{before}` occurs {len(hits)} times, not once"
    i = hits[0]
    indent = lines[i][:len(lines[i]) - len(lines[i].lstrip())]
    ending = lines[i][len(lines[i].rstrip("\r\n")):]
    lines[i] = indent + after + ending
    return i


def apply(bug: Bug, folder: Path) -> int:
    """Make the bug in `folder` (a copy of the fixture's); the changed line, 1-based (in its cell for a notebook)."""
    target = folder / bug.file
    text = target.read_text(encoding="utf-8")
    if bug.cell is None:
        lines = text.splitlines(keepends=True)
        i = _replace_once(lines, bug.before, bug.after, bug.path)
        target.write_text("".join(lines), encoding="utf-8")
        return i + 1
    nb = json.loads(text)
    everywhere = [line.strip() for cell in nb["cells"] for line in "".join(cell["source"]).splitlines()]
    assert everywhere.count(bug.before) == 1, f"{bug.path}: `{bug.before}` is not in exactly one cell line"
    cell = nb["cells"][bug.cell - 1]
    assert cell["cell_type"] == "code", f"{bug.path}: cell {bug.cell} is {cell['cell_type']}"
    i = _replace_once(cell["source"], bug.before, bug.after, f"{bug.path} cell {bug.cell}")
    target.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return i + 1


# -- one shapelint run for every test --------------------------------------------------------


@dataclass
class Checked:
    changed_line: Dict[str, int]  # bug name -> its line (in its cell)
    findings: Dict[str, List[dict]]  # case folder ("bug-<name>" / "clean-<folder>") -> its findings


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> Checked:
    base = tmp_path_factory.mktemp("newcomer")
    changed_line = {}
    cases = []
    for folder in PROGRAMS:
        shutil.copytree(FIXTURES / folder, base / f"clean-{folder}" / folder)
        cases.append(f"clean-{folder}")
    for bug in BUGS:
        copy = base / f"bug-{bug.name}" / bug.folder
        shutil.copytree(FIXTURES / bug.folder, copy)
        changed_line[bug.name] = apply(bug, copy)
        cases.append(f"bug-{bug.name}")
    cmd = [sys.executable, "-m", "shapelint", "check", "--isolated", "--no-cache", "--format", "json",
           "-j", "2", *cases]
    # the machine may be busy: no file of these may be cut off by the per-file time limit
    env = dict(os.environ, SHAPELINT_FILE_TIMEOUT="120")
    run = subprocess.run(cmd, cwd=base, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode in (0, 1), run.stderr
    findings: Dict[str, List[dict]] = {case: [] for case in cases}
    for d in json.loads(run.stdout):
        case, _, path = Path(d["path"]).as_posix().partition("/")
        findings[case].append(dict(d, path=path))
    return Checked(changed_line, findings)


def _listing(findings: List[dict]) -> str:
    def where(d):
        return f"{d['path']}:cell {d['cell']}:{d['line']}" if d["cell"] is not None else f"{d['path']}:{d['line']}"
    return "\n".join(f"  {where(d)}: {d['code']} {d['severity']} {d['message']}" for d in findings) or "  (none)"


def on_its_line(bug: Bug, line: int, findings: List[dict]) -> List[dict]:
    return [d for d in findings if d["path"] == bug.path and d["cell"] == bug.cell and d["line"] == line]


def _marked(bug: Bug, xfail: str):
    """The case, expected to fail (strictly: it must fail) when `xfail` says what happens today."""
    marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
    return pytest.param(bug, id=bug.name, marks=marks)


def _key(d: dict) -> Tuple[str, Optional[int], int, str]:
    return d["path"], d["cell"], d["line"], d["code"]


# -- the bugs are reported where they are -----------------------------------------------------


def test_sixteen_bugs_one_line_each():
    assert len(BUGS) == 16 and len({b.name for b in BUGS}) == 16
    for bug in BUGS:
        assert bug.before != bug.after and (FIXTURES / bug.path).is_file()


@pytest.mark.parametrize("bug", BUGS, ids=lambda b: b.name)
def test_bug_is_caught(bug, checked):
    clean = {_key(d) for d in checked.findings[f"clean-{bug.folder}"]}
    new = [d for d in checked.findings[f"bug-{bug.name}"] if _key(d) not in clean]
    assert new, f"`{bug.after}` in {bug.path} gets no finding the unmodified fixture does not have"


@pytest.mark.parametrize("bug", [_marked(b, b.xfail) for b in BUGS])
def test_bug_is_reported_on_its_own_line(bug, checked):
    line = checked.changed_line[bug.name]
    findings = checked.findings[f"bug-{bug.name}"]
    where = f"{bug.path}" + (f" cell {bug.cell}" if bug.cell else "") + f" line {line}"
    hits = on_its_line(bug, line, findings)
    assert hits, (
        f"no finding at {where} (`{bug.after}`); the findings of this mutant:\n{_listing(findings)}")


@pytest.mark.parametrize("bug", [_marked(b, b.hint_xfail) for b in BUGS if b.hint is not None])
def test_hint_on_its_line_names_the_fix(bug, checked):
    hits = on_its_line(bug, checked.changed_line[bug.name], checked.findings[f"bug-{bug.name}"])
    assert any(bug.hint in d["message"] for d in hits), (
        f"no finding on the bug's line names `{bug.hint}`; there:\n{_listing(hits)}")


def test_every_hint_is_a_checked_fix(checked):
    """A message ends with a guess only when it is the title of the finding's fix, which the runner
    kept after analyzing the edited file (an edit-less display-only fix names options)."""
    hinted = 0
    for findings in checked.findings.values():
        for d in findings:
            if "did you mean" in d["message"]:
                hinted += 1
                assert d["fix"] is not None and d["message"].endswith(d["fix"]["title"]), d
            if d["fix"] is not None and d["fix"]["applicability"] != "display":
                assert d["fix"]["edits"] and all(e["line"] >= 1 for e in d["fix"]["edits"])
    assert hinted >= 10


# -- the unmodified fixtures stay quiet ---------------------------------------------------------

# Findings shapelint gives today on the unmodified fixtures, each a false one: (file, cell, line, code).
KNOWN_FALSE = {
    # `gradient_check_n` analyzed on its own: `X` is documented `(input size, number of
    # examples)`, and `vector_to_dictionary` makes a hard-wired W1 of (3, 4); their product
    # "would run only if n_x == 4", which is what the course's code means.
    # One finding, inside forward_propagation_n, with the two calls as related locations.
    "gradient_checking": {("gradient_check.py", None, 29, "SL209")},
}
CLEAN_XFAIL: Dict[str, str] = {}


def _clean_param(folder: str):
    marks = [pytest.mark.xfail(strict=True, reason=CLEAN_XFAIL[folder])] if folder in CLEAN_XFAIL else []
    return pytest.param(folder, id=folder, marks=marks)


@pytest.mark.parametrize("folder", [_clean_param(f) for f in PROGRAMS])
def test_unmodified_fixture_has_no_finding(folder, checked):
    findings = checked.findings[f"clean-{folder}"]
    assert not findings, "findings on the unmodified fixture:\n" + _listing(findings)


@pytest.mark.parametrize("folder", PROGRAMS)
def test_unmodified_fixture_has_no_other_finding(folder, checked):
    """Until the known false findings go, no other finding may join them."""
    findings = checked.findings[f"clean-{folder}"]
    known = {(f"{folder}/{file}", cell, line, code) for file, cell, line, code in KNOWN_FALSE.get(folder, ())}
    assert {_key(d) for d in findings} <= known, "findings on the unmodified fixture:\n" + _listing(findings)


# -- the fixtures are real programs, the bugs real bugs -------------------------------------------


def _arrays(value: Any, key: Tuple[Any, ...], out: Dict[Tuple[Any, ...], Tuple[int, ...]], depth: int = 0) -> None:
    if isinstance(value, np.ndarray):
        out[key] = value.shape
    elif depth < 3 and isinstance(value, dict):
        for k, v in value.items():
            _arrays(v, key + (k,), out, depth + 1)
    elif depth < 3 and isinstance(value, (tuple, list)) and len(value) <= 50:
        for i, v in enumerate(value):
            _arrays(v, key + (i,), out, depth + 1)
    elif depth < 2 and hasattr(value, "__dict__") and type(value).__module__ not in ("builtins", "numpy"):
        _arrays(vars(value), key + (type(value).__name__,), out, depth + 1)


def run_program(folder: Path, name: str) -> Tuple[Optional[BaseException], Dict[Tuple[Any, ...], Tuple[int, ...]]]:
    """Run a fixture folder's program from its folder; the exception it raised, and its top-level arrays' shapes."""
    own = {p.stem for p in folder.glob("*.py")}
    saved_modules = {m: sys.modules.pop(m) for m in own if m in sys.modules}
    saved_path, saved_cwd = list(sys.path), os.getcwd()
    namespace: Dict[str, Any] = {"__name__": "__main__"}
    error = None
    try:
        sys.path.insert(0, str(folder))
        os.chdir(folder)
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            if name.endswith(".ipynb"):
                cells = json.loads((folder / name).read_text(encoding="utf-8"))["cells"]
                for cell in cells:
                    if cell["cell_type"] == "code":
                        exec(compile("".join(cell["source"]), name, "exec"), namespace)
            else:
                namespace = runpy.run_path(str(folder / name), run_name="__main__")
    except Exception as exc:  # noqa: BLE001 - a mutant may fail in any way; the test reports it
        error = exc
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path
        for m in own:
            sys.modules.pop(m, None)
        sys.modules.update(saved_modules)
    shapes: Dict[Tuple[Any, ...], Tuple[int, ...]] = {}
    for var, value in namespace.items():
        if not var.startswith("__"):
            _arrays(value, (var,), shapes)
    return error, shapes


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    base = tmp_path_factory.mktemp("newcomer-run")
    out = {}
    for folder, program in PROGRAMS.items():
        shutil.copytree(FIXTURES / folder, base / folder)
        out[folder] = run_program(base / folder, program)
    return out


@pytest.mark.parametrize("folder", PROGRAMS)
def test_unmodified_fixture_runs(folder, reference):
    error, shapes = reference[folder]
    assert error is None, repr(error)
    assert shapes


@pytest.mark.parametrize("bug", BUGS, ids=lambda b: b.name)
def test_bug_breaks_its_program(bug, reference, tmp_path):
    copy = tmp_path / bug.folder
    shutil.copytree(FIXTURES / bug.folder, copy)
    apply(bug, copy)
    error, shapes = run_program(copy, PROGRAMS[bug.folder])
    if error is not None:
        assert isinstance(error, ValueError), repr(error)  # NumPy's shape errors
        return
    _, want = reference[bug.folder]
    changed = [k for k in want if k in shapes and shapes[k] != want[k]]
    assert changed, "the bug runs and changes no array's shape"


def test_the_course_docstring_against_its_own_test_data_is_an_opt_in_documentation_finding(tmp_path):
    """Regularization's `X -- (2, number of examples)` against the test case's (3, 5) X: the
    default gate passes (issue 16), and SL304, when selected, names it at both test cells."""
    folder = tmp_path / REG
    shutil.copytree(FIXTURES / REG, folder)
    cmd = [sys.executable, "-m", "shapelint", "check", "--isolated", "--no-cache", "--format", "json", str(folder)]
    assert subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path).returncode == 0
    out = subprocess.run(cmd + ["--extend-select", "SL304"], capture_output=True, text=True, cwd=tmp_path)
    found = {(d["cell"], d["line"], d["code"]) for d in json.loads(out.stdout)}
    assert found == {(8, 3, "SL304"), (10, 3, "SL304")}, out.stdout


def test_a_size_the_code_hard_wires_is_not_blamed_where_the_code_s_own_data_runs_it(tmp_path: Path):
    """Gradient checking: `vector_to_dictionary` hard-wires W1 to (3, 4), X is documented
    `(input size, number of examples)`.  Without a run of its own, `np.dot(W1, X)` holds only if
    the input size is 4 (a warning); the file's own test data runs it with 4 inputs: no finding."""
    folder = tmp_path / "gradient_checking"
    shutil.copytree(FIXTURES / "gradient_checking", folder)
    program = folder / "gradient_check.py"
    text = program.read_text(encoding="utf-8")

    def codes() -> List[Tuple[int, str]]:
        out = subprocess.run([sys.executable, "-m", "shapelint", "check", str(folder), "--no-cache",
                              "--format", "json", "--exit-zero"], capture_output=True, text=True, check=True)
        return [(f["line"], f["code"]) for f in json.loads(out.stdout)]

    assert codes() == []
    program.write_text(text[:text.index('if __name__ == "__main__":')], encoding="utf-8")
    assert codes() == [(29, "SL209")]
