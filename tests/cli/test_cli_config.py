"""Configuration: pyproject.toml [tool.shapelint] / shapelint.toml, found walking up from the cwd."""

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from shapelint.cli import cli
from shapelint.config import CliOverrides, ConfigError, find_config, load_settings
from shapelint.rules import default_codes

SYNTAX = "def f(x:\n    return x\n"


def invoke(args):
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def codes_of(result):
    return sorted({d["code"] for d in json.loads(result.stdout)})


@pytest.fixture
def proj(tmp_path, monkeypatch):
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "bad.py").write_text(SYNTAX)
    (tmp_path / "src" / "pkg" / "ok.py").write_text("x = 1  # noqa: SL101\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_pyproject(root: Path, body: str) -> None:
    (root / "pyproject.toml").write_text("[project]\nname = 'demo'\n\n[tool.shapelint]\n" + textwrap.dedent(body))


def test_config_found_by_walking_up_from_the_cwd(proj, monkeypatch):
    write_pyproject(proj, 'ignore = ["SL000"]\n')
    monkeypatch.chdir(proj / "src" / "pkg")
    assert find_config(Path.cwd()) == proj / "pyproject.toml"
    assert invoke(["check", "bad.py", "--no-cache"]).exit_code == 0


def test_pyproject_without_our_table_is_skipped(proj, monkeypatch):
    (proj / "src" / "pyproject.toml").write_text("[project]\nname = 'inner'\n")
    write_pyproject(proj, 'ignore = ["SL000"]\n')
    monkeypatch.chdir(proj / "src")
    assert find_config(Path.cwd()) == proj / "pyproject.toml"


def test_shapelint_toml_wins_in_the_same_folder(proj):
    write_pyproject(proj, 'ignore = ["SL000"]\n')
    (proj / "shapelint.toml").write_text('select = ["SL0"]\n')
    assert find_config(proj) == proj / "shapelint.toml"
    assert invoke(["check", "src", "--no-cache"]).exit_code == 1


def test_unknown_key_is_an_error_naming_it(proj):
    write_pyproject(proj, 'selct = ["SL1"]\n')
    r = invoke(["check", "src", "--no-cache"])
    assert r.exit_code == 2
    assert "unknown key 'selct'" in r.stderr and "Traceback" not in r.output
    write_pyproject(proj, 'extend_select = ["SL1"]\n')
    r = invoke(["check", "src", "--no-cache"])
    assert r.exit_code == 2 and "did you mean 'extend-select'" in r.stderr


@pytest.mark.parametrize("body, message", [
    ('select = "SL1"\nignore = [1]\n', "'ignore' must be a list of strings"),
    ('select = ["SL7"]\n', "unknown rule selector"),
    ('severity = {SL000 = "fatal"}\n', "must be \"error\" or \"warning\""),
    ('per-file-ignores = ["x"]\n', "per-file-ignores"),
    ('respect-gitignore = "yes"\n', "respect-gitignore"),
    ('select = [\n', "invalid TOML"),
])
def test_invalid_values_are_errors(proj, body, message):
    write_pyproject(proj, body) if "[\n" not in body else (proj / "shapelint.toml").write_text(body)
    r = invoke(["check", "src", "--no-cache"])
    assert r.exit_code == 2
    assert message in r.stderr


def test_extend_select_and_per_file_ignores(proj):
    write_pyproject(proj, """\
        extend-select = ["SL900"]
        per-file-ignores = {"src/pkg/bad.py" = ["SL000"]}
    """)
    r = invoke(["check", ".", "--no-cache", "--format", "json"])
    assert codes_of(r) == ["SL900"]  # the stale noqa in ok.py; bad.py's SL000 is ignored for that file


def test_per_file_ignores_by_name_and_by_folder(proj):
    write_pyproject(proj, 'per-file-ignores = {"bad.py" = ["SL0"], "src/*" = ["SL900"]}\nextend-select = ["SL900"]\n')
    r = invoke(["check", ".", "--no-cache", "--format", "json"])
    assert r.exit_code == 0, r.stdout


def test_severity_override(proj):
    write_pyproject(proj, 'severity = {SL000 = "warning"}\n')
    (d,) = json.loads(invoke(["check", "src", "--no-cache", "--format", "json"]).stdout)
    assert d["severity"] == "warning"


def test_command_line_wins(proj):
    write_pyproject(proj, 'ignore = ["SL000"]\n')
    assert invoke(["check", "src", "--no-cache"]).exit_code == 0
    assert invoke(["check", "src", "--no-cache", "--extend-select", "SL000"]).exit_code == 1
    assert invoke(["check", "src", "--no-cache", "--select", "SL0"]).exit_code == 1
    write_pyproject(proj, 'select = ["SL000"]\n')
    assert invoke(["check", "src", "--no-cache", "--ignore", "SL000"]).exit_code == 0


def test_isolated_and_explicit_config(proj, tmp_path_factory):
    write_pyproject(proj, 'ignore = ["SL000"]\n')
    assert invoke(["check", "src", "--no-cache", "--isolated"]).exit_code == 1
    other = tmp_path_factory.mktemp("cfg") / "shapelint.toml"
    other.write_text('extend-select = ["SL900"]\n')
    r = invoke(["check", "src", "--no-cache", "--config", str(other), "--format", "json"])
    assert codes_of(r) == ["SL000", "SL900"]
    r = invoke(["check", "src", "--config", str(proj / "missing.toml")])
    assert r.exit_code == 2


def test_exclude_include_from_config(proj):
    (proj / "src" / "gen").mkdir()
    (proj / "src" / "gen" / "g.py").write_text(SYNTAX)
    (proj / "src" / "tool.pyw").write_text(SYNTAX)
    write_pyproject(proj, 'extend-exclude = ["src/gen"]\nextend-include = ["*.pyw"]\n')
    paths = sorted(d["path"] for d in json.loads(invoke(["check", ".", "--no-cache", "--format", "json"]).stdout))
    assert paths == ["src/pkg/bad.py", "src/tool.pyw"]
    write_pyproject(proj, 'exclude = ["pkg"]\ninclude = ["*.pyw"]\n')
    paths = sorted(d["path"] for d in json.loads(invoke(["check", ".", "--no-cache", "--format", "json"]).stdout))
    assert paths == ["src/tool.pyw"]


def test_load_settings_layering(tmp_path):
    (tmp_path / "shapelint.toml").write_text('select = ["SL0"]\nignore = ["SL001"]\nextend-select = ["SL900"]\n')
    s = load_settings(tmp_path, CliOverrides())
    assert s.codes == {"SL000", "SL002", "SL900"} and s.root == tmp_path.resolve()
    s = load_settings(tmp_path, CliOverrides(select=["SL001"]))
    assert s.codes == {"SL001"}
    s = load_settings(tmp_path, CliOverrides(), isolated=True)
    assert s.codes == default_codes()
    with pytest.raises(ConfigError):
        load_settings(tmp_path, CliOverrides(ignore=["nonsense"]))
