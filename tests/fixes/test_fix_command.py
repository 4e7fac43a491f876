"""`check --fix`, `--unsafe-fixes`, `--diff`: files and notebooks rewritten only when their check
improves, atomically, notebooks in their cells; the fix in JSON, SARIF and the cache."""

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from shapelint.cli import cli

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"

SAFE_BUG = "import numpy as np\nX = np.ones((4, 4))\nc = X - X.mean(axis=1)\n"
UNSAFE_BUG = "import numpy as np\nW = np.ones((4, 3))\nA = np.ones((3, 10))\nZ = np.dot(A, W)\n"


@pytest.fixture
def proj(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "safe.py").write_text(SAFE_BUG)
    (tmp_path / "unsafe.py").write_text(UNSAFE_BUG)
    return tmp_path


def run(*args):
    return CliRunner().invoke(cli, ["check", "--no-cache", *args], catch_exceptions=False)


def test_check_counts_what_fix_would_do(proj):
    r = run("safe.py", "unsafe.py")
    assert r.exit_code == 1
    assert "1 fixable with --fix." in r.stdout
    assert "1 hidden unsafe fix, enable with --unsafe-fixes." in r.stdout
    r = run("safe.py", "unsafe.py", "--unsafe-fixes")  # alone: shown as available, nothing written
    assert "2 fixable with --fix --unsafe-fixes." in r.stdout and "hidden" not in r.stdout
    assert (proj / "unsafe.py").read_text() == UNSAFE_BUG


def test_fix_applies_safe_fixes_only_and_the_check_is_clean_after(proj):
    os.chmod(proj / "safe.py", 0o640)
    r = run("safe.py", "unsafe.py", "--fix")
    assert r.exit_code == 1  # the unsafe one remains
    assert "Applied 1 fix." in r.stdout and "1 hidden unsafe fix" in r.stdout
    assert (proj / "safe.py").read_text() == SAFE_BUG.replace("axis=1)", "axis=1, keepdims=True)")
    assert (proj / "safe.py").stat().st_mode & 0o777 == 0o640  # the file keeps its permissions
    assert (proj / "unsafe.py").read_text() == UNSAFE_BUG
    assert run("safe.py").exit_code == 0
    r = run("unsafe.py", "--fix", "--unsafe-fixes")
    assert r.exit_code == 0 and "Applied 1 fix." in r.stdout
    assert "Z = np.dot(W, A)" in (proj / "unsafe.py").read_text()
    assert not list(proj.glob(".*.tmp"))  # atomic writes leave nothing behind


def test_fix_leaves_files_without_fixes_untouched(proj):
    clean = proj / "clean.py"
    clean.write_text("import numpy as np\nx = np.ones((2, 3))\n")
    os.utime(clean, (1000, 1000))
    (proj / "nohint.py").write_text("import numpy as np\nx = np.ones((2, 3)) + np.ones((4, 5))\n")
    os.utime(proj / "nohint.py", (1000, 1000))
    r = run("clean.py", "nohint.py", "--fix", "--unsafe-fixes")
    assert r.exit_code == 1 and "Applied 0 fixes." in r.stdout
    assert clean.stat().st_mtime == 1000 and (proj / "nohint.py").stat().st_mtime == 1000


def test_diff_shows_and_writes_nothing(proj):
    r = run("safe.py", "unsafe.py", "--diff")
    assert r.exit_code == 1
    assert "--- safe.py\n+++ safe.py\n" in r.stdout
    assert "-c = X - X.mean(axis=1)\n+c = X - X.mean(axis=1, keepdims=True)\n" in r.stdout
    assert "unsafe.py" not in r.stdout
    assert (proj / "safe.py").read_text() == SAFE_BUG
    r = run("unsafe.py", "--diff", "--unsafe-fixes")
    assert r.exit_code == 1 and "+Z = np.dot(W, A)" in r.stdout
    assert (proj / "unsafe.py").read_text() == UNSAFE_BUG
    assert run("unsafe.py", "--diff").exit_code == 0  # nothing safe to change
    assert run("-", "--fix").exit_code == 2  # stdin: nothing to write to


def test_several_fixes_in_one_file(proj):
    src = ("import numpy as np\nX = np.ones((4, 4))\nc = X - X.mean(axis=1)\nd = X / X.sum(axis=1)\n"
           "def f(n_h, m):\n    b = np.zeros(n_h)\n    return np.ones((n_h, 1)) + b\n")
    (proj / "many.py").write_text(src)
    r = run("many.py", "--fix")
    assert r.exit_code == 0, r.stdout
    assert "Applied 3 fixes." in r.stdout
    text = (proj / "many.py").read_text()
    assert "X.mean(axis=1, keepdims=True)" in text and "X.sum(axis=1, keepdims=True)" in text
    assert "np.zeros((n_h, 1))" in text


class _Letters:
    """A stand-in checker: one finding per letter `a`, and a fix for the first one only (to `b`,
    or, when ``useless``, to `aa`), so that fixing takes one pass per finding."""

    def __init__(self, useless=False):
        self.useless = useless
        self.calls = 0

    def __call__(self, data, path, codes=None, severity=None, collect_shapes=False):
        from shapelint.diagnostics import Diagnostic
        from shapelint.fixes import SAFE, Edit, Fix
        from shapelint.runner import FileOutcome

        self.calls += 1
        text = data.decode()
        diags = [Diagnostic(path, 1, k + 1, 1, k + 2, "SL101", "error", "a") for k, c in enumerate(text) if c == "a"]
        if diags:
            first = diags[0]
            fix = Fix("b", SAFE, (Edit(1, first.column, 1, first.column + 1, "aa" if self.useless else "b"),))
            diags[0] = first.with_(fix=fix)
        return FileOutcome(path, diagnostics=diags)


