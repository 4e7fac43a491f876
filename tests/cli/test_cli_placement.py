"""Findings at their own line: a function of the checked file that fails only with some
callers' shapes is reported inside it, once, with those calls as related locations."""

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from shapelint.analysis import analyze_source
from shapelint.cli import cli
from shapelint.diagnostics import MAX_RELATED

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
CALL_SITES = "fixtures/placement/call_sites.py"
QUIET = "fixtures/placement/quiet_call.py"


@pytest.fixture(autouse=True)
def in_repo(monkeypatch):
    monkeypatch.chdir(REPO)


def check(*args):
    return CliRunner().invoke(cli, ["check", "--no-cache", *args], catch_exceptions=False)


def test_two_bad_calls_one_finding_with_two_related_locations_json():
    r = check(CALL_SITES, "--format", "json")
    assert r.exit_code == 1
    (d,) = json.loads(r.stdout)
    assert (d["line"], d["column"], d["code"]) == (9, 10, "SL102")
    assert "shapes (3, 10) and (4, 10)" in d["message"]  # the first call's shapes
    assert [(rel["path"], rel["line"], rel["cell"]) for rel in d["related"]] == [(CALL_SITES, 20, None),
                                                                               (CALL_SITES, 21, None)]
    assert d["related"][0]["message"] == "`linear_backward()` is called here with the shapes that fail"
    # the second call passes other shapes: its related location says which
    assert d["related"][1]["message"].startswith("`helper_of_helper()` is called here: ")
    assert "(5, 10)" in d["related"][1]["message"]


def test_two_bad_calls_text_and_concise():
    r = check(CALL_SITES)
    assert r.stdout.splitlines()[3:5] == [f" = note: with the shapes passed at {CALL_SITES}:20",
                                          f" = note: with the shapes passed at {CALL_SITES}:21"]
    assert "with the arguments given here" not in r.stdout
    r = check(CALL_SITES, "--format", "concise", "-q")
    assert r.stdout.startswith(f"{CALL_SITES}:9:10: SL102 ")
    assert r.stdout.rstrip().endswith(f"(with the shapes passed at {CALL_SITES}:20, {CALL_SITES}:21)")


def test_two_bad_calls_sarif_related_locations_and_github():
    doc = json.loads(check(CALL_SITES, "--format", "sarif").stdout)
    (res,) = doc["runs"][0]["results"]
    assert res["locations"][0]["physicalLocation"]["region"]["startLine"] == 9
    related = res["relatedLocations"]
    assert [(loc["id"], loc["physicalLocation"]["region"]["startLine"]) for loc in related] == [(1, 20), (2, 21)]
    assert all(loc["physicalLocation"]["artifactLocation"]["uri"] == CALL_SITES for loc in related)
    if SCHEMA.is_file():
        jsonschema = pytest.importorskip("jsonschema")
        jsonschema.validate(doc, json.loads(SCHEMA.read_text()), cls=jsonschema.Draft7Validator)
    r = check(CALL_SITES, "--format", "github")
    assert r.stdout.startswith(f"::error file={CALL_SITES},line=9,col=10,")


def test_good_calls_give_nothing():
    r = check(QUIET)
    assert r.exit_code == 0 and r.stdout.startswith("All checks passed!")


def _calls(n_bad):
    lines = ["import numpy as np", "def f(a, b):", "    return np.dot(a, b)"]
    lines += [f"f(np.ones((2, 3)), np.ones(({4 + k}, 2)))" for k in range(n_bad)]
    lines.append("f(np.ones((2, 3)), np.ones((3, 2)))")
    return "\n".join(lines) + "\n"


