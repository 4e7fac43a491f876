"""Run the checkout's shapelint on many files per invocation (``check`` and ``shapes``, JSON output).

shapelint runs as ``[sys.executable, "-m", "shapelint", ...]`` with
``PYTHONPATH`` set to the repository root that holds this bench script, so
running the benchmark from a worktree measures that worktree.  It runs with
``--isolated`` (no configuration file of a corpus repository applies) from
the work folder.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parents[2]
BATCH = 1000  # files per shapelint invocation (each starts its own process pool)

_INTERNAL_RE = re.compile(r"^(?P<path>\S.*?): (?P<msg>internal error.*)$")


def _abs(cwd: Path, path: str) -> str:
    """shapelint prints paths relative to its cwd when it can: back to the absolute path we gave."""
    return os.path.normpath(os.path.join(str(cwd), path))


@dataclass(frozen=True)
class Finding:
    line: int
    code: str
    severity: str
    message: str
    column: int = 0

    def to_json(self) -> dict:
        return {"line": self.line, "column": self.column, "code": self.code, "severity": self.severity,
                "message": self.message}


def _env() -> Dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("SHAPELINT_CACHE_DIR", None)
    return env


def _run(args: Sequence[str], cwd: Path) -> Tuple[str, str, int]:
    proc = subprocess.run([sys.executable, "-m", "shapelint", *args], cwd=str(cwd), env=_env(),
                          capture_output=True, text=True)
    return proc.stdout, proc.stderr, proc.returncode


def _batches(paths: Sequence[Path]) -> List[List[Path]]:
    return [list(paths[i:i + BATCH]) for i in range(0, len(paths), BATCH)]


def check(paths: Sequence[Path], cwd: Path, jobs: int, progress: Callable[[str], None] = lambda m: None
          ) -> Tuple[Dict[str, List[Finding]], Dict[str, str]]:
    """path -> findings, and path -> internal error message, for every file given."""
    findings: Dict[str, List[Finding]] = {str(p): [] for p in paths}
    internal: Dict[str, str] = {}
    batches = _batches(paths)
    for n, batch in enumerate(batches, 1):
        out, err, code = _run(["check", "--no-cache", "--isolated", "--exit-zero", "--format", "json",
                               "--jobs", str(jobs), *map(str, batch)], cwd)
        if code not in (0, 1, 2) or not out.strip():
            raise RuntimeError(f"shapelint check failed (exit {code}): {err.strip()[-2000:]}")
        for f in json.loads(out):
            findings.setdefault(_abs(cwd, f["path"]), []).append(
                Finding(f["line"], f["code"], f["severity"], f["message"], f.get("column", 0)))
        for line in err.splitlines():
            m = _INTERNAL_RE.match(line.strip())
            if m:
                internal[_abs(cwd, m.group("path"))] = m.group("msg")
        if code == 2 and not any(str(p) in internal for p in batch):
            # an internal error whose message names no file of ours: keep its text for the report
            internal[f"<batch {n}>"] = err.strip()[-500:]
        if len(batches) > 1:
            progress(f"lint: batch {n}/{len(batches)}")
    return findings, internal


def fix(paths: Sequence[Path], cwd: Path, jobs: int, flags: Sequence[str]) -> Dict[str, str]:
    """Apply shapelint's fixes to every file given, in place; path (or batch) -> problem, for the ones whose
    run failed (an internal error, or the fixer's exit status)."""
    problems: Dict[str, str] = {}
    for n, batch in enumerate(_batches(paths), 1):
        out, err, code = _run(["check", *flags, "--no-cache", "--isolated", "--exit-zero", "--format", "json",
                               "--jobs", str(jobs), *map(str, batch)], cwd)
        for line in err.splitlines():
            m = _INTERNAL_RE.match(line.strip())
            if m:
                problems[_abs(cwd, m.group("path"))] = m.group("msg")
        if code not in (0, 1) and not any(str(p) in problems for p in batch):
            problems[f"<batch {n}>"] = f"exit {code}: {err.strip()[-500:]}"
    return problems


def shapes(paths: Sequence[Path], cwd: Path, jobs: int) -> Dict[str, List[dict]]:
    """path -> the `shapelint shapes` entries ({line, name, shape})."""
    out_map: Dict[str, List[dict]] = {str(p): [] for p in paths}
    for batch in _batches(paths):
        out, err, code = _run(["shapes", "--no-cache", "--isolated", "--format", "json", "--jobs", str(jobs),
                               *map(str, batch)], cwd)
        if not out.strip():
            if code in (0, 1):
                continue
            raise RuntimeError(f"shapelint shapes failed (exit {code}): {err.strip()[-2000:]}")
        for entry in json.loads(out):
            out_map.setdefault(_abs(cwd, entry["path"]), []).append(entry)
    return out_map


def version() -> Optional[str]:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=30)
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "shapelint"],
                               capture_output=True, text=True, timeout=30).stdout.strip()
        return out.stdout.strip() + (" + uncommitted changes under shapelint/" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None
