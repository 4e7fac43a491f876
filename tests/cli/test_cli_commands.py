"""The commands, options and exit codes of the `shapelint` CLI."""

import json
import subprocess
import sys
import types
from pathlib import Path

import pytest
from click.testing import CliRunner

from shapelint.analysis import analyze_source
from shapelint.cli import cli, format_shape

REPO = Path(__file__).resolve().parents[2]
BROADCAST = "import numpy as np\nx = np.ones((2, 3)) + np.ones((4, 5))\n"
SYNTAX = "def f(x:\n    return x\n"


def has_sl101() -> bool:
    return any(d.code == "SL101" for d in analyze_source(BROADCAST, "probe.py").diagnostics)


needs_sl101 = pytest.mark.skipif(not has_sl101(), reason="SL101 (broadcast error) is not implemented yet")


def invoke(args, **kw):
    return CliRunner().invoke(cli, args, catch_exceptions=False, **kw)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.py").write_text(SYNTAX)
    (tmp_path / "good.py").write_text("x = 1\n")
    return tmp_path


def test_check_text_output_has_location_source_line_and_caret(project):
    r = invoke(["check", "bad.py", "--no-cache"])
    assert r.exit_code == 1
    lines = r.stdout.splitlines()
    assert lines[0].startswith("bad.py:1:6: SL000 syntax error")
    assert lines[1] == " 1 | def f(x:"
    assert lines[2] == "   |      ^"
    assert "Found 1 finding (1 error) in 1 file." in r.stdout


def test_clean_run_exits_zero(project):
    r = invoke(["check", "good.py", "--no-cache"])
    assert r.exit_code == 0
    assert "All checks passed!" in r.stdout


def test_group_defaults_to_check(project):
    r = invoke(["bad.py", "--no-cache", "--format", "concise"])
    assert r.exit_code == 1
    assert r.stdout.startswith("bad.py:1:6: SL000")
    r = invoke(["--select", "SL0", "good.py", "--no-cache"])
    assert r.exit_code == 0


def test_folder_is_recursed_and_default_path_is_cwd(project):
    (project / "pkg" / "sub").mkdir(parents=True)
    (project / "pkg" / "sub" / "deep.py").write_text(SYNTAX)
    (project / "pkg" / "notes.txt").write_text(SYNTAX)
    r = invoke(["check", "--no-cache", "--format", "concise", "-q"])
    assert r.exit_code == 1
    assert sorted(l.split(":")[0] for l in r.stdout.splitlines()) == ["bad.py", "pkg/sub/deep.py"]


def test_json_format_is_one_array_with_the_documented_keys(project):
    r = invoke(["check", ".", "--format", "json", "--no-cache"])
    assert r.exit_code == 1
    data = json.loads(r.stdout)
    assert isinstance(data, list) and len(data) == 1
    d = data[0]
    assert {"path", "line", "column", "end_line", "end_column", "code", "severity", "message"} <= set(d)
    assert d["cell"] is None
    assert (d["path"], d["line"], d["column"], d["code"], d["severity"]) == ("bad.py", 1, 6, "SL000", "error")


def test_json_of_clean_run_is_empty_array(project):
    r = invoke(["check", "good.py", "--format", "json", "--no-cache"])
    assert r.exit_code == 0 and json.loads(r.stdout) == []


def test_missing_path_is_a_usage_error_without_traceback(project):
    r = invoke(["check", "good.py", "nope.py", "--no-cache"])
    assert r.exit_code == 2
    assert "no such file or directory: nope.py" in r.stderr
    assert "Traceback" not in r.output


def test_unknown_option_and_bad_selector_exit_2(project):
    assert invoke(["check", "--no-such-option", "good.py"]).exit_code == 2
    r = invoke(["check", "--select", "XYZ", "good.py"])
    assert r.exit_code == 2 and "unknown rule selector" in r.stderr


def test_select_ignore_extend_select_take_prefixes(project):
    assert invoke(["check", "bad.py", "--no-cache", "--ignore", "SL0"]).exit_code == 0
    assert invoke(["check", "bad.py", "--no-cache", "--select", "SL1,SL2"]).exit_code == 0
    assert invoke(["check", "bad.py", "--no-cache", "--select", "SL1", "--extend-select", "SL000"]).exit_code == 1
    assert invoke(["check", "bad.py", "--no-cache", "--select", "ALL"]).exit_code == 1


