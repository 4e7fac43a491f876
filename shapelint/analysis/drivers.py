"""The code that drives a module: its importers in the same folder, run to check the module.

A helper module (``dnn_utils.py``, ``opt_utils.py``) rarely calls its own
functions: the notebook or script beside it does, with the course's data.
Checked on its own, a helper only gets the analysis of each function for any
arguments.  So the files of its folder that import it (``from dnn_utils
import *``, ``import opt_utils``) are run as well, as *drivers*: their
top level drives the analysis of the helper's functions with the shapes they
pass, and what fails *inside the helper* is reported in the helper, at its own
line, naming the driver's call.  Nothing in the driver itself is reported
here: the driver has its own check.
"""

from __future__ import annotations

import os
import re
from typing import List, Optional

MAX_DRIVERS = 3
MAX_DRIVER_BYTES = 1_000_000
MAX_NOTEBOOK_BYTES = 30_000_000  # a notebook's outputs (plots) make it large; its code is small
_SCAN_LIMIT = 200  # files looked at in one folder


def find_drivers(path: str) -> List[str]:
    """The files that import ``path`` from its folder, or from the folders above its package
    (``from cs231n.rnn_layers import *`` in the notebook beside ``cs231n/``); notebooks first:
    they run the course's tests."""
    if path.startswith("<") or not path.endswith(".py"):
        return []
    folder = os.path.dirname(os.path.abspath(path))
    module = os.path.splitext(os.path.basename(path))[0]
    if module == "__init__" or not module.isidentifier():
        return []
    found: List[str] = []
    me = os.path.abspath(path)
    dotted = module
    for _ in range(3):
        _scan(folder, dotted, me, found)
        if len(found) >= MAX_DRIVERS or not os.path.isfile(os.path.join(folder, "__init__.py")):
            break
        dotted = f"{os.path.basename(folder)}.{dotted}"  # one level up, the module is pkg.module
        folder = os.path.dirname(folder)
    return found[:MAX_DRIVERS]


def _scan(folder: str, dotted: str, me: str, found: List[str]) -> None:
    name = re.escape(dotted)
    pattern = re.compile(
        rf"^[ \t]*(?:from[ \t]+\.?{name}[ \t]+import\b|import[ \t]+(?:[\w.]+[ \t]*,[ \t]*)*{name}\b)"
        rf"|\"[ \t]*(?:from[ \t]+{name}[ \t]+import\b|import[ \t]+{name}\b)", re.MULTILINE)
    try:
        names = sorted(os.listdir(folder))[:_SCAN_LIMIT]
    except OSError:
        return
    for entry in sorted(names, key=lambda n: (not n.endswith(".ipynb"), n)):
        if len(found) >= MAX_DRIVERS:
            return
        if not entry.endswith((".py", ".ipynb")):
            continue
        candidate = os.path.join(folder, entry)
        if candidate == me or candidate in found or not os.path.isfile(candidate):
            continue
        try:
            if os.path.getsize(candidate) > (MAX_NOTEBOOK_BYTES if entry.endswith(".ipynb") else MAX_DRIVER_BYTES):
                continue
            with open(candidate, "r", encoding="utf-8", errors="replace") as fh:
                text = fh.read()
        except OSError:
            continue
        if pattern.search(text):
            found.append(candidate)


def driver_source(path: str) -> Optional[str]:
    """The Python source a driver runs (a notebook's code cells joined), or None."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    if path.endswith(".ipynb"):
        from shapelint.notebook import NotebookError, build_source

        try:
            nb = build_source(data.decode("utf-8-sig"))
        except (NotebookError, UnicodeDecodeError):
            return None
        return None if nb.not_python else nb.source
    from shapelint.analysis.modules import _decode

    return _decode(data)
