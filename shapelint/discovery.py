"""Which files a run lints.

Folders are walked recursively; a file found there is linted when its name
matches ``include`` (default ``*.py``, ``*.ipynb``: stubs are skipped) and neither it
nor a folder above it (below the folder named on the command line) matches
``exclude`` / ``extend-exclude`` or a ``.gitignore`` rule.  A file named on
the command line is always linted, unless ``--force-exclude`` is given and it
matches ``exclude`` / ``extend-exclude``.

Glob patterns, as in ruff: a pattern without ``/`` matches a file or folder
*name* anywhere (``build``, ``*_pb2.py``); a pattern with ``/`` matches the
path relative to the project root (``scripts/gen/*.py``) and also matches
everything below a folder it matches.  ``*`` and ``?`` stay inside one path
component, ``**`` spans any number of them.

``.gitignore`` files are honoured in the folders walked and in their parent
folders up to the root of the git work tree (plus ``.git/info/exclude``);
outside a git repository, only those inside the folders walked.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Tuple


@lru_cache(maxsize=512)
def _glob_regex(pattern: str) -> "re.Pattern[str]":
    """Translate a glob (``*``, ``?``, ``[...]``, ``**``) to a regex for a whole path."""
    i, n = 0, len(pattern)
    out: List[str] = []
    while i < n:
        c = pattern[i]
        if c == "*":
            if pattern.startswith("**", i):
                # '**/' -> any number of leading directories; a trailing '**' -> anything.
                if pattern.startswith("**/", i):
                    out.append("(?:.*/)?")
                    i += 3
                else:
                    out.append(".*")
                    i += 2
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = i + 1
            if j < n and pattern[j] in "!^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 1
            if j >= n:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1:j]
                if body[:1] in ("!", "^"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = j
        elif c == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def glob_match(pattern: str, rel_path: str) -> bool:
    """Does ``pattern`` match ``rel_path`` (POSIX), a name anywhere or a path prefix?"""
    pattern = pattern.strip()
    if pattern.startswith("./"):
        pattern = pattern[2:]
    pattern = pattern.rstrip("/")
    if not pattern:
        return False
    parts = rel_path.strip("/").split("/")
    if "/" not in pattern:
        rx = _glob_regex(pattern)
        return any(rx.match(p) for p in parts)
    rx = _glob_regex(pattern.lstrip("/") if not os.path.isabs(pattern) else pattern)
    path = rel_path if os.path.isabs(pattern) else rel_path.lstrip("/")
    if rx.match(path):
        return True
    # A folder that matches covers everything below it.
    prefix = ""
    lead = "/" if path.startswith("/") else ""
    for p in path.strip("/").split("/")[:-1]:
        prefix = f"{prefix}/{p}" if prefix else f"{lead}{p}"
        if rx.match(prefix):
            return True
    return False


class PathFilter:
    """exclude / include patterns, resolved against the project root."""

    def __init__(self, root: Path, exclude: Sequence[str], include: Sequence[str]):
        self.root = root
        self.name_excludes = [_glob_regex(p.rstrip("/")) for p in exclude if "/" not in p.rstrip("/")]
        self.path_excludes = [_glob_regex(self._absolute(p)) for p in exclude if "/" in p.rstrip("/")]
        self.name_includes = [_glob_regex(p) for p in include if "/" not in p]
        self.path_includes = [_glob_regex(self._absolute(p)) for p in include if "/" in p]

    def _absolute(self, pattern: str) -> str:
        pattern = pattern.strip().rstrip("/")
        if pattern.startswith("./"):
            pattern = pattern[2:]
        if os.path.isabs(pattern):
            return Path(pattern).as_posix()
        if pattern.startswith("**"):
            return pattern
        return (self.root.as_posix().rstrip("/") + "/" + pattern)

    def excluded_entry(self, abs_path: str, name: str) -> bool:
        """Is this one folder or file (met while walking) excluded?"""
        if any(rx.match(name) for rx in self.name_excludes):
            return True
        p = abs_path.replace(os.sep, "/")
        return any(rx.match(p) for rx in self.path_excludes)

    def excluded_explicit(self, path: Path) -> bool:
        """For --force-exclude: the file, or a folder above it below the root, excluded?"""
        path = path.absolute()
        try:
            rel_parts = path.relative_to(self.root).parts
            chain = [self.root.joinpath(*rel_parts[:k]) for k in range(1, len(rel_parts) + 1)]
        except ValueError:
            chain = [path]
        return any(self.excluded_entry(str(p), p.name) for p in chain)

    def included(self, abs_path: str, name: str) -> bool:
        if any(rx.match(name) for rx in self.name_includes):
            return True
        p = abs_path.replace(os.sep, "/")
        return any(rx.match(p) for rx in self.path_includes)


@dataclass
class _IgnoreRule:
    regex: "re.Pattern[str]"
    negate: bool
    dir_only: bool


class GitIgnore:
    """The rules of one ``.gitignore`` file, relative to its folder."""

    def __init__(self, base: str, lines: Iterable[str]):
        self.base = base.replace(os.sep, "/").rstrip("/")
        self.rules: List[_IgnoreRule] = []
        for raw in lines:
            rule = self._parse(raw)
            if rule is not None:
                self.rules.append(rule)

    @staticmethod
    def _parse(raw: str) -> Optional[_IgnoreRule]:
        line = raw.rstrip("\n").rstrip("\r")
        # Trailing spaces are ignored unless escaped.
        while line.endswith(" ") and not line.endswith("\\ "):
            line = line[:-1]
        if not line or line.startswith("#"):
            return None
        negate = False
        if line.startswith("!"):
            negate, line = True, line[1:]
        elif line.startswith("\\!") or line.startswith("\\#"):
            line = line[1:]
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            return None
        anchored = "/" in line
        line = line.lstrip("/")
        regex = _glob_regex(line if anchored or line.startswith("**") else "**/" + line)
        return _IgnoreRule(regex, negate, dir_only)

    @classmethod
    def load(cls, path: Path) -> Optional["GitIgnore"]:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        gi = cls(str(path.parent) if path.name == ".gitignore" else str(path.parent.parent.parent), text.splitlines())
        return gi if gi.rules else None

    def verdict(self, abs_path: str, is_dir: bool) -> Optional[bool]:
        """True: ignored, False: re-included by a ``!`` rule, None: no rule matches."""
        p = abs_path.replace(os.sep, "/")
        if not p.startswith(self.base + "/"):
            return None
        rel = p[len(self.base) + 1:]
        result: Optional[bool] = None
        for rule in self.rules:
            if rule.dir_only and not is_dir:
                continue
            if rule.regex.match(rel):
                result = not rule.negate
        return result


def _ignored(stack: Sequence[GitIgnore], abs_path: str, is_dir: bool) -> bool:
    result = False
    for gi in stack:
        v = gi.verdict(abs_path, is_dir)
        if v is not None:
            result = v
    return result


def _git_root(start: Path) -> Optional[Path]:
    for d in (start, *start.parents):
        if (d / ".git").exists():
            return d
    return None


def _ancestor_ignores(directory: Path) -> List[GitIgnore]:
    """``.gitignore`` files above ``directory`` up to its git work tree root."""
    root = _git_root(directory)
    if root is None:
        return []
    out: List[GitIgnore] = []
    exclude = GitIgnore.load(root / ".git" / "info" / "exclude") if (root / ".git").is_dir() else None
    if exclude is not None:
        out.append(exclude)
    chain = [directory, *directory.parents]
    for d in reversed(chain[1:chain.index(root) + 1] if root in chain else []):
        gi = GitIgnore.load(d / ".gitignore")
        if gi is not None:
            out.append(gi)
    return out


class MissingPath(Exception):
    pass


def display_path(path: Path, cwd: Path) -> str:
    """How a file is named in the output: relative to the cwd when below it."""
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return path.as_posix()


def discover(paths: Sequence[str], root: Path, exclude: Sequence[str], include: Sequence[str],
             respect_gitignore: bool = True, force_exclude: bool = False,
             cwd: Optional[Path] = None) -> List[Tuple[Path, str]]:
    """(absolute path, display path) of every file to lint, sorted, without duplicates.

    Raises MissingPath naming every path that does not exist.
    """
    cwd = (cwd or Path.cwd()).absolute()
    flt = PathFilter(root, exclude, include)
    missing = [p for p in paths if not os.path.exists(cwd / p)]
    if missing:
        raise MissingPath(", ".join(missing))
    found: dict = {}
    for given in paths:
        start = Path(os.path.normpath(cwd / given))
        if not start.is_dir():
            if force_exclude and flt.excluded_explicit(start):
                continue
            found.setdefault(start, display_path(start, cwd))
            continue
        if force_exclude and start != root and flt.excluded_explicit(start):
            continue
        base_stack = _ancestor_ignores(start) if respect_gitignore else []
        stacks = {str(start): base_stack}
        for dirpath, dirnames, filenames in os.walk(start):
            stack = stacks.pop(dirpath, base_stack)
            if respect_gitignore and ".gitignore" in filenames:
                gi = GitIgnore.load(Path(dirpath) / ".gitignore")
                if gi is not None:
                    stack = [*stack, gi]
            keep = []
            for d in sorted(dirnames):
                full = os.path.join(dirpath, d)
                if flt.excluded_entry(full, d) or (stack and _ignored(stack, full, True)):
                    continue
                if os.path.islink(full):  # no symlinked folders: no cycles, no escapes
                    continue
                keep.append(d)
                stacks[full] = stack
            dirnames[:] = keep
            for f in filenames:
                full = os.path.join(dirpath, f)
                if not flt.included(full, f) or flt.excluded_entry(full, f):
                    continue
                if not os.path.isfile(full):  # FIFOs, sockets, broken links: nothing to read
                    continue
                if stack and _ignored(stack, full, False):
                    continue
                p = Path(full)
                found.setdefault(p, display_path(p, cwd))
    return sorted(found.items(), key=lambda kv: kv[1])
