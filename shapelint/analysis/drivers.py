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
import stat
from collections import OrderedDict
from typing import Any, Callable, Dict, List, Optional, Pattern, Tuple

MAX_DRIVERS = 3
MAX_DRIVER_BYTES = 1_000_000
MAX_NOTEBOOK_BYTES = 30_000_000  # a notebook's outputs (plots) make it large; its code is small
_SCAN_LIMIT = 200  # files looked at in one folder


def find_drivers(path: str, source: Optional[str] = None) -> List[str]:
    """The files that import ``path`` from its folder, or from the folders above its package
    (``from cs231n.rnn_layers import *`` in the notebook beside ``cs231n/``): those that name
    the most of its functions and classes first (they call them: a test file of every layer
    before a notebook that uses one), then notebooks (they run the course's tests)."""
    if path.startswith("<") or not path.endswith(".py"):
        return []
    folder = os.path.dirname(os.path.abspath(path))
    module = os.path.splitext(os.path.basename(path))[0]
    if module == "__init__" or not module.isidentifier():
        return []
    if source is None:
        try:
            with open(path, "r", encoding="utf-8", errors="replace") as fh:
                source = fh.read(MAX_DRIVER_BYTES)
        except OSError:
            source = ""
    defined = set(_DEFINITION.findall(source))
    found: List[Tuple[str, int]] = []
    me = os.path.abspath(path)
    dotted = module
    for _ in range(3):
        _scan(folder, dotted, me, defined, found)
        if len(found) >= MAX_DRIVERS or not os.path.isfile(os.path.join(folder, "__init__.py")):
            break
        dotted = f"{os.path.basename(folder)}.{dotted}"  # one level up, the module is pkg.module
        folder = os.path.dirname(folder)
    ranked = sorted(range(len(found)), key=lambda i: (-found[i][1], not found[i][0].endswith(".ipynb"), i))
    chosen: List[str] = []
    for i in ranked:
        stem = os.path.splitext(found[i][0])[0]
        # a notebook and the script paired with it (jupytext, nbconvert) are one driver
        if all(os.path.splitext(c)[0] != stem for c in chosen):
            chosen.append(found[i][0])
        if len(chosen) == MAX_DRIVERS:
            break
    return chosen


_DEFINITION = re.compile(r"^(?:def|class)[ \t]+(\w+)", re.MULTILINE)
_WORD = re.compile(r"\w+")


def _scan(folder: str, dotted: str, me: str, defined: set, found: List[Tuple[str, int]]) -> None:
    name = re.escape(dotted)
    alternatives = [
        rf"^[ \t]*(?:from[ \t]+\.?{name}[ \t]+import\b|import[ \t]+(?:[\w.]+[ \t]*,[ \t]*)*{name}\b)",
        rf"\"[ \t]*(?:from[ \t]+{name}[ \t]+import\b|import[ \t]+{name}\b)",
    ]
    if "." in dotted:
        # `from Layers import FullyConnected, SoftMax` / `from Layers import *` (its __all__)
        pkg, _, mod = dotted.rpartition(".")
        pkg, mod = re.escape(pkg), re.escape(mod)
        alternatives += [
            rf"^[ \t]*from[ \t]+{pkg}[ \t]+import[ \t]+(?:\*|\([^)]*\b{mod}\b|[^\n(]*\b{mod}\b)",
            rf"\"[ \t]*from[ \t]+{pkg}[ \t]+import[ \t]+(?:\*|[^\"\n]*\b{mod}\b)",
        ]
    pattern: Optional[Pattern[str]] = None  # compiled for the first file that may match (most folders: none)
    module = dotted.rpartition(".")[2]
    star = "." in dotted  # `from pkg import *` imports the module too (when pkg's __all__ names it)
    try:
        names = sorted(os.listdir(folder))[:_SCAN_LIMIT]
    except OSError:
        return
    seen = {f for f, _ in found}
    for entry in names:
        if not entry.endswith((".py", ".ipynb")):
            continue
        candidate = os.path.join(folder, entry)
        if candidate == me or candidate in seen:
            continue
        notebook = entry.endswith(".ipynb")
        imports = _imports_of(candidate, notebook)
        # every pattern names the module on an import line, or its package's `import *`: the
        # substring test spares the regex most files
        if imports is None or not (module in imports or star and "*" in imports):
            continue
        if pattern is None:
            pattern = re.compile("|".join(alternatives), re.MULTILINE)
        if pattern.search(imports):
            words = _words_of(candidate, notebook)
            if words is not None:
                found.append((candidate, len(defined & words)))