def test_exit_zero_quiet_statistics_and_output_file(project):
    r = invoke(["check", "bad.py", "--no-cache", "--exit-zero"])
    assert r.exit_code == 0 and "SL000" in r.stdout
    r = invoke(["check", "bad.py", "--no-cache", "-q", "--format", "concise"])
    assert r.stdout.strip().splitlines() == [r.stdout.strip()] and "Found" not in r.stdout
    (project / "bad2.py").write_text(SYNTAX)
    r = invoke(["check", ".", "--no-cache", "--statistics"])
    assert r.exit_code == 1
    assert r.stdout.split() == ["2", "SL000", "syntax-error"]
    r = invoke(["check", ".", "--no-cache", "--statistics", "--format", "json"])
    assert json.loads(r.stdout) == [{"code": "SL000", "name": "syntax-error", "count": 2}]
    r = invoke(["check", ".", "--no-cache", "--format", "json", "-o", "report.json"])
    assert r.exit_code == 1 and r.stdout == ""
    assert len(json.loads((project / "report.json").read_text())) == 2


def test_color_only_when_asked_or_on_a_terminal(project):
    plain = invoke(["check", "bad.py", "--no-cache"]).stdout
    assert "\x1b[" not in plain
    coloured = invoke(["check", "bad.py", "--no-cache", "--color", "always"], color=True).stdout
    assert "\x1b[" in coloured


@needs_sl101
def test_real_finding_text_and_json(project):
    (project / "bcast.py").write_text(BROADCAST)
    r = invoke(["check", "bcast.py", "--no-cache"])
    assert r.exit_code == 1
    assert r.stdout.startswith("bcast.py:2:5: SL101 ")
    r = invoke(["check", "bcast.py", "--no-cache", "--format", "json"])
    (d,) = json.loads(r.stdout)
    assert (d["line"], d["column"], d["end_line"], d["code"]) == (2, 5, 2, "SL101")
    assert d["end_column"] > d["column"]


def test_rules_and_explain(project):
    r = invoke(["rules"])
    assert r.exit_code == 0
    rows = {l.split()[0]: l for l in r.stdout.splitlines()}
    assert {"SL000", "SL001", "SL900"} <= set(rows)
    assert "opt-in" in rows["SL900"] and "syntax-error" in rows["SL000"]
    data = json.loads(invoke(["rules", "--format", "json"]).stdout)
    assert {"code": "SL900", "name": "unused-suppression", "severity": "warning",
            "default_enabled": False} .items() <= next(d for d in data if d["code"] == "SL900").items()
    r = invoke(["explain", "sl001"])
    assert r.exit_code == 0
    assert r.stdout.startswith("# SL001 (unreadable-file)")
    assert "## What it does" in r.stdout and "## Fix" in r.stdout
    r = invoke(["explain", "SL999"])
    assert r.exit_code == 2 and "unknown rule code" in r.stderr


def test_version():
    r = invoke(["--version"])
    assert r.exit_code == 0 and "shapelint" in r.stdout


def test_shapes_text_and_json(project):
    (project / "s.py").write_text("import numpy as np\nx = np.ones((3, 4))\ny = x.T\n")
    r = invoke(["shapes", "s.py", "--no-cache", "--format", "json"])
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert [(d["path"], d["line"], d["column"], d["name"]) for d in data] == [("s.py", 2, 1, "x"), ("s.py", 3, 1, "y")]
    for d in data:
        assert set(d) == {"path", "line", "column", "name", "shape", "origin"}
    assert data[0]["origin"] == "inferred from the code"
    r = invoke(["shapes", "s.py", "--no-cache"])
    lines = r.stdout.splitlines()
    assert lines[0].startswith("s.py:2:1: x: ")
    if data[0]["shape"] == [3, 4]:  # once the inference pass knows np.ones
        assert lines == ["s.py:2:1: x: (3, 4)", "s.py:3:1: y: (4, 3)"]


def test_shapes_reports_unparsable_files_on_stderr(project):
    r = invoke(["shapes", "bad.py", "--no-cache"])
    assert r.exit_code == 1
    assert "bad.py:1:6: SL000" in r.stderr and r.stdout == ""


def test_format_shape():
    assert format_shape(None) == "unknown"
    assert format_shape([]) == "()"
    assert format_shape([3]) == "(3,)"
    assert format_shape([3, "n", None]) == "(3, n, ?)"


