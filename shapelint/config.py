"""Configuration: ``[tool.shapelint]`` in ``pyproject.toml``, or ``shapelint.toml``.

The configuration file is found by walking up from the current directory,
like ruff: in each directory ``shapelint.toml`` wins over ``pyproject.toml``,
and a ``pyproject.toml`` counts only when it has a ``[tool.shapelint]`` table.
The directory holding the file is the *project root*: relative paths in the
configuration (``exclude``, ``per-file-ignores``) and the cache directory are
relative to it.  Without a configuration file the root is the current
directory.

Keys (all optional; an unknown key is an error that names it)::

    select = ["SL1", "SL204"]        # codes or prefixes; default: the default set
    extend-select = ["SL900"]        # added to select
    ignore = ["SL204"]               # removed
    per-file-ignores = {"tests/*" = ["SL2"]}
    exclude = ["generated"]          # replaces the default exclude list
    extend-exclude = ["scratch/*.py"]
    include = ["*.py", "*.ipynb"]    # which files are picked up in folders
    extend-include = ["*.pyw"]
    respect-gitignore = true
    severity = {SL204 = "error"}     # severity overrides
    implicit-numpy = true            # `np` used and never bound in a file is NumPy

Command-line options win over the file: ``--select`` replaces the selection
(the file's ``ignore`` and ``extend-select`` are then dropped, as in ruff),
``--extend-select`` and ``--ignore`` are applied after the file's.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

CONFIG_FILES = ("shapelint.toml", "pyproject.toml")

# The directories and files that are never entered when a folder is linted
# (ruff's list, plus our own cache).  `exclude` replaces it; `extend-exclude`
# adds to it.
DEFAULT_EXCLUDE: Tuple[str, ...] = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints",
    ".mypy_cache", ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype",
    ".ruff_cache", ".shapelint_cache", ".svn", ".tox", ".venv", ".vscode",
    "__pycache__", "__pypackages__", "_build", "buck-out", "build", "dist",
    "node_modules", "site-packages", "venv",
)
# Stubs (*.pyi) are not walked into: they hold no code to check (numpy's typing
# test data is stubs that are wrong on purpose); one named on the command line is checked.
DEFAULT_INCLUDE: Tuple[str, ...] = ("*.py", "*.ipynb")

_LIST_KEYS = ("select", "ignore", "extend-select", "exclude", "extend-exclude", "include", "extend-include")
_KNOWN_KEYS = set(_LIST_KEYS) | {"per-file-ignores", "severity", "respect-gitignore", "implicit-numpy"}


class ConfigError(Exception):
    """A configuration file or option that cannot be used (exit code 2)."""


@dataclass
class Settings:
    """The merged configuration of one run."""

    root: Path
    config_path: Optional[Path] = None
    codes: Set[str] = field(default_factory=set)
    per_file_ignores: List[Tuple[str, Set[str]]] = field(default_factory=list)
    exclude: List[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDE))
    include: List[str] = field(default_factory=lambda: list(DEFAULT_INCLUDE))
    severity: Dict[str, str] = field(default_factory=dict)
    respect_gitignore: bool = True
    # `np.dot(...)` in a file that never imports or binds `np`: NumPy, imported elsewhere
    # (a grader, another notebook cell); see shapelint.analysis.implicit
    implicit_numpy: bool = True

    def codes_for(self, rel_path: str) -> Set[str]:
        """The enabled codes for one file (``rel_path``: POSIX, relative to the root)."""
        if not self.per_file_ignores:
            return self.codes
        from shapelint.discovery import glob_match

        codes = set(self.codes)
        for pattern, ignored in self.per_file_ignores:
            if glob_match(pattern, rel_path):
                codes -= ignored
        return codes

    def relative(self, path: Path) -> str:
        """``path`` as ``codes_for`` takes it: POSIX, relative to the root (absolute when outside it)."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()


@dataclass
class CliOverrides:
    select: Optional[List[str]] = None
    ignore: List[str] = field(default_factory=list)
    extend_select: List[str] = field(default_factory=list)
    exclude: Optional[List[str]] = None
    extend_exclude: List[str] = field(default_factory=list)
    respect_gitignore: Optional[bool] = None


def find_config(start: Path) -> Optional[Path]:
    """The nearest ``shapelint.toml`` or ``pyproject.toml`` with ``[tool.shapelint]``."""
    start = start.resolve()
    for directory in (start, *start.parents):
        candidate = directory / "shapelint.toml"
        if candidate.is_file():
            return candidate
        candidate = directory / "pyproject.toml"
        if candidate.is_file() and _has_tool_table(candidate):
            return candidate
    return None


