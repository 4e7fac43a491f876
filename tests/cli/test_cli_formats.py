"""Output formats: text, concise, json, json-lines, sarif (schema-valid), github, junit."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from shapelint.cli import cli
from shapelint.diagnostics import Diagnostic
from shapelint.report import FORMATS, ReportContext, render

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture
def proj(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "bad.py").write_text("x = 1\ndef f(:\n")
    (tmp_path / "pkg" / "ok.py").write_text("y = 2\n")
    (tmp_path / "nb.ipynb").write_text(json.dumps({"cells": [
        {"cell_type": "markdown", "source": ["# t\n"], "metadata": {}},
        {"cell_type": "code", "source": ["a = 1\n", "b = (\n"], "metadata": {}, "outputs": [], "execution_count": None},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1))
    return tmp_path


def nb_line(proj, fragment='"b = ('):
    """The line of nb.ipynb that holds ``fragment``: where GitHub and SARIF point."""
    (n,) = [k for k, line in enumerate((proj / "nb.ipynb").read_text().splitlines(), 1) if fragment in line]
    return n


def run(*args):
    return CliRunner().invoke(cli, ["check", "--no-cache", ".", *args], catch_exceptions=False)


def test_every_format_is_registered():
    assert set(FORMATS) == {"text", "concise", "json", "json-lines", "sarif", "github", "junit"}


def test_concise_and_text_locations(proj):
    r = run("--format", "concise")
    assert r.exit_code == 1
    assert r.stdout.splitlines()[:2] == [
        "nb.ipynb:cell 2:2:5: SL000 syntax error: '(' was never closed",
        "pkg/bad.py:2:7: SL000 syntax error: invalid syntax",
    ]
    assert r.stdout.splitlines()[-1] == "Found 2 findings (2 errors) in 2 files."


def test_json_lines(proj):
    r = run("--format", "json-lines")
    rows = [json.loads(l) for l in r.stdout.splitlines()]
    assert [(d["path"], d["cell"]) for d in rows] == [("nb.ipynb", 2), ("pkg/bad.py", None)]


def test_github_annotations(proj):
    r = run("--format", "github")
    n = nb_line(proj)
    assert r.stdout.splitlines() == [
        f"::error file=nb.ipynb,line={n},endLine={n},title=SL000::SL000 cell 2, line 2: syntax error: '(' was never closed",
        "::error file=pkg/bad.py,line=2,col=7,endLine=2,endColumn=8,title=SL000::SL000 syntax error: invalid syntax",
    ]


def test_github_escaping():
    d = Diagnostic("a,b:c.py", 1, 1, 1, 2, "SL101", "warning", "50% bad\nnext")
    out = render("github", [d], ReportContext(root=Path("/"), cwd=Path("/")))
    assert out == "::warning file=a%2Cb%3Ac.py,line=1,col=1,endLine=1,endColumn=2,title=SL101::SL101 50%25 bad%0Anext"


def test_junit_is_xml_with_a_case_per_finding_and_per_clean_file(proj):
    r = run("--format", "junit")
    root = ET.fromstring(r.stdout.split("\n", 1)[1])
    assert root.tag == "testsuites" and root.get("failures") == "2"
    suites = {s.get("name"): s for s in root}
    assert set(suites) == {"nb.ipynb", "pkg/bad.py", "pkg/ok.py"}
    (case,) = suites["pkg/bad.py"]
    assert case.get("name") == "org.shapelint.SL000" and case.get("line") == "2"
    assert case.find("failure").get("type") == "SL000"
    (ok,) = suites["pkg/ok.py"]
    assert ok.find("failure") is None


def test_sarif_structure(proj):
    r = run("--format", "sarif")
    doc = json.loads(r.stdout)
    assert doc["version"] == "2.1.0"
    (run_,) = doc["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "shapelint"
    ids = [rule["id"] for rule in driver["rules"]]
    assert {"SL000", "SL001", "SL900"} <= set(ids)
    res = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r for r in run_["results"]}
    bad = res["pkg/bad.py"]
    assert bad["ruleId"] == "SL000" and bad["level"] == "error" and ids[bad["ruleIndex"]] == "SL000"
    loc = bad["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert loc["region"]["startLine"] == 2 and loc["region"]["startColumn"] == 7
    # a notebook's finding is on the line of the .ipynb file that holds its source line
    assert res["nb.ipynb"]["properties"] == {"cell": 2, "cellLine": 2, "cellColumn": 5}
    assert res["nb.ipynb"]["locations"][0]["physicalLocation"]["region"] == {"startLine": nb_line(proj)}
    assert res["nb.ipynb"]["message"]["text"].startswith("cell 2, line 2: syntax error")
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == proj.resolve().as_uri() + "/"
    assert run_["invocations"][0]["executionSuccessful"] is True


@pytest.mark.skipif(not SCHEMA.is_file(), reason=f"SARIF schema not found at {SCHEMA}")
def test_sarif_validates_against_the_2_1_0_schema(proj, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text())
    r = CliRunner().invoke(cli, ["check", "--no-cache", ".", str(REPO / "fixtures"), "--format", "sarif",
                                 "-o", "out.sarif"], catch_exceptions=False)
    assert r.exit_code == 1
    doc = json.loads((proj / "out.sarif").read_text())
    assert len(doc["runs"][0]["results"]) >= 5  # the bad_input fixtures at least
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.validate(doc, schema, cls=jsonschema.Draft7Validator)
    # An empty run, and a run with a warning, are valid too.
    (proj / "pkg" / "bad.py").write_text("x = 1  # shapelint: ignore\n")
    (proj / "nb.ipynb").unlink()
    r = run("--format", "sarif", "--extend-select", "SL900")
    jsonschema.validate(json.loads(r.stdout), schema, cls=jsonschema.Draft7Validator)
    assert json.loads(r.stdout)["runs"][0]["results"][0]["level"] == "warning"


def test_text_caret_spans_the_node_and_handles_tabs():
    d = Diagnostic("f.py", 3, 6, 3, 11, "SL101", "error", "msg", source_line="\tx = a + b  # c")
    out = render("text", [d], ReportContext(root=Path("/"), cwd=Path("/"), quiet=True))
    assert out.splitlines() == ["f.py:3:6: SL101 msg", " 3 |     x = a + b  # c", "   |         ^^^^^"]


def test_text_shows_a_window_of_a_very_long_source_line():
    line = "y = " + " + ".join(["x"] * 5000)
    col = line.index("x + x") + 1 + 4000
    d = Diagnostic(path="a.py", line=3, column=col, end_line=3, end_column=col + 5, code="SL101",
                   severity="error", message="m", source_line=line)
    text = render("text", [d], ReportContext(root=Path("."), cwd=Path("."), color=False, quiet=True))
    shown, caret = text.splitlines()[1], text.splitlines()[2]
    assert len(shown) < 140 and shown.startswith(" 3 | ...") and shown.endswith("...")
    # the caret still points at the same text: 5 characters from the column on
    start = caret.index("^")
    assert caret.count("^") == 5 and shown[start:start + 5] == line[col - 1:col + 4]