def test_many_bad_calls_are_listed_up_to_a_bound_and_counted():
    (d,) = analyze_source(_calls(MAX_RELATED + 3), "many.py").diagnostics
    assert (d.line, d.code) == (3, "SL102")
    assert [r.line for r in d.related] == list(range(4, 4 + MAX_RELATED))
    assert d.message.endswith("(and 3 more calls that pass failing shapes)")
    (d,) = analyze_source(_calls(MAX_RELATED + 1), "one_more.py").diagnostics
    assert d.message.endswith("(and 1 more call that passes failing shapes)")
    (d,) = analyze_source(_calls(2), "two.py").diagnostics
    assert "more call" not in d.message and len(d.related) == 2


def test_wrong_for_any_arguments_is_reported_once_at_its_line_without_calls():
    src = "import numpy as np\ndef f(a):\n    return np.ones((2, 3)) @ np.ones((4, 5)) + a\nf(1)\nf(np.ones(3))\n"
    found = analyze_source(src, "any.py").diagnostics
    assert [(d.line, d.code, d.related) for d in found] == [(3, "SL102", ())]


def test_noqa_applies_on_the_line_the_finding_is_reported_at(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    src = _calls(2)
    (tmp_path / "a.py").write_text(src.replace("f(np.ones((2, 3)), np.ones((4, 2)))",
                                               "f(np.ones((2, 3)), np.ones((4, 2)))  # noqa: SL102"))
    assert check("a.py").exit_code == 1  # the call's line is not where the finding is
    (tmp_path / "a.py").write_text(src.replace("    return np.dot(a, b)", "    return np.dot(a, b)  # noqa: SL102"))
    assert check("a.py").exit_code == 0


def test_the_baseline_keys_the_finding_at_its_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(_calls(2))
    assert check("a.py", "--baseline", "b.json").exit_code == 0  # first run: recorded
    (entry,) = json.loads((tmp_path / "b.json").read_text())["findings"]
    assert entry["line_text"] == "return np.dot(a, b)"
    # one more bad call is the same finding (one more related location): still known
    (tmp_path / "a.py").write_text(_calls(3))
    r = check("a.py", "--baseline", "b.json")
    assert r.exit_code == 0 and "1 known finding hidden" in r.stdout


def test_a_helper_of_another_module_keeps_its_finding_at_the_call_in_the_checked_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "helpers.py").write_text("import numpy as np\n\ndef linear_forward(A, W, b):\n"
                                         "    return np.dot(W, A) + b\n")
    main = tmp_path / "main.py"
    main.write_text("import numpy as np\nfrom helpers import linear_forward\n\ndef layer(X, W):\n"
                    "    return linear_forward(X, W, np.zeros((W.shape[0], 1)))\n\n"
                    "Z = linear_forward(np.ones((3, 10)), np.ones((3, 4)), np.zeros((4, 1)))\n"
                    "Z2 = layer(np.ones((5, 10)), np.ones((4, 3)))\n"
                    "Z3 = layer(np.ones((5, 10)), np.ones((4, 3)))\n")
    found = analyze_source(main.read_text(), str(main)).diagnostics
    assert [(d.line, d.code) for d in found] == [(5, "SL102"), (7, "SL102")]
    for d in found:
        assert d.message.startswith("in `linear_forward()` (line 4 of `helpers.py`) with the arguments given here: ")
    # called from a function of the checked file: at that function's call, with the outer call related
    assert [r.line for r in found[0].related if r.role == "call"] == [8, 9]
    assert not any(r.role == "call" for r in found[1].related)
    # and where it fails, in the helper
    assert all([(os.path.basename(r.path), r.line) for r in d.related if r.role == "fails"] == [("helpers.py", 4)]
               for d in found)


def test_a_call_with_the_same_shapes_again_is_listed_too():
    # the second call's analysis comes from the cache of the first: its findings are replayed
    # with the calls below it, and still land inside the function
    src = ("import numpy as np\ndef inner(a, b):\n    return np.dot(a, b)\ndef outer(a, b):\n    return inner(a, b)\n"
           "outer(np.ones((2, 3)), np.ones((4, 2)))\nouter(np.ones((2, 3)), np.ones((4, 2)))\n"
           "inner(np.ones((2, 3)), np.ones((4, 2)))\n")
    (d,) = analyze_source(src, "same.py").diagnostics
    assert (d.line, d.code) == (3, "SL102")
    assert [r.line for r in d.related] == [6, 7, 8]
    assert d.related[0].message == "`outer()` is called here with the shapes that fail"