def _has_tool_table(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if "shapelint" not in text:  # cheap pre-check before parsing TOML
        return False
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        # A broken pyproject.toml that mentions us: load_config reports it.
        return True
    return isinstance(data.get("tool"), dict) and "shapelint" in data["tool"]


def read_config_table(path: Path) -> Dict[str, Any]:
    """The shapelint table of a configuration file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("shapelint", {})
        where = "[tool.shapelint]"
    else:
        # shapelint.toml: keys at the top level (a [tool.shapelint] table is accepted too).
        tool = data.get("tool")
        if isinstance(tool, dict) and "shapelint" in tool and len(data) == 1:
            table, where = tool["shapelint"], "[tool.shapelint]"
        else:
            table, where = data, "the top level"
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {where} must be a table")
    for key in table:
        if key not in _KNOWN_KEYS:
            hint = ""
            underscored = key.replace("_", "-")
            if underscored in _KNOWN_KEYS:
                hint = f" (did you mean '{underscored}'?)"
            raise ConfigError(f"{path}: unknown key '{key}' in {where}{hint}; "
                              f"known keys: {', '.join(sorted(_KNOWN_KEYS))}")
    return table


def _str_list(path: Path, key: str, value: Any) -> List[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: '{key}' must be a list of strings")
    return list(value)


def _expand(selectors: Sequence[str], where: str) -> Set[str]:
    from shapelint.rules import expand_selectors

    try:
        return expand_selectors(selectors)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def load_settings(cwd: Path, cli: CliOverrides, config_path: Optional[Path] = None,
                  isolated: bool = False) -> Settings:
    """Find and read the configuration, then apply the command-line options."""
    from shapelint.rules import all_rules, default_codes

    if config_path is None and not isolated:
        config_path = find_config(cwd)
    table: Dict[str, Any] = {}
    if config_path is not None and not isolated:
        config_path = config_path.resolve()
        if not config_path.is_file():
            raise ConfigError(f"{config_path}: configuration file not found")
        table = read_config_table(config_path)
    root = config_path.parent if config_path is not None and not isolated else cwd.resolve()
    src = config_path if config_path is not None else Path("<config>")
    settings = Settings(root=root, config_path=config_path if not isolated else None)

    lists = {key: _str_list(src, key, table[key]) for key in _LIST_KEYS if key in table}

    # Rule selection, layered ruff-style: the file, then the command line.
    if cli.select is not None:
        codes = _expand(cli.select, "--select")
    else:
        codes = _expand(lists["select"], f"{src}: select") if "select" in lists else set(default_codes())
        codes |= _expand(lists.get("extend-select", []), f"{src}: extend-select")
        codes -= _expand(lists.get("ignore", []), f"{src}: ignore")
    codes |= _expand(cli.extend_select, "--extend-select")
    codes -= _expand(cli.ignore, "--ignore")
    settings.codes = codes

    pfi = table.get("per-file-ignores", {})
    if not isinstance(pfi, dict):
        raise ConfigError(f"{src}: 'per-file-ignores' must be a table of glob = [codes]")
    for pattern, selectors in pfi.items():
        sels = _str_list(src, f"per-file-ignores.{pattern}", selectors)
        settings.per_file_ignores.append((pattern, _expand(sels, f"{src}: per-file-ignores")))

    if cli.exclude is not None:
        settings.exclude = list(cli.exclude)
    elif "exclude" in lists:
        settings.exclude = lists["exclude"]
    settings.exclude += lists.get("extend-exclude", []) + list(cli.extend_exclude)

    if "include" in lists:
        settings.include = lists["include"]
    settings.include += lists.get("extend-include", [])

    sev = table.get("severity", {})
    if not isinstance(sev, dict):
        raise ConfigError(f"{src}: 'severity' must be a table such as {{SL204 = \"error\"}}")
    rules = all_rules()
    for code, level in sev.items():
        code_u = str(code).upper()
        if level not in ("error", "warning"):
            raise ConfigError(f"{src}: severity.{code} must be \"error\" or \"warning\", not {level!r}")
        for c in _expand([code_u], f"{src}: severity"):
            if c in rules:
                settings.severity[c] = level

    rg = table.get("respect-gitignore", True)
    if not isinstance(rg, bool):
        raise ConfigError(f"{src}: 'respect-gitignore' must be true or false")
    settings.respect_gitignore = rg if cli.respect_gitignore is None else cli.respect_gitignore

    implicit = table.get("implicit-numpy", True)
    if not isinstance(implicit, bool):
        raise ConfigError(f"{src}: 'implicit-numpy' must be true or false")
    settings.implicit_numpy = implicit
    return settings


def settings_for_file(path: Path) -> Settings:
    """The settings ``shapelint check`` uses for one file when it is run from the file's folder
    (an editor's view of one file): the configuration is found walking up from there."""
    return load_settings(path.parent, CliOverrides())
