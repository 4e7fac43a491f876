"""How much of the shapes written in docstrings shapelint reads.

Walks ROOT for ``*.py`` and ``*.ipynb`` files, takes every function's
docstring and reads it with ``shapelint.algebra.docstrings.parse_docstring``
as the runtime does (with the function's parameter names), then prints:

* docstrings: function docstrings found (and how many distinct texts);
* documented names: parameters with an item in the docstring (read by the
  parser, or a line ``name -- ...``, ``name - ...``, ``name : ...``, ``name
  (type): ...``: the same count for every version) plus the return values
  the parser found;
* shapes read: documented parameters / return values with a shape;
* relations read: values declared to have another's shape (``dW -- same
  shape as W``), and how many of them name a parameter (checkable at run time);
* phrases: dims written as prose (``number of examples``, ``样本数``), as
  occurrences and as distinct phrases (lowercased, whitespace collapsed),
  placed in the course's notation or not;
* unreadable declarations: shapes that are stated but cannot be read.

    python bench/docstring_coverage.py /tmp/corpus
    python bench/docstring_coverage.py /tmp/corpus --phrases   # also list every distinct phrase

It runs against whichever shapelint its own folder belongs to, so a copy of
this script in an older checkout measures that version (the figures of
features the older version lacks read 0).
"""

from __future__ import annotations

import argparse
import ast
import collections
import os
import re
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from shapelint.algebra.docstrings import parse_docstring  # noqa: E402
from shapelint.notebook import NotebookError, build_source  # noqa: E402

_IDENT_OR_EXPR = re.compile(r"[A-Za-z0-9_\[\]\s+\-*().#=]*")
_SKIP_DIRS = {".git", ".venv", "venv", "__pycache__", "node_modules", "site-packages", ".ipynb_checkpoints"}


def sources(root: str):
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for name in sorted(files):
            path = os.path.join(folder, name)
            try:
                with open(path, encoding="utf-8") as f:
                    text = f.read()
            except (OSError, UnicodeDecodeError):
                continue
            if name.endswith(".ipynb"):
                try:
                    text = build_source(text).source
                except NotebookError:
                    continue
            elif not name.endswith(".py"):
                continue
            yield path, text


def functions(source: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the user's code's SyntaxWarnings
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            return
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                a = node.args
                params = [p.arg for p in a.posonlyargs + a.args + a.kwonlyargs]
                params += [p.arg for p in (a.vararg, a.kwarg) if p is not None]
                yield doc, params


def parse(doc, params):
    try:
        return parse_docstring(doc, params)
    except TypeError:  # a version that takes the docstring alone
        return parse_docstring(doc)


def is_phrase(text: str) -> bool:
    """A dim written as prose rather than as an identifier, an int or arithmetic on them."""
    text = " ".join(text.split())
    return not _IDENT_OR_EXPR.fullmatch(text) or bool(re.search(r"[A-Za-z]\s+[A-Za-z]", text))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root")
    parser.add_argument("--phrases", action="store_true", help="list every distinct phrase")
    args = parser.parse_args()

    n = collections.Counter()
    distinct_docs = set()
    phrases = collections.Counter()  # (normalized text, placed) -> occurrences
    for _, source in sources(args.root):
        for doc, params in functions(source):
            n["docstrings"] += 1
            distinct_docs.add(doc)
            c = parse(doc, params)
            documented = _documented_params(c, doc)
            n["documented parameters"] += sum(1 for p in params if p in documented)
            n["documented return values"] += len(c.return_names)
            n["parameter shapes read"] += sum(1 for p in params if p in c.params)
            n["return shapes read"] += len(c.returns)
            relations = [(name, r) for name, r in getattr(c, "relations", {}).items() if name in params]
            relations += list(getattr(c, "return_relations", []))
            n["relations read"] += len(relations)
            n["relations naming a parameter"] += sum(1 for _, r in relations if r.name in params)
            n["unreadable declarations"] += len(c.problems)
            specs = [s for p, s in c.params.items() if p in params] + [s for _, s in c.returns]
            for spec in specs:
                for d in spec.dims:
                    if d.kind in ("name", "expr") and is_phrase(d.text):
                        placed = getattr(d, "placed", False)
                        phrases[(" ".join(d.text.lower().split()), placed)] += 1

    print(f"root: {args.root}  (shapelint from {os.path.dirname(sys.modules['shapelint'].__file__)})")
    print(f"docstrings:                   {n['docstrings']} ({len(distinct_docs)} distinct)")
    print(f"documented names:             {n['documented parameters'] + n['documented return values']} "
          f"({n['documented parameters']} parameters, {n['documented return values']} return values)")
    shapes = n["parameter shapes read"] + n["return shapes read"]
    print(f"shapes read:                  {shapes} ({n['parameter shapes read']} parameters, "
          f"{n['return shapes read']} return values)")
    print(f"relations read:               {n['relations read']} "
          f"({n['relations naming a parameter']} name a parameter: checked at run time)")
    placed = sum(v for (t, p), v in phrases.items() if p)
    unplaced = sum(v for (t, p), v in phrases.items() if not p)
    distinct_placed = len({t for t, p in phrases if p})
    distinct_unplaced = len({t for t, p in phrases if not p})
    print(f"phrases (occurrences):        {placed + unplaced} ({placed} placed, {unplaced} unplaced)")
    print(f"phrases (distinct):           {distinct_placed + distinct_unplaced} "
          f"({distinct_placed} placed, {distinct_unplaced} unplaced)")
    print(f"unreadable declarations:      {n['unreadable declarations']}")
    if args.phrases:
        for (text, p), count in sorted(phrases.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"  {count:5d}  {'placed  ' if p else 'unplaced'}  {text}")
    return 0


_ITEM_RE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*)\s*(?:--|-\s|:|\()")


def _documented_params(contract, doc: str) -> set:
    """The parameters the docstring has an item for: read by the parser, or an item
    line (``name -- ...``, ``name - ...``, ``name : ...``, ``name (type): ...``)."""
    out = set(contract.params) | set(getattr(contract, "relations", {}))
    for line in doc.splitlines():
        m = _ITEM_RE.match(line)
        if m:
            out.update(n.strip() for n in m.group(1).split(","))
    return out


if __name__ == "__main__":
    sys.exit(main())