def test_run_delegates_all_arguments_unprocessed(monkeypatch):
    seen = {}

    def run_command(argv):
        seen["argv"] = argv
        return 7

    mod = types.ModuleType("shapelint.runtime.run")
    mod.run_command = run_command
    monkeypatch.setitem(sys.modules, "shapelint.runtime.run", mod)
    r = invoke(["run", "script.py", "--epochs", "3", "-v", "--help", "--", "x"])
    assert r.exit_code == 7
    assert seen["argv"] == ["script.py", "--epochs", "3", "-v", "--help", "--", "x"]


def test_run_without_runtime_module_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "shapelint.runtime.run", None)  # import fails
    r = invoke(["run", "script.py"])
    assert r.exit_code == 2
    assert "shapelint run" in r.stderr and "Traceback" not in r.output


def test_import_is_cheap():
    code = "import sys, shapelint.cli; print(sorted(m for m in ('libcst', 'numpy', 'shapelint.analysis') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_console_entry_point_in_a_subprocess(tmp_path):
    (tmp_path / "bad.py").write_text(SYNTAX)
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    cmd = [sys.executable, "-c", "from shapelint.cli import main; main()"]
    p = subprocess.run(cmd + ["bad.py", "--no-cache"], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert p.returncode == 1 and "bad.py:1:6: SL000" in p.stdout
    p = subprocess.run(cmd + ["missing.py"], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert p.returncode == 2 and "missing.py" in p.stderr and "Traceback" not in p.stderr


def test_progress_bar_only_for_large_runs_on_a_terminal(monkeypatch):
    import shapelint.cli as cli_mod

    events = []

    class FakeBar:
        def __init__(self, length, **kw):
            events.append(("start", length, kw["file"] is sys.stderr))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            events.append(("end",))

        def update(self, n):
            events.append(("update", n))

    monkeypatch.setattr(cli_mod.click, "progressbar", FakeBar)
    small = cli_mod._Progress(enabled=True)
    small(cli_mod.PROGRESS_MIN_FILES - 1)
    small(-1)
    small.close()
    off = cli_mod._Progress(enabled=False)
    off(1000)
    off(-1)
    off.close()
    assert events == []
    bar = cli_mod._Progress(enabled=True)
    bar(60)
    bar(-1)
    bar(-1)
    bar.close()
    assert events == [("start", 60, True), ("update", 1), ("update", 1), ("end",)]


def test_quiet_hides_warnings_but_not_findings(project, monkeypatch):
    import shapelint.analysis as analysis
    from shapelint.diagnostics import FileResult

    real = analysis.analyze_source

    def skipping(source, path="<string>", codes=None, collect_shapes=False, **settings):
        if path.endswith("deep.py"):
            return FileResult(path=path, error="expression nesting too deep to analyze: skipped")
        return real(source, path, codes, collect_shapes, **settings)

    monkeypatch.setattr(analysis, "analyze_source", skipping)
    (project / "deep.py").write_text("x = 1\n")
    r = invoke(["check", ".", "--no-cache"])
    assert r.exit_code == 1 and "deep.py: warning: expression nesting too deep" in r.stderr
    r = invoke(["check", ".", "--no-cache", "-q"])
    assert r.stderr == "" and "bad.py:1:6: SL000" in r.stdout


def test_source_from_stdin(project):
    r = invoke(["check", "-", "--stdin-filename", "pkg/mod.py", "--format", "concise"], input=SYNTAX)
    assert r.exit_code == 1 and r.stdout.startswith("pkg/mod.py:1:6: SL000")
    r = invoke(["-"], input="x = 1\n")
    assert r.exit_code == 0 and "All checks passed!" in r.stdout
    nb = json.dumps({"cells": [{"cell_type": "markdown", "source": "t"}, {"cell_type": "code", "source": "y = (\n"}]})
    r = invoke(["check", "-", "--stdin-filename", "a.ipynb", "--format", "json"], input=nb)
    assert [(d["path"], d["cell"], d["line"]) for d in json.loads(r.stdout)] == [("a.ipynb", 2, 1)]
    r = invoke(["check", "-", "--stdin-filename", "build/gen.py", "--force-exclude"], input=SYNTAX)
    assert r.exit_code == 0
    (project / "shapelint.toml").write_text('per-file-ignores = {"tests/*" = ["SL000"]}\n')
    assert invoke(["check", "-", "--stdin-filename", "tests/t.py"], input=SYNTAX).exit_code == 0
    r = invoke(["check", "-", "good.py"], input="")
    assert r.exit_code == 2 and "cannot be combined" in r.stderr
