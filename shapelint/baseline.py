"""``--baseline FILE``: accept today's findings, fail only on new ones.

A finding's key is (file path relative to the baseline file's folder, code,
the text of the reported line with its whitespace normalised, occurrence
index among the findings of that file with the same code and line text).
Line numbers are not part of it, so edits that move code up or down do not
turn old findings into new ones; editing the reported line itself does.

The file is JSON, sorted, one finding per object, so it diffs well in review.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple

from shapelint.diagnostics import Diagnostic

FORMAT = 1
Key = Tuple[str, str, str, int]


class BaselineError(Exception):
    pass


def normalize(text: str) -> str:
    return " ".join(text.split())


def _rel(path: str, base: Path, cwd: Path) -> str:
    p = Path(path)
    if not p.is_absolute():
        p = cwd / p
    return Path(os.path.relpath(os.path.normpath(p), base)).as_posix()


def keyed(diagnostics: Sequence[Diagnostic], base: Path, cwd: Path) -> List[Tuple[Key, Diagnostic]]:
    """Each finding with its key, in a stable order."""
    seen: Counter = Counter()
    out = []
    for d in sorted(diagnostics, key=lambda d: (d.path, d.cell or 0, d.line, d.column, d.code)):
        ident = (_rel(d.path, base, cwd), d.code, normalize(d.source_line))
        out.append(((*ident, seen[ident]), d))
        seen[ident] += 1
    return out


def load(path: Path) -> Counter:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read the baseline: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: not a shapelint baseline (invalid JSON: {exc}); "
                            f"delete it or pass --update-baseline to write a new one") from None
    if not isinstance(data, dict) or data.get("shapelint_baseline") != FORMAT or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{path}: not a shapelint baseline (format {FORMAT}); pass --update-baseline to rewrite it")
    keys: Counter = Counter()
    for f in data["findings"]:
        try:
            keys[(str(f["path"]), str(f["code"]), normalize(str(f["line_text"])), int(f["occurrence"]))] += 1
        except (KeyError, TypeError, ValueError):
            raise BaselineError(f"{path}: malformed baseline entry {f!r}") from None
    return keys


def apply(diagnostics: Sequence[Diagnostic], path: Path, cwd: Path) -> Tuple[List[Diagnostic], int]:
    """(the findings not in the baseline, how many were in it)."""
    known = load(path)
    base = path.resolve().parent
    new: List[Diagnostic] = []
    hidden = 0
    for key, d in keyed(diagnostics, base, cwd):
        if known[key] > 0:
            known[key] -= 1
            hidden += 1
        else:
            new.append(d)
    return new, hidden


def write(diagnostics: Iterable[Diagnostic], path: Path, cwd: Path) -> int:
    from shapelint import __version__
    from shapelint.cache import atomic_write

    base = path.resolve().parent
    findings: List[Dict] = []
    for (rel, code, text, occ), d in keyed(list(diagnostics), base, cwd):
        findings.append({"path": rel, "code": code, "line_text": text, "occurrence": occ,
                         "cell": d.cell, "line": d.line, "message": d.message})
    findings.sort(key=lambda f: (f["path"], f["code"], f["line_text"], f["occurrence"]))
    doc = {"shapelint_baseline": FORMAT, "shapelint_version": __version__,
           "comment": "Findings accepted on creation; only new ones fail the run. "
                      "Keys: path, code, line_text, occurrence (line, cell, message are informational).",
           "findings": findings}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8"), shared=True)
    except OSError as exc:
        raise BaselineError(f"{path}: cannot write the baseline: {exc.strerror or exc}") from None
    return len(findings)