def test_fixing_repeats_until_nothing_applies_within_the_bound(monkeypatch):
    import shapelint.fixing as fixing

    monkeypatch.setattr(fixing, "lint_bytes", _Letters())
    result = fixing.fix_file(b"xaaax", "t.py", set(), None, unsafe=False)
    assert result.fixed == b"xbbbx" and result.applied == 3 and not result.outcome.diagnostics
    result = fixing.fix_file(b"a" * 12, "t.py", set(), None, unsafe=False)
    assert result.fixed == b"b" * fixing.MAX_PASSES + b"aa" and result.applied == fixing.MAX_PASSES


def test_a_pass_that_does_not_reduce_the_findings_is_not_kept(monkeypatch):
    import shapelint.fixing as fixing

    monkeypatch.setattr(fixing, "lint_bytes", _Letters(useless=True))
    result = fixing.fix_file(b"xaax", "t.py", set(), None, unsafe=False)
    assert result.fixed == b"xaax" and result.applied == 0 and not result.changed


def test_json_and_sarif_carry_the_fix(proj):
    r = run("safe.py", "unsafe.py", "--format", "json")
    by_path = {d["path"]: d for d in json.loads(r.stdout)}
    fix = by_path["safe.py"]["fix"]
    assert fix["applicability"] == "safe" and fix["title"] == "did you mean `keepdims=True`?"
    assert fix["edits"] == [{"line": 3, "column": 9, "end_line": 3, "end_column": 23,
                             "content": "X.mean(axis=1, keepdims=True)"}]
    assert by_path["unsafe.py"]["fix"]["applicability"] == "unsafe"
    r = run("safe.py", "--format", "sarif")
    (result,) = json.loads(r.stdout)["runs"][0]["results"]
    (fix,) = result["fixes"]
    assert fix["properties"]["applicability"] == "safe"
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "safe.py"
    assert change["replacements"] == [{
        "deletedRegion": {"startLine": 3, "startColumn": 9, "endLine": 3, "endColumn": 23},
        "insertedContent": {"text": "X.mean(axis=1, keepdims=True)"}}]


@pytest.mark.skipif(not SCHEMA.is_file(), reason=f"SARIF schema not found at {SCHEMA}")
def test_sarif_with_fixes_validates(proj):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text())
    r = run("safe.py", "unsafe.py", "--format", "sarif")
    doc = json.loads(r.stdout)
    assert all("fixes" in res for res in doc["runs"][0]["results"])
    jsonschema.validate(doc, schema, cls=jsonschema.Draft7Validator)


def test_the_cache_keeps_the_fix(proj):
    first = CliRunner().invoke(cli, ["check", "safe.py", "--format", "json"])
    second = CliRunner().invoke(cli, ["check", "safe.py", "--format", "json", "-v"])
    assert "(1 from the cache)" in second.stderr
    assert json.loads(first.stdout) == json.loads(second.stdout)
    assert json.loads(second.stdout)[0]["fix"]["applicability"] == "safe"
    r = CliRunner().invoke(cli, ["check", "safe.py", "--fix"])
    assert r.exit_code == 0 and "keepdims=True" in (proj / "safe.py").read_text()


def _notebook(source_as_list: bool, indent):
    def src(text):
        return text.splitlines(keepends=True) if source_as_list else text

    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": src("# Centering\n")},
        {"cell_type": "code", "execution_count": 1, "metadata": {"tags": ["setup"]}, "outputs": [],
         "source": src("import numpy as np\n%matplotlib inline\nX = np.ones((4, 4))")},
        {"cell_type": "code", "execution_count": 2, "metadata": {"collapsed": False},
         "outputs": [{"name": "stdout", "output_type": "stream", "text": ["centré\n"]}],
         "source": src("c = X - X.mean(axis=1)\nprint('centré')")},
    ]
    nb = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(nb, indent=indent, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("source_as_list,indent", [(True, 1), (False, 2), (True, None)])
def test_notebook_is_fixed_in_its_cell_keeping_outputs_metadata_and_layout(proj, source_as_list, indent):
    original = _notebook(source_as_list, indent)
    path = proj / "nb.ipynb"
    path.write_text(original, encoding="utf-8")
    r = run("nb.ipynb", "--diff")
    assert r.exit_code == 1 and "--- nb.ipynb:cell 3\n" in r.stdout
    assert "+c = X - X.mean(axis=1, keepdims=True)\n" in r.stdout
    assert path.read_text(encoding="utf-8") == original
    r = run("nb.ipynb", "--fix")
    assert r.exit_code == 0 and "Applied 1 fix." in r.stdout
    after = path.read_text(encoding="utf-8")
    # the same bytes but for the one edit: layout, escaping, outputs and metadata as they were
    assert after == original.replace("X.mean(axis=1)", "X.mean(axis=1, keepdims=True)")
    nb = json.loads(after)
    assert isinstance(nb["cells"][2]["source"], list) == source_as_list
    assert run("nb.ipynb").exit_code == 0
