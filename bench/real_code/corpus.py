"""Materialize the pinned corpus and classify its files.

Each repository of ``repos.tsv`` is written out at its pinned commit from its
git snapshot (``<mirror>/<owner>+<name>/repo``, a bare git dir or a clone):
code (.py, .ipynb) of any size and every other blob under 4 MiB, so that the
scripts find their datasets.  Blobs absent from the snapshot are skipped and
counted.  A repository is materialized once (into a temporary folder renamed
into place); a marker in ``<work>/state`` records the commit it holds.

Every notebook gets a ``.py`` beside it with one line per code line of its
code cells in document order; magics, shell and help lines (and whole ``%%``
cells, and cells that do not parse on their own) are commented out so that
line numbers stay aligned with ``NotebookMap``.

Files are classified (``classify``) as NumPy code, framework code (imports
TensorFlow, Keras, PyTorch, ... directly or through a sibling module), other
Python, unparseable, and unfilled course templates.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

MATERIALIZE_VERSION = "1"
DATA_LIMIT = 4 * 1024 * 1024
CODE_SUFFIXES = (".py", ".ipynb")
MUTANT_MARK = "__slmut"
NOTEBOOK_MARK = "__nb"

FRAMEWORKS = frozenset({
    "tensorflow", "keras", "torch", "torchvision", "theano", "jax", "flax", "mxnet", "paddle",
    "tflearn", "caffe", "caffe2", "chainer", "cntk", "lasagne", "tensorlayer", "sonnet", "trax",
    "emnist", "tensorflow_datasets", "pytorch_lightning",
})


@dataclass(frozen=True)
class Repo:
    name: str  # owner/name
    commit: str
    kind: str  # dls / scratch

    @property
    def slug(self) -> str:
        return self.name.replace("/", "+")


def read_repos(tsv: Path) -> List[Repo]:
    with tsv.open(encoding="utf-8", newline="") as f:
        return [Repo(r["repo"], r["commit"], r["kind"]) for r in csv.DictReader(f, delimiter="\t")]


def git_dir(mirror: Path, repo: Repo) -> Path:
    base = mirror / repo.slug / "repo"
    return base / ".git" if (base / ".git").is_dir() else base


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, text.encode("utf-8"))


# -- materialization ------------------------------------------------------------------------------


@dataclass
class RepoTree:
    repo: Repo
    root: Path
    commit: str
    files: int = 0
    missing: int = 0  # blobs listed at the commit but absent from the snapshot
    notebooks: Dict[str, "NotebookMap"] = field(default_factory=dict)  # .py relpath -> map


@dataclass
class NotebookMap:
    notebook: str  # relpath of the .ipynb
    cells: List[Tuple[int, int]]  # per .py line (0-based index): (1-based cell position, 1-based line in cell)
    commented_cells: int = 0  # cells commented out because they do not parse on their own

    def to_json(self) -> dict:
        return {"notebook": self.notebook, "cells": self.cells, "commented_cells": self.commented_cells}

    @classmethod
    def from_json(cls, d: dict) -> "NotebookMap":
        return cls(d["notebook"], [tuple(c) for c in d["cells"]], d.get("commented_cells", 0))


def _ls_tree(gdir: Path, commit: str) -> List[Tuple[str, int, str]]:
    out = subprocess.run(["git", "--git-dir", str(gdir), "ls-tree", "-r", "-l", "-z", commit],
                         capture_output=True, check=True).stdout
    entries = []
    for ent in out.split(b"\0"):
        if not ent:
            continue
        meta, path = ent.split(b"\t", 1)
        _mode, typ, sha, size = meta.split()
        if typ != b"blob":
            continue
        # size "-" or "BAD": the object is absent from the snapshot
        entries.append((path.decode("utf-8", "surrogateescape"), int(size) if size.isdigit() else -1, sha.decode()))
    return entries


def _cat_blobs(gdir: Path, shas: Sequence[str]) -> Iterator[Tuple[str, Optional[bytes]]]:
    """Blob contents through one `git cat-file --batch` (None for a blob the snapshot lacks)."""
    proc = subprocess.Popen(["git", "--git-dir", str(gdir), "cat-file", "--batch"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin and proc.stdout
    try:
        for sha in shas:
            proc.stdin.write(sha.encode() + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline().split()
            if len(header) < 3 or header[1] != b"blob":
                yield sha, None
                continue
            data = proc.stdout.read(int(header[2]))
            proc.stdout.read(1)
            yield sha, data
    finally:
        proc.stdin.close()
        proc.wait()


def materialize(repo: Repo, mirror: Path, work: Path) -> RepoTree:
    """The repository at its pinned commit under ``<work>/tree/<slug>`` (reused when already there)."""
    root = work / "tree" / repo.slug
    marker = work / "state" / f"{repo.slug}.json"
    gdir = git_dir(mirror, repo)
    if marker.exists() and root.is_dir():
        try:
            state = json.loads(marker.read_text(encoding="utf-8"))
            if state.get("commit") == repo.commit and state.get("version") == MATERIALIZE_VERSION:
                tree = RepoTree(repo, root, state["commit"], state["files"], state["missing"])
                tree.notebooks = {k: NotebookMap.from_json(v) for k, v in state["notebooks"].items()}
                return tree
        except (ValueError, KeyError):
            pass
    ok = subprocess.run(["git", "--git-dir", str(gdir), "cat-file", "-e", repo.commit + "^{commit}"],
                        capture_output=True).returncode == 0
    if not ok:
        raise RuntimeError(f"{repo.name}: pinned commit {repo.commit} is not in the snapshot {gdir}")
    entries = [e for e in _ls_tree(gdir, repo.commit)
               if e[0].endswith(CODE_SUFFIXES) or 0 <= e[1] < DATA_LIMIT]
    tmp = root.with_name(root.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    tree = RepoTree(repo, root, repo.commit)
    by_sha: Dict[str, List[str]] = {}
    for path, _size, sha in entries:
        by_sha.setdefault(sha, []).append(path)
    for sha, data in _cat_blobs(gdir, list(by_sha)):
        for path in by_sha[sha]:
            if data is None:
                tree.missing += 1
                continue
            dst = tmp / path
            if ".." in Path(path).parts:
                continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(data)
            tree.files += 1
    existing = {p for p, _, _ in entries}
    for path in sorted(p for p in existing if p.endswith(".ipynb")):
        nb_file = tmp / path
        if not nb_file.exists():
            continue
        converted = notebook_to_py(nb_file.read_bytes())
        if converted is None:
            continue
        text, nb_map = converted
        stem = path[: -len(".ipynb")]
        py_rel = stem + ".py"
        if py_rel in existing or (tmp / py_rel).exists():
            py_rel = stem + NOTEBOOK_MARK + ".py"
        nb_map.notebook = path
        (tmp / py_rel).write_text(text, encoding="utf-8")
        tree.notebooks[py_rel] = nb_map
    shutil.rmtree(root, ignore_errors=True)
    root.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, root)
    state = {"commit": repo.commit, "version": MATERIALIZE_VERSION, "files": tree.files, "missing": tree.missing,
             "notebooks": {k: v.to_json() for k, v in tree.notebooks.items()}}
    atomic_write_text(marker, json.dumps(state))
    return tree


# -- notebooks -------------------------------------------------------------------------------------

_MAGIC_RE = re.compile(r"^\s*(%|!)|^\s*[A-Za-z_][\w.]*\s*=\s*[!%]|\?\s*$|^\s*\?")


def _comment(line: str) -> str:
    return "# " + line if line.strip() else line


def notebook_to_py(raw: bytes) -> Optional[Tuple[str, NotebookMap]]:
    """The code cells of a notebook as one .py, one line per code line (None when not a notebook)."""
    try:
        nb = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if cells is None and isinstance(nb, dict):  # nbformat 3: worksheets
        cells = [c for ws in nb.get("worksheets", []) for c in ws.get("cells", [])]
    if not isinstance(cells, list):
        return None
    out: List[str] = []
    nb_map = NotebookMap("", [])
    for position, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        src = cell.get("source", cell.get("input", ""))
        if isinstance(src, list):
            src = "".join(s for s in src if isinstance(s, str))
        if not isinstance(src, str):
            continue
        lines = src.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        lines = [ln.rstrip("\r") for ln in lines]
        if lines and lines[0].lstrip().startswith("%%"):
            lines = [_comment(ln) for ln in lines]
        else:
            lines = [_comment(ln) if _MAGIC_RE.search(ln) and not ln.lstrip().startswith("#") else ln
                     for ln in lines]
            try:
                ast.parse("\n".join(lines))
            except (SyntaxError, ValueError):
                lines = [_comment(ln) for ln in lines]
                nb_map.commented_cells += 1
        for i, ln in enumerate(lines, 1):
            out.append(ln)
            nb_map.cells.append((position, i))
    return "\n".join(out) + ("\n" if out else ""), nb_map


# -- classification --------------------------------------------------------------------------------

_START_RE = re.compile(r"START CODE HERE", re.I)
_END_RE = re.compile(r"END CODE HERE", re.I)
_YOUR_CODE_RE = re.compile(r"YOUR CODE (HERE|STARTS HERE)", re.I)


@dataclass
class SourceFile:
    repo: Repo
    rel: str  # path inside the repository (the .py written for a notebook)
    path: Path
    text: str
    sha: str
    lines: int
    kind: str = ""  # numpy / framework / numpy-noimport / other / unparseable
    template: bool = False
    notebook: Optional[NotebookMap] = None
    imports: frozenset = frozenset()  # top-level names of the imported modules
    dotted_imports: frozenset = frozenset()  # full names ("pkg.layers", "pkg.layers.Dense"), relative ones resolved
    canonical: bool = True  # first file with this content (in repos.tsv order, then path order)
    duplicate_of: Optional[str] = None
    tree: Optional[Path] = None  # repo root of the materialized tree

    @property
    def ident(self) -> str:
        return f"{self.repo.slug}/{self.rel}"


def _imports(module: ast.Module, package: Sequence[str]) -> Tuple[frozenset, List[str], frozenset]:
    """Top-level names of every imported module, the sibling names star-imported, and the full dotted
    names imported (`from a.b import c` gives a.b and a.b.c; relative ones resolved against the file's
    folders, `package`, as seen from the repository root)."""
    names = set()
    stars = []
    dotted = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
            dotted.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - (node.level - 1)]) if node.level - 1 <= len(package) else []
                full = ".".join(base + ([node.module] if node.module else []))
            else:
                full = node.module or ""
            if node.module:
                names.add(node.module.split(".")[0])
            if node.module and any(a.name == "*" for a in node.names):
                stars.append(node.module.split(".")[-1])
            if full:
                dotted.add(full)
                dotted.update(f"{full}.{a.name}" for a in node.names if a.name != "*")
    return frozenset(names), stars, frozenset(dotted)


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def is_template(text: str, module: ast.Module) -> bool:
    """An unfilled course template: a `= None` placeholder inside a START/END CODE HERE block,
    or a function marked YOUR CODE HERE whose body is only placeholders."""
    lines = text.splitlines()
    blocks: List[Tuple[int, int]] = []
    start = None
    for i, line in enumerate(lines, 1):
        if "#" not in line:
            continue
        comment = line[line.index("#"):]
        if _START_RE.search(comment):
            start = i
        elif _END_RE.search(comment) and start is not None:
            blocks.append((start, i))
            start = None
    if blocks:
        for node in ast.walk(module):
            if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None \
                    and _is_none(node.value):
                if any(lo < node.lineno < hi for lo, hi in blocks):
                    return True
            elif isinstance(node, ast.Return) and node.value is not None and _is_none(node.value):
                if any(lo < node.lineno < hi for lo, hi in blocks):
                    return True
    for node in ast.walk(module):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            end = getattr(node, "end_lineno", node.lineno)
            if not any(_YOUR_CODE_RE.search(lines[i - 1]) for i in range(node.lineno, min(end, len(lines)) + 1)):
                continue
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                body = body[1:]
            if body and all(_placeholder(s) for s in body):
                return True
    return False


def _placeholder(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return True
    if isinstance(stmt, ast.Raise) and stmt.exc is not None:
        exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
        return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
    if isinstance(stmt, ast.Return):
        return stmt.value is None or _is_none(stmt.value)
    if isinstance(stmt, ast.Assign):
        return _is_none(stmt.value)
    return False


def load_files(tree: RepoTree) -> List[SourceFile]:
    """Every .py of a materialized repository (including the notebooks' .py), unclassified."""
    out = []
    for path in sorted(tree.root.rglob("*.py")):
        rel = path.relative_to(tree.root).as_posix()
        if MUTANT_MARK in path.name or ".ipynb_checkpoints" in path.parts:
            continue  # Jupyter's autosaved copies are not part of the code (repos.tsv does not count them)
        if rel.endswith(NOTEBOOK_MARK + ".py") and rel not in tree.notebooks:
            continue
        raw = path.read_bytes()
        text = raw.decode("utf-8", "replace")
        out.append(SourceFile(tree.repo, rel, path, text, hashlib.sha256(raw).hexdigest(),
                              len(text.splitlines()), notebook=tree.notebooks.get(rel), tree=tree.root))
    return out


def classify(files: List[SourceFile]) -> None:
    """Set kind / template / canonical on every file (files: the whole corpus, in order)."""
    parsed: Dict[int, ast.Module] = {}
    stars: Dict[int, List[str]] = {}
    for i, f in enumerate(files):
        try:
            module = ast.parse(f.text)
        except (SyntaxError, ValueError):
            f.kind = "unparseable"
            continue
        parsed[i] = module
        f.imports, stars[i], f.dotted_imports = _imports(module, Path(f.rel).parent.parts)
    # framework code, also through sibling modules (`from tf_utils import *`), to a fixed point
    by_dir: Dict[Tuple[str, str], Dict[str, int]] = {}
    for i, f in enumerate(files):
        by_dir.setdefault((f.repo.slug, str(Path(f.rel).parent)), {})[Path(f.rel).stem] = i
    framework = {i for i in parsed if files[i].imports & FRAMEWORKS}
    numpy = {i for i in parsed if "numpy" in files[i].imports}
    changed = True
    while changed:
        changed = False
        for i in parsed:
            siblings = by_dir[(files[i].repo.slug, str(Path(files[i].rel).parent))]
            for name in files[i].imports:
                j = siblings.get(name)
                if j is None or j == i:
                    continue
                if j in framework and i not in framework:
                    framework.add(i)
                    changed = True
            for name in stars[i]:
                j = siblings.get(name)
                if j is not None and j in numpy and i not in numpy:
                    numpy.add(i)
                    changed = True
    seen: Dict[str, str] = {}
    for i, f in enumerate(files):
        if i in parsed:
            if i in framework:
                f.kind = "framework"
            elif i in numpy:
                f.kind = "numpy"
            else:
                # `np.` used without importing NumPy (graded-function excerpts): it cannot run as it is
                uses_np = any(isinstance(n, ast.Name) and n.id in ("np", "numpy") for n in ast.walk(parsed[i]))
                f.kind = "numpy-noimport" if uses_np else "other"
            if f.kind == "numpy":
                f.template = is_template(f.text, parsed[i])
        if f.sha in seen:
            f.canonical = False
            f.duplicate_of = seen[f.sha]
        else:
            seen[f.sha] = f.ident


def function_spans(text: str) -> List[Tuple[int, int]]:
    """(first body line, last line) of every function in a source (for "assigned inside a function")."""
    try:
        module = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    spans = []
    for node in ast.walk(module):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            spans.append((node.body[0].lineno, getattr(node, "end_lineno", node.lineno)))
    return spans




def drivers(files: List[SourceFile]) -> Dict[str, SourceFile]:
    """For each NumPy file, a script that imports it, to be run when the file's own run leaves some of
    its functions uncalled (course helpers such as dnn_utils.py, layer classes of a package): a script
    of its folder (a notebook first), else the nearest one in a parent folder that imports it by its
    dotted name there (`from nn.layers import Dense`, `import nn` for nn/layers.py)."""
    scripts: Dict[str, List[SourceFile]] = {}
    for f in files:
        if f.kind == "numpy" and not f.template:
            scripts.setdefault(f.repo.slug, []).append(f)
    out: Dict[str, SourceFile] = {}
    for group in scripts.values():
        by_dir: Dict[Tuple[str, ...], List[SourceFile]] = {}
        for g in sorted(group, key=lambda g: (g.notebook is None, g.rel)):
            by_dir.setdefault(Path(g.rel).parent.parts, []).append(g)
        for f in group:
            parts = Path(f.rel).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            folder = Path(f.rel).parent.parts
            found = None
            for depth in range(len(folder), -1, -1):  # the file's folder, then each parent
                name = ".".join(parts[depth:])
                if not name:
                    continue
                for g in by_dir.get(folder[:depth], []):
                    if g is f:
                        continue
                    if depth == len(folder) and Path(f.rel).stem in g.imports or any(
                            name == m or name.startswith(m + ".") for m in g.dotted_imports):
                        found = g
                        break
                if found is not None:
                    break
            if found is not None:
                out[f.ident] = found
    return out


def mentions_matplotlib(files: List[SourceFile]) -> Dict[str, bool]:
    """Per file: does it or a file of its folder mention matplotlib (then the worker forces Agg first)."""
    dirs: Dict[Tuple[str, str], bool] = {}
    for f in files:
        key = (f.repo.slug, str(Path(f.rel).parent))
        dirs[key] = dirs.get(key, False) or "matplotlib" in f.text
    return {f.ident: dirs[(f.repo.slug, str(Path(f.rel).parent))] for f in files}