# candidate -> ((size, mtime), its import lines (see _import_lines)): every file of a folder is
# read once per process, not once for each of its siblings checked (that was the square of the
# folder's size).  Only the lines the patterns search are kept: keeping each file's text and its
# words (to rank the drivers) held ~60 MB over scikit-learn and scipy, where their import lines
# are 0.7 MB; the words are read again for the few files that do import the module.
_candidates: Dict[str, Tuple[Tuple[int, int], str]] = {}
_MAX_CANDIDATES = 5_000
_MAX_CANDIDATE_CHARS = 4_000_000  # import lines kept: a worker's memory stays bounded
_candidate_chars = 0
# a driver -> ((size, mtime), the words it names): the last few found, read once for each module
# of theirs checked in a row (sorted paths: a folder's modules, then the next folder's)
_driver_words: "OrderedDict[str, Tuple[Tuple[int, int], frozenset]]" = OrderedDict()
_MAX_DRIVER_WORDS = 16


def _stat_candidate(path: str, notebook: bool) -> Optional[Tuple[int, int]]:
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode) or st.st_size > (MAX_NOTEBOOK_BYTES if notebook else MAX_DRIVER_BYTES):
        return None
    return st.st_size, st.st_mtime_ns


def _kept_or_made(path: str, notebook: bool, kept: Dict[str, Tuple[Tuple[int, int], Any]],
                  make: Callable[[str], Any], keep: Callable[[str, Tuple[int, int], Any], None]) -> Any:
    """What ``kept`` holds for the file as it is now, else ``make`` of its text (handed to
    ``keep`` with the file's stamp); None when the file is not one to read."""
    stamp = _stat_candidate(path, notebook)
    if stamp is None:
        return None
    hit = kept.get(path)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    try:
        with open(path, "r", encoding="utf-8", errors="replace") as fh:
            made = make(fh.read())
    except OSError:
        return None
    keep(path, stamp, made)
    return made


def _imports_of(path: str, notebook: bool) -> Optional[str]:
    """The import lines of a file that may drive a module (None: not a file to read)."""
    return _kept_or_made(path, notebook, _candidates, _import_lines, _keep_imports)


def _keep_imports(path: str, stamp: Tuple[int, int], lines: str) -> None:
    global _candidate_chars
    if len(_candidates) >= _MAX_CANDIDATES or _candidate_chars + len(lines) > _MAX_CANDIDATE_CHARS:
        _candidates.clear()
        _candidate_chars = 0
    old = _candidates.pop(path, None)
    if old is not None:
        _candidate_chars -= len(old[1])
    _candidates[path] = (stamp, lines)
    _candidate_chars += len(lines)


def _import_lines(text: str) -> str:
    """The lines of ``text`` that name ``import``, and those a bracket opened on one of them runs
    over (``from pkg import (`` with a name on each line below): all the patterns of ``_scan`` search.  In a
    notebook's JSON each line of code is a line of the file too; its outputs (images) go."""
    kept: List[str] = []
    open_brackets = 0
    for line in text.splitlines():
        if open_brackets > 0 or "import" in line:
            kept.append(line)
            open_brackets = max(0, open_brackets + line.count("(") - line.count(")"))
    return "\n".join(kept)


def _words_of(path: str, notebook: bool) -> Optional[frozenset]:
    """The words a driver names (which of the module's functions and classes it may use)."""
    words = _kept_or_made(path, notebook, _driver_words, lambda text: frozenset(_words(text)), _keep_words)
    if words is not None:
        _driver_words.move_to_end(path)  # (the least recently used go first)
    return words


def _keep_words(path: str, stamp: Tuple[int, int], words: frozenset) -> None:
    _driver_words[path] = (stamp, words)
    if len(_driver_words) > _MAX_DRIVER_WORDS:
        _driver_words.popitem(last=False)


def _words(text: str) -> List[str]:
    """The words of a driver (what names of the module it may use)."""
    if len(text) > 5_000_000:  # a notebook's outputs (images): its code is on the short lines
        text = "\n".join(line for line in text.splitlines() if len(line) < 2_000)
    return _WORD.findall(text)


def driver_source(path: str) -> Tuple[Optional[str], Optional[List[Tuple[int, int]]]]:
    """The Python source a driver runs (a notebook's code cells joined) or None, and for a
    notebook the (cell, line in cell) of each of its lines."""
    from shapelint.analysis.modules import overlay_text

    text = overlay_text(path)  # an editor's unsaved buffer stands in for the file
    if text is not None and not path.endswith(".ipynb"):
        return text, None
    try:
        if text is not None:
            data = text.encode("utf-8")
        else:
            with open(path, "rb") as fh:
                data = fh.read()
    except (OSError, UnicodeEncodeError):
        return None, None
    if path.endswith(".ipynb"):
        from shapelint.notebook import NotebookError, build_source

        try:
            nb = build_source(data.decode("utf-8-sig"))  # in document order, as "Restart & Run All" runs it
        except (NotebookError, UnicodeDecodeError):
            return None, None
        return (None, None) if nb.not_python else (nb.source, nb.line_map)
    from shapelint.analysis.modules import _decode

    return _decode(data), None