# -- one failure seen from two files of a run: one finding -------------------------------------

HELPER = "import numpy as np\n\n\ndef forward(X, W):\n    return np.dot(W, X)\n"


def _project(tmp_path: Path, main: str) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "model.py").write_text(HELPER)
    (tmp_path / "main.py").write_text(main)


def _findings(tmp_path: Path, *paths: str) -> list:
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        r = check("--isolated", "--format", "json", "--unsafe-fixes", *paths)
    finally:
        os.chdir(old)
    return json.loads(r.stdout)


def test_a_failure_in_an_imported_module_is_one_finding_when_both_files_are_checked(tmp_path):
    _project(tmp_path, "import numpy as np\nfrom model import forward\n\n"
                       "Z = forward(np.ones((3, 10)), np.ones((4, 5)))\n")
    # both files: the module's line that fails, the call of main.py related
    (d,) = _findings(tmp_path, ".")
    assert (d["path"], d["line"], d["code"]) == ("model.py", 5, "SL102")
    assert [(r["path"], r["line"], r["role"]) for r in d["related"]] == [("main.py", 4, "call")]
    # main.py alone: at its call, where the module fails related
    (d,) = _findings(tmp_path, "main.py")
    assert (d["path"], d["line"], d["code"]) == ("main.py", 4, "SL102")
    assert [(r["path"], r["line"], r["role"]) for r in d["related"]] == [("model.py", 5, "fails")]


def test_a_weight_made_the_other_way_round_is_reported_where_it_is_made(tmp_path):
    _project(tmp_path, "import numpy as np\nfrom model import forward\n\n"
                       "W = np.random.randn(3, 4)\n"
                       "Z = forward(np.ones((3, 10)), W)\n")
    for paths in ((".",), ("main.py",)):
        (d,) = _findings(tmp_path, *paths)
        assert (d["path"], d["line"], d["column"], d["code"], d["severity"]) == ("main.py", 4, 5, "SL102", "warning")
        assert d["message"].startswith("the array made here fails in `forward()` (line 5 of `model.py`): ")
        assert d["message"].endswith("did you mean `np.random.randn(4, 3)`?")
        assert [(r["path"], r["line"], r["role"]) for r in d["related"]] == [("model.py", 5, "fails"),
                                                                           ("main.py", 5, "call")]


def test_a_weight_whose_swap_breaks_another_use_stays_at_the_call(tmp_path):
    # W is (3, 4) and main.py itself multiplies it that way: the swap is not the fix
    _project(tmp_path, "import numpy as np\nfrom model import forward\n\n"
                       "W = np.random.randn(3, 4)\n"
                       "H = np.dot(W, np.ones((4, 2)))\n"
                       "Z = forward(np.ones((3, 10)), W)\n")
    (d,) = _findings(tmp_path, "main.py")
    assert (d["path"], d["line"], d["code"], d["severity"]) == ("main.py", 6, "SL102", "error")
    assert d["message"].startswith("in `forward()` (line 5 of `model.py`) with the arguments given here: ")


def test_a_module_above_the_checked_file_is_named_from_the_project_root(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "model.py").write_text(HELPER)
    (tmp_path / "pkg" / "tests").mkdir()
    (tmp_path / "pkg" / "tests" / "test_model.py").write_text(
        "import numpy as np\nfrom pkg.model import forward\n\nZ = forward(np.ones((3, 10)), np.ones((4, 5)))\n")
    (d,) = _findings(tmp_path, "pkg/tests/test_model.py")
    # not an absolute path: the module is not below the test's folder, but it is below the root
    assert d["message"].startswith("in `forward()` (line 5 of `pkg/model.py`) with the arguments given here: ")
