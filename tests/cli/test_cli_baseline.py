"""--baseline: record today's findings; later runs fail only on new ones, whatever moved."""

import json

import pytest
from click.testing import CliRunner

from shapelint.baseline import keyed, normalize
from shapelint.cli import cli
from shapelint.diagnostics import Diagnostic

# Two unused suppressions (SL900) are the findings: they need no analyzer rule.
SRC = "a = 1  # shapelint: ignore\nb = 2\nc = 3  # shapelint: ignore\n"


@pytest.fixture
def proj(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.py").write_text(SRC)
    return tmp_path


def run(*args):
    return CliRunner().invoke(cli, ["check", "--no-cache", "--extend-select", "SL900", "--format", "json",
                                    "m.py", *args], catch_exceptions=False)


def test_baseline_is_written_when_missing_then_applied(proj):
    r = run("--baseline", "shapelint-baseline.json")
    assert r.exit_code == 0 and json.loads(r.stdout) == []
    assert "wrote 2 finding(s)" in r.stderr
    doc = json.loads((proj / "shapelint-baseline.json").read_text())
    assert [(f["path"], f["code"], f["line_text"], f["occurrence"]) for f in doc["findings"]] == [
        ("m.py", "SL900", "a = 1 # shapelint: ignore", 0), ("m.py", "SL900", "c = 3 # shapelint: ignore", 0)]
    r = run("--baseline", "shapelint-baseline.json")
    assert r.exit_code == 0 and json.loads(r.stdout) == []


def test_shifted_lines_stay_known_and_new_findings_fail(proj):
    run("--baseline", "bl.json")
    (proj / "m.py").write_text("import os\n\n\n" + SRC.replace("b = 2", "b = 2\n# more\n"))
    assert run("--baseline", "bl.json").exit_code == 0
    (proj / "m.py").write_text(SRC + "d = 4  # shapelint: ignore\n")
    r = run("--baseline", "bl.json")
    assert r.exit_code == 1
    assert [(d["line"], d["code"]) for d in json.loads(r.stdout)] == [(4, "SL900")]
    r = CliRunner().invoke(cli, ["check", "--no-cache", "--extend-select", "SL900", "m.py", "--baseline", "bl.json"])
    assert "2 known findings hidden by the baseline" in r.stdout


def test_a_second_identical_line_is_new(proj):
    run("--baseline", "bl.json")
    (proj / "m.py").write_text(SRC + "a = 1  # shapelint: ignore\n")
    r = run("--baseline", "bl.json")
    assert r.exit_code == 1 and [d["line"] for d in json.loads(r.stdout)] == [4]


def test_update_baseline_and_fixed_findings(proj):
    run("--baseline", "bl.json")
    (proj / "m.py").write_text("a = 1\n")
    assert run("--baseline", "bl.json").exit_code == 0
    assert run("--baseline", "bl.json", "--update-baseline").exit_code == 0
    assert json.loads((proj / "bl.json").read_text())["findings"] == []
    (proj / "m.py").write_text(SRC)
    assert run("--baseline", "bl.json").exit_code == 1


def test_baseline_works_from_another_cwd(proj, monkeypatch):
    (proj / "sub").mkdir()
    run("--baseline", "sub/bl.json")
    monkeypatch.chdir(proj / "sub")
    r = CliRunner().invoke(cli, ["check", "--no-cache", "--extend-select", "SL900", "../m.py", "--baseline", "bl.json"])
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize("content", ["{broken", '{"findings": []}', '{"shapelint_baseline": 1, "findings": [{"path": 1}]}'])
def test_bad_baseline_file_is_a_clear_error(proj, content):
    (proj / "bl.json").write_text(content)
    r = run("--baseline", "bl.json")
    assert r.exit_code == 2 and "bl.json" in r.stderr and "Traceback" not in r.output


def test_update_baseline_needs_baseline(proj):
    assert run("--update-baseline").exit_code == 2


def test_keys_ignore_line_numbers_and_whitespace(tmp_path):
    def d(line, text):
        return Diagnostic("f.py", line, 1, line, 2, "SL101", "error", "m", source_line=text)

    a = [k for k, _ in keyed([d(3, "x  =  a+b"), d(9, "y = 1")], tmp_path, tmp_path)]
    b = [k for k, _ in keyed([d(40, "    x = a+b"), d(90, "y = 1")], tmp_path, tmp_path)]
    assert a == b == [("f.py", "SL101", "x = a+b", 0), ("f.py", "SL101", "y = 1", 0)]
    assert normalize("  a \t b ") == "a b"
