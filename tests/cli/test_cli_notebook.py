"""Jupyter notebooks: document order, magics, and findings that name the right cell and line."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from shapelint.analysis import analyze_source
from shapelint.cli import cli
from shapelint.notebook import NotebookError, _rewrite_magics, build_source
from shapelint.runner import lint_bytes

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "fixtures" / "notebooks"
HAS_SL101 = any(d.code == "SL101" for d in analyze_source(
    "import numpy as np\nx = np.ones((2, 3)) + np.ones((4, 5))\n", "p.py").diagnostics)
needs_sl101 = pytest.mark.skipif(not HAS_SL101, reason="SL101 (broadcast error) is not implemented yet")


def notebook(*cells, language="python"):
    out = []
    for c in cells:
        if isinstance(c, str):
            c = ("code", c, None)
        kind, src, ec = c
        cell = {"cell_type": kind, "metadata": {}, "source": src.splitlines(keepends=True)}
        if kind == "code":
            cell.update(execution_count=ec, outputs=[])
        out.append(cell)
    return json.dumps({"cells": out, "metadata": {"kernelspec": {"language": language}},
                       "nbformat": 4, "nbformat_minor": 5})


@pytest.fixture(autouse=True)
def in_repo(monkeypatch):
    monkeypatch.chdir(REPO)


def check(*args):
    return CliRunner().invoke(cli, ["check", "--no-cache", *args], catch_exceptions=False)


@needs_sl101
def test_fixture_finding_points_at_cell_and_line_text_and_json():
    path = "fixtures/notebooks/broadcast.ipynb"
    r = check(path, "--format", "concise", "-q")
    assert r.exit_code == 1
    assert r.stdout.startswith(f"{path}:cell 4:3:5: SL101 ")
    r = check(path, "--format", "json")
    (d,) = json.loads(r.stdout)
    assert (d["cell"], d["line"], d["column"], d["end_line"], d["end_column"]) == (4, 3, 5, 3, 10)
    r = check(path)
    assert " 3 | c = a + b" in r.stdout and "   |     ^^^^^" in r.stdout


@needs_sl101
def test_broken_cell_does_not_hide_the_others():
    r = check(str(NOTEBOOKS / "syntax_error_cell.ipynb"), "--format", "json")
    got = [(d["code"], d["cell"], d["line"], d["column"]) for d in json.loads(r.stdout)]
    assert got == [("SL000", 3, 1, 5), ("SL101", 4, 3, 5)]


def test_syntax_error_cell_without_any_rule():
    src = notebook(("markdown", "# t\n", None), "x = 1\n", "y = 2\nz = (\n")
    out = lint_bytes(src.encode(), "nb.ipynb", {"SL000"})
    assert [(d.code, d.cell, d.line, d.column) for d in out.diagnostics] == [("SL000", 3, 2, 5)]
    assert out.diagnostics[0].source_line == "z = ("


def test_clean_fixture_with_magics_and_noqa():
    r = check(str(NOTEBOOKS / "clean.ipynb"), "--extend-select", "SL900")
    if HAS_SL101:
        assert r.exit_code == 1 and "cell 2:3:" in r.stdout and "SL900" in r.stdout  # the stale noqa: SL102
    assert "SL000" not in r.stdout


def test_cells_are_joined_in_document_order_whatever_their_counts():
    # as "Restart & Run All" runs them: the saved execution counts are not an order
    src = notebook(("code", "b = a\n", 2), ("code", "a = 1\n", 1))
    nb = build_source(src)
    assert nb.source == "b = a\na = 1\n"
    assert nb.line_map == [(1, 1), (2, 1)]
    nb = build_source(notebook(("code", "b = a\n", 2), ("code", "a = 1\n", None)))
    assert nb.source == "b = a\na = 1\n"


@needs_sl101
def test_a_cell_re_run_last_does_not_hide_a_bug_in_the_function_it_defines():
    # the function's cell was re-run last (count 30), after the cell that calls it (count 27):
    # joined by counts, the call would come first, name a function not yet defined, and the
    # missing `.T` would go unreported
    src = notebook(("code", "import numpy as np\n", 1),
                   ("code", "def L_model_forward(X, W):\n    Z = np.dot(W, X)\n    return Z + np.ones((4, 1))\n", 30),
                   ("code", "X = np.ones((5, 10))\nW = np.ones((5, 4))\nA = L_model_forward(X, W)\n", 27))
    out = lint_bytes(src.encode(), "nb.ipynb")
    (d,) = out.diagnostics
    assert (d.code, d.cell, d.line) == ("SL102", 2, 2)
    assert [(r.cell, r.line) for r in d.related] == [(3, 3)]


def test_magics_become_python_with_the_same_line_count():
    lines = ["%matplotlib inline", "!pip install x", "files = !ls", "t = %timeit -o f()",
             "np.ones?", "??np", "if True:", "    %time g()", "    !echo \\", "      continued", "x = 1 % 2"]
    assert _rewrite_magics(lines) == ["pass", "pass", "files = None", "t = None", "pass", "pass", "if True:",
                                      "    pass", "    pass", "    pass", "x = 1 % 2"]
    assert _rewrite_magics(["%%bash", "ls -l"]) == ["", ""]
    assert _rewrite_magics(["%%time", "x = 1"]) == ["", "x = 1"]


def test_valid_python_cells_are_not_rewritten():
    nb = build_source(notebook("x = 10\ny = x \\\n% 3\n"))
    assert nb.source == "x = 10\ny = x \\\n% 3\n"


@pytest.mark.parametrize("text, message", [
    ("{not json", "invalid JSON"),
    ("[1, 2]", "top level is not a JSON object"),
    ('{"metadata": {}}', "no 'cells' list"),
    ('{"cells": [1]}', "not a list of objects"),
    ('{"cells": [{"cell_type": "code", "source": 5}]}', "not text"),
])
def test_bad_notebooks(text, message):
    with pytest.raises(NotebookError, match=message):
        build_source(text)
    out = lint_bytes(text.encode(), "bad.ipynb")
    (d,) = out.diagnostics
    assert d.code == "SL001" and message in d.message


def test_non_python_kernel_is_skipped_and_nbformat3_is_read():
    assert lint_bytes(notebook("x <- c(1, 2\n", language="R").encode(), "r.ipynb").diagnostics == []
    nb3 = {"worksheets": [{"cells": [{"cell_type": "code", "input": ["def f(:\n"]}]}], "metadata": {}}
    out = lint_bytes(json.dumps(nb3).encode(), "old.ipynb")
    assert [(d.code, d.cell, d.line) for d in out.diagnostics] == [("SL000", 1, 1)]


def test_shapes_in_a_notebook_name_the_cell(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nb.ipynb").write_text(notebook(("markdown", "m\n", None), "import numpy as np\n\nx = np.ones((2, 3))\n"))
    r = CliRunner().invoke(cli, ["shapes", "nb.ipynb", "--no-cache", "--format", "json"], catch_exceptions=False)
    (rec,) = json.loads(r.stdout)
    assert (rec["cell"], rec["line"], rec["column"], rec["name"]) == (2, 3, 1, "x")
    r = CliRunner().invoke(cli, ["shapes", "nb.ipynb", "--no-cache"], catch_exceptions=False)
    assert r.stdout.startswith("nb.ipynb:cell 2:3:1: x: ")


def test_lines_split_as_python_splits_them():
    # A form feed is whitespace to Python, not a line break; \r\n and \r are line breaks.
    nb = build_source(notebook("a = 1\x0c\r\nb = 2\rc = (\n"))
    assert nb.line_map == [(1, 1), (1, 2), (1, 3)]
    (err,) = nb.cell_errors
    assert (err.cell, err.line) == (1, 3)


# -- where a finding is: the cell, the line in it, and the line of the .ipynb file ----------------

def _file_lines(text):
    nb = build_source(text)
    return [(cell, line, file_line) for (cell, line), file_line in zip(nb.line_map, nb.file_lines)]


def _line_holding(text, fragment):
    (n,) = [k for k, line in enumerate(text.splitlines(), 1) if fragment in line]
    return n


def test_file_line_of_a_source_saved_as_a_list_of_lines():
    text = notebook(("markdown", "# t\n", None), "import numpy as np\nx = 1\n\ny = 'caf\u00e9'\n")
    got = _file_lines(text)
    assert [(c, l) for c, l, _ in got] == [(2, 1), (2, 2), (2, 3), (2, 4)]
    for (_, _, file_line), fragment in zip(got, ['"import numpy', '"x = 1', '"\\n"', '"y = ']):
        assert file_line == _line_holding(text, fragment)


def test_file_line_of_a_source_saved_as_one_string_and_of_a_list_item_with_several_lines():
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": "a = 1\nb = 2\n"},
             {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
              "source": ["c = 3\nd = 4\n", "e = 5\n"]}]
    text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)
    one, two = _line_holding(text, '"a = 1'), _line_holding(text, '"c = 3')
    assert _file_lines(text) == [(1, 1, one), (1, 2, one), (2, 1, two), (2, 2, two), (2, 3, two + 1)]
    # a notebook written without indentation is one line of JSON: every line is on it
    assert {f for _, _, f in _file_lines(json.dumps(json.loads(text)))} == {1}


def test_file_line_with_crlf_escapes_and_nbformat_3():
    text = notebook("x = 'd\u00e9j\u00e0'\n\ty = 2\n").replace("\n", "\r\n")
    assert "\\u00e9" in text  # json.dumps escapes non-ASCII by default
    assert _file_lines(text) == [(1, 1, _line_holding(text, '"x = ')), (1, 2, _line_holding(text, 'y = 2'))]
    # the same text unescaped (as Jupyter writes it) and \r\n inside the cell's own lines
    raw = json.dumps(json.loads(text) | {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [],
                                                    "execution_count": None, "source": ["x = 1\r\n", "y = 'é'\r\n"]}]},
                     indent=2, ensure_ascii=False)
    assert _file_lines(raw) == [(1, 1, _line_holding(raw, '"x = 1')), (1, 2, _line_holding(raw, '"y = '))]
    nb3 = json.dumps({"metadata": {}, "nbformat": 3, "worksheets": [{"cells": [
        {"cell_type": "markdown", "source": ["# t\n"]},
        {"cell_type": "code", "language": "python", "input": ["import numpy as np\n", "z = np.ones(3)\n"],
         "outputs": []}]}]}, indent=1)
    assert _file_lines(nb3) == [(2, 1, _line_holding(nb3, '"import')), (2, 2, _line_holding(nb3, '"z = '))]


def test_a_syntax_error_cell_is_annotated_on_its_line_of_the_file():
    text = notebook("x = 1\n", "y = 2\nz = (\n")
    (d,) = lint_bytes(text.encode(), "nb.ipynb").diagnostics
    assert (d.code, d.cell, d.line, d.file_line) == ("SL000", 2, 2, _line_holding(text, '"z = ('))


CALLED_LATER = "fixtures/notebooks/call_in_later_cell.ipynb"
SCHEMA = REPO.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture
def called_later():
    text = (REPO / CALLED_LATER).read_text()
    return {"dot": _line_holding(text, "np.dot(dZ, A_prev)"), "call": _line_holding(text, "= linear_backward(")}


def test_function_of_one_cell_called_in_a_later_one_text_and_json(called_later):
    r = check(CALLED_LATER)
    assert r.exit_code == 1
    assert r.stdout.startswith(f"{CALLED_LATER}:cell 3:3:10: SL102 `np.dot(dZ, A_prev)`")
    assert f" = note: with the shapes passed at {CALLED_LATER}:cell 5:4" in r.stdout
    assert "with the arguments given here" not in r.stdout
    (d,) = json.loads(check(CALLED_LATER, "--format", "json").stdout)
    assert (d["cell"], d["line"], d["column"], d["file_line"]) == (3, 3, 10, called_later["dot"])
    (rel,) = d["related"]
    assert (rel["path"], rel["cell"], rel["line"], rel["file_line"]) == (CALLED_LATER, 5, 4, called_later["call"])
    assert "linear_backward()" in rel["message"]


def test_function_of_one_cell_called_in_a_later_one_github_and_sarif(called_later):
    r = check(CALLED_LATER, "--format", "github")
    assert r.stdout.startswith(f"::error file={CALLED_LATER},line={called_later['dot']},endLine={called_later['dot']},"
                               f"title=SL102::SL102 cell 3, line 3: `np.dot(dZ, A_prev)`")
    assert f"(with the shapes passed at {CALLED_LATER}:cell 5:4)" in r.stdout
    doc = json.loads(check(CALLED_LATER, "--format", "sarif").stdout)
    (res,) = doc["runs"][0]["results"]
    assert res["locations"][0]["physicalLocation"]["region"] == {"startLine": called_later["dot"]}
    assert res["properties"] == {"cell": 3, "cellLine": 3, "cellColumn": 10}
    (rel,) = res["relatedLocations"]
    assert rel["physicalLocation"]["region"] == {"startLine": called_later["call"]}
    assert rel["physicalLocation"]["artifactLocation"]["uri"] == CALLED_LATER
    assert rel["properties"] == {"cell": 5, "cellLine": 4, "cellColumn": 19}
    if SCHEMA.is_file():
        jsonschema = pytest.importorskip("jsonschema")
        jsonschema.validate(doc, json.loads(SCHEMA.read_text()), cls=jsonschema.Draft7Validator)


def test_a_good_call_in_a_later_cell_gives_nothing():
    text = (REPO / CALLED_LATER).read_text().replace("np.dot(dZ, A_prev)", "np.dot(dZ, A_prev.T)")
    assert lint_bytes(text.encode(), "nb.ipynb").diagnostics == []


def test_lines_named_in_a_notebook_message_are_cell_lines():
    # the rank-1 `b` is made in cell 2 and fails in cell 3's function, called from cell 4: reported
    # where it was made (the line to change), naming where it fails in cell lines
    src = notebook("import numpy as np\n", "b = np.random.randn(3)\nW = np.ones((3, 4))\n",
                   "def f(W, b):\n    x = np.ones((4, 5))\n    return np.dot(W, x) + b\n", "y = f(W, b)\n")
    (d,) = lint_bytes(src.encode(), "nb.ipynb").diagnostics
    assert (d.code, d.cell, d.line) == ("SL101", 2, 1)
    assert "fails in `f()` (cell 3, line 3)" in d.message and "line 7" not in d.message
    assert [(r.cell, r.line) for r in d.related] == [(4, 1)]


def test_a_notebook_that_drives_a_module_is_named_in_cell_lines(tmp_path):
    # the checked module's rank-1 `b` goes wrong in the notebook that uses it: the message names
    # the notebook's cell and line, not a line of its joined cells
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "cases.py").write_text("import numpy as np\n\ndef forward_case():\n    W = np.random.randn(3, 4)\n"
                                       "    b = np.random.randn(3)\n    return W, b\n")
    (tmp_path / "hw.ipynb").write_text(notebook("import numpy as np\nfrom cases import *\n", "x = 1\n",
                                                "W, b = forward_case()\nA = np.ones((4, 5))\nZ = np.dot(W, A) + b\n"))
    path = str(tmp_path / "cases.py")
    (d,) = lint_bytes((tmp_path / "cases.py").read_bytes(), path).diagnostics
    assert d.line == 5 and "goes wrong in `hw.ipynb` (cell 3, line 3)" in d.message


def test_file_lines_hold_their_source_line_whatever_the_json_layout():
    # random notebooks written with every layout json.dumps offers (indentation or none, escaped or
    # raw non-ASCII, sorted keys, odd separators, CRLF, sources as lists or one string, braces and
    # quotes inside strings): the file line given for a source line always holds its text
    import random

    rng = random.Random(3)
    pieces = ["x = 1", "y = 'é'", 'z = "q\\\\"', "w = [1, {'}': 2}]", "pass", "# ü ✓", ""]
    for _ in range(60):
        cells = []
        for _ in range(rng.randint(1, 5)):
            kind = rng.choice(["code", "code", "markdown"])
            src = [rng.choice(pieces) + rng.choice(["\n", "\r\n"]) for _ in range(rng.randint(0, 4))]
            cell = {"cell_type": kind, "metadata": {"a": [1, {"b": "}]"}]}, "source": src if rng.random() < 0.7 else "".join(src)}
            if kind == "code":
                cell.update(outputs=[{"text": ['[{"}\n']}], execution_count=None)
            cells.append(cell)
        text = json.dumps({"metadata": {}, "nbformat": 4, "nbformat_minor": 5, "cells": cells},
                          indent=rng.choice([None, 0, 1, "\t"]), ensure_ascii=rng.random() < 0.5,
                          sort_keys=rng.random() < 0.5, separators=rng.choice([None, (",", ":"), (" , ", " : ")]))
        if rng.random() < 0.3:
            text = text.replace("\n", "\r\n")
        nb = build_source(text)
        file_lines = text.split("\n")
        for file_line, original in zip(nb.file_lines, nb.original_lines):
            held = file_lines[file_line - 1]
            assert (json.dumps(original)[1:-1][:6] in held
                    or json.dumps(original, ensure_ascii=False)[1:-1][:6] in held), (original, held)
