"""The cached trees of imported modules (shapelint.cache.TreeStore): used by a new process,
signed so that a file put in the cache folder by someone else is never unpickled."""

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import libcst

from shapelint.analysis import modules, shared_modules
from shapelint.analysis.parsing import parse_or_none, use_tree_store
from shapelint.analysis.positions import StatementPositions
from shapelint.cache import Cache
from shapelint.source import lazy

REPO = Path(__file__).resolve().parents[2]
SOURCE = "import numpy as np\n\ndef f(W, A):\n    return np.dot(W, A)  # a comment\n"


def store(tmp_path):
    trees = Cache(tmp_path / ".shapelint_cache").trees()
    assert trees is not None
    return trees


def entry_files(tmp_path):
    return list((tmp_path / ".shapelint_cache").rglob("*.tree"))


def test_a_tree_pickle_cannot_take_is_left_out_and_the_store_stays_on(tmp_path, monkeypatch):
    from shapelint import cache

    trees = store(tmp_path)
    real = cache.dump_tree

    def too_deep(tree):
        if isinstance(tree, libcst.Module) and "deep" in tree.code:
            raise RecursionError("maximum recursion depth exceeded while pickling an object")
        return real(tree)

    monkeypatch.setattr(cache, "dump_tree", too_deep)
    deep = "deep = 1\n"
    assert trees.put(trees.key(deep), libcst.parse_module(deep)) is None
    assert trees.put(trees.key(SOURCE), libcst.parse_module(SOURCE)) is not None  # the next one is stored
    assert trees.get(trees.key(SOURCE)).code == SOURCE and trees.get(trees.key(deep)) is None


def test_a_tree_comes_back_as_it_was_parsed(tmp_path):
    trees = store(tmp_path)
    trees.put(trees.key(SOURCE), libcst.parse_module(SOURCE))
    back = trees.get(trees.key(SOURCE))
    assert isinstance(back, libcst.Module) and back.code == SOURCE
    assert trees.get(trees.key(SOURCE + "\n")) is None  # another text: a miss


def test_every_kind_of_node_comes_back_equal_in_a_new_process(tmp_path):
    """Trees are pickled by a function per node class (cache._node_codec): a node of any
    class, with whitespace, comments and positions' raw material, comes back equal, in a
    process that made none of those functions yet."""
    source = (REPO / "shapelint" / "cache.py").read_text() + (REPO / "shapelint" / "runner.py").read_text()
    source += "async def g(*a, **k):\n    async with x as (y, *z):\n        await (yield from w)\n" \
              "    match p:\n        case {1: [a, *_]} | Point(x=0):\n            return f'{a!r:>{w}}' @ b\n" \
              "lam = lambda *, k=1: k if k else (j := 2)\n"
    tree = libcst.parse_module(source)
    trees = store(tmp_path)
    trees.put(trees.key(source), tree)
    (entry,) = entry_files(tmp_path)
    assert len(entry.read_bytes()) < 0.7 * len(pickle.dumps(tree, protocol=pickle.HIGHEST_PROTOCOL))
    # (the store's folder itself: a process started while shapelint's sources change has another build)
    check = (f"import libcst, sys; from shapelint.cache import TreeStore, _tree_secret; "
             f"t = TreeStore(__import__('pathlib').Path({str(trees.directory)!r}), _tree_secret()); "
             f"src = open({str(tmp_path / 'src.py')!r}).read(); back = t.get(t.key(src)); "
             f"plain = back.visit(libcst.CSTTransformer()); "  # function nodes back as libcst's own class
             f"sys.exit(0 if plain.deep_equals(libcst.parse_module(src)) and back.code == src else 1)")
    (tmp_path / "src.py").write_text(source)
    assert subprocess.run([sys.executable, "-c", check], cwd=REPO).returncode == 0


def test_a_stored_function_s_body_is_read_when_first_needed(tmp_path):
    source = SOURCE + "\nclass Layer:\n    def forward(self, A):\n        def inner():\n            return A\n" \
                      "        return inner()\n"
    trees = store(tmp_path)
    trees.put(trees.key(source), libcst.parse_module(source))
    back = trees.get(trees.key(source))
    f, method = back.body[1], back.body[2].body.body[0]
    assert isinstance(f, libcst.FunctionDef) and type(f).__name__ == "FunctionDef"
    assert not lazy.body_loaded(f) and not lazy.body_loaded(method)
    assert f.name.value == "f" and [p.name.value for p in f.params.params] == ["W", "A"]
    assert not lazy.body_loaded(f)  # the signature is there without the body
    assert back.code_for_node(f.body) == "\n    return np.dot(W, A)  # a comment\n"
    assert lazy.body_loaded(f) and not lazy.body_loaded(method)
    inner = method.body.body[0]
    assert not lazy.body_loaded(inner)  # a nested function: loaded with its own body, not its parent's
    # where a statement is: one in a body loaded after the module's statements were paired
    positions = StatementPositions(back, source)
    assert positions.of(back.body[2], back.body[2])[0] == 6
    ret = inner.body.body[0]
    assert positions.of(ret, ret)[:2] == (9, 13)
    renamed = f.with_changes(name=libcst.Name("g"))
    assert back.code_for_node(renamed) == "\ndef g(W, A):\n    return np.dot(W, A)  # a comment\n"
    assert back.code == source


def test_tokens_with_the_same_text_are_stored_once_and_a_tree_of_them_edits_as_any(tmp_path):
    source = "a = b + c\nd = e + f  # note\ng = [h, i]\n"
    trees = store(tmp_path)
    trees.put(trees.key(source), libcst.parse_module(source))
    back = trees.get(trees.key(source))
    first, second = (s.body[0] for s in back.body[:2])
    assert first.value.operator is second.value.operator  # one `+`, with its spaces, for both
    assert first.targets[0].whitespace_before_equal is second.targets[0].whitespace_before_equal
    assert back.body[0].trailing_whitespace is not back.body[1].trailing_whitespace  # the comment

    class Rename(libcst.CSTTransformer):
        def leave_Name(self, original, updated):
            return updated.with_changes(value="x") if original.value == "e" else updated

    assert back.visit(Rename()).code == "a = b + c\nd = x + f  # note\ng = [h, i]\n"
    assert back.code == source


def test_a_finding_in_a_stored_module_is_placed_as_in_a_parsed_one(tmp_path):
    """Positions pair each statement with CPython's parse (analysis.positions); a function body
    loaded after the first pairing is paired when asked about."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "helpers.py").write_text(
        "import numpy as np\n\ndef unused(A):\n    return A.T\n\n"
        "def scale(A):\n    return A * 2\n\n"
        "def forward(W, A):\n    Z = scale(np.dot(W, A))\n    return Z\n")
    main = tmp_path / "main.py"
    main.write_text("import numpy as np\nfrom helpers import forward, unused\nunused(np.zeros((2, 2)))\n"
                    "Z = forward(np.zeros((4, 3)), np.zeros((5, 7)))\n")

    def findings():
        out = subprocess.run([sys.executable, "-m", "shapelint", "check", "main.py", "-j", "1", "--isolated",
                              "--format", "json"], cwd=tmp_path, capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
        return json.loads(out.stdout)

    parsed = findings()
    assert [(f["code"], f["line"]) for f in parsed] == [("SL102", 4)]
    assert [(r["role"], r["line"]) for r in parsed[0]["related"]] == [("fails", 10)]
    main.write_text(main.read_text() + "# edited\n")  # checked again, helpers.py's tree from the store
    assert findings() == parsed


def test_an_entry_not_signed_with_the_users_key_is_never_unpickled(tmp_path):
    trees = store(tmp_path)
    trees.put(trees.key(SOURCE), libcst.parse_module(SOURCE))
    (path,) = entry_files(tmp_path)
    marker = tmp_path / "ran"
    # what a hostile commit could put there: a pickle that runs code when loaded
    evil = pickle.dumps(_Evil(str(marker)))
    path.write_bytes(b"\0" * 32 + evil)
    assert trees.get(trees.key(SOURCE)) is None
    assert not marker.exists()
    path.write_bytes(path.read_bytes()[:40])  # truncated
    assert trees.get(trees.key(SOURCE)) is None


class _Evil:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_parse_or_none_takes_a_stored_tree_and_stores_what_it_parses(tmp_path, monkeypatch):
    trees = store(tmp_path)
    use_tree_store(trees)
    try:
        first = parse_or_none(SOURCE)
        assert len(entry_files(tmp_path)) == 1
        monkeypatch.setattr(libcst, "parse_module", lambda *a, **k: (_ for _ in ()).throw(AssertionError("parsed")))
        again = parse_or_none(SOURCE)
        assert again is not None and again.code == first.code
    finally:
        use_tree_store(None)


def test_a_tree_parsed_when_memory_counts_is_given_back_compact(tmp_path):
    trees = store(tmp_path)
    use_tree_store(trees)
    try:
        plain = parse_or_none(SOURCE)
        compact = parse_or_none(SOURCE + "\n", compact=True)  # (another text: parsed, not loaded)
    finally:
        use_tree_store(None)
    assert type(plain.body[1]) is libcst.FunctionDef
    assert type(compact.body[1]) is lazy.LazyFunctionDef and not lazy.body_loaded(compact.body[1])
    assert compact.code == SOURCE + "\n" and len(entry_files(tmp_path)) == 2


def test_an_imported_module_is_kept_compact_where_there_is_a_tree_store(tmp_path, monkeypatch):
    # a tree kept whole until the parse cache was full stayed for the whole run (the modules
    # every file imports are never the least recently used)
    from collections import OrderedDict

    monkeypatch.setattr(modules, "_parsed", OrderedDict())
    monkeypatch.setattr(modules, "_parsed_chars", 0)
    helper = tmp_path / "project" / "helper.py"
    helper.parent.mkdir()
    helper.write_text(SOURCE)
    use_tree_store(store(tmp_path))
    try:
        kept = modules.load(str(helper))
    finally:
        use_tree_store(None)
    assert modules._parsed_chars < modules.MAX_PARSED_CHARS  # room to spare: compact all the same
    assert type(kept.tree.body[1]) is lazy.LazyFunctionDef and kept.tree.code == SOURCE
    monkeypatch.setattr(modules, "_parsed", OrderedDict())
    assert type(modules.load(str(helper)).tree.body[1]) is libcst.FunctionDef  # no store: whole


def test_no_tree_is_kept_without_a_place_for_the_key(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert Cache(tmp_path / ".shapelint_cache").trees() is None


def test_a_new_process_loads_the_imported_modules_from_the_cache(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "helpers.py").write_text("import numpy as np\n\ndef init(n):\n    return np.zeros((n, 1))\n")
    main = tmp_path / "main.py"
    main.write_text("import numpy as np\nfrom helpers import init\nb = init(3)\nZ = b + np.zeros((1, 4))\n")
    # the count of libcst parses in a fresh process, for one check of main.py
    probe = ("import sys, libcst\nfrom shapelint.cli import main\ncalls = []\noriginal = libcst.parse_module\n"
             "libcst.parse_module = lambda *a, **k: calls.append(1) or original(*a, **k)\n"
             "import shapelint.analysis.parsing\n"
             "try:\n    main(['check', 'main.py', '-j', '1', '-q', '--isolated'])\n"
             "except SystemExit:\n    pass\nprint('PARSES', len(calls))\n")

    def parses():
        out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
        return int(out.stdout.rsplit("PARSES", 1)[1])

    assert parses() == 2  # main.py and helpers.py
    main.write_text(main.read_text() + "# edited\n")
    assert parses() == 1  # main.py only: helpers.py's tree comes from the cache


# One worker's process, as `shapelint check` runs it: the files checked one after the other
# (with a cache in .shapelint_cache or none); prints how many texts libcst parsed.
_WORKER_PROBE = ("import sys, libcst\nfrom pathlib import Path\nfrom shapelint.cache import Cache\n"
                 "from shapelint.rules import default_codes\n"
                 "from shapelint.runner import RunOptions, Task, check_task\ncalls = []\n"
                 "original = libcst.parse_module\n"
                 "libcst.parse_module = lambda *a, **k: calls.append(1) or original(*a, **k)\n"
                 "opts = RunOptions(cache=Cache(Path('.shapelint_cache')) if sys.argv[1] == 'cache' else None)\n"
                 "for name in sys.argv[2:]:\n"
                 "    check_task(Task(name, name, name, frozenset(default_codes())), opts)\n"
                 "print('PARSES', len(calls))\n")


def _parses_in_one_worker(folder: Path, *names: str, cache: bool) -> int:
    out = subprocess.run([sys.executable, "-c", _WORKER_PROBE, "cache" if cache else "none", *names], cwd=folder,
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert "PARSES" in out.stdout, out.stderr
    return int(out.stdout.rsplit("PARSES", 1)[1])


def test_one_process_parses_each_file_once(tmp_path):
    """A file checked, imported by a later file and run as a driver of another is parsed once:
    the checked file's tree is kept for its importers, a driver's for its own check."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "helpers.py").write_text("import numpy as np\n\ndef init(n):\n    return np.zeros((n, 1))\n")
    (tmp_path / "main.py").write_text("import numpy as np\nfrom helpers import init\nb = init(3)\n")
    (tmp_path / "test_helpers.py").write_text("from helpers import init\n\ndef test_init():\n    init(2)\n")
    assert _parses_in_one_worker(tmp_path, "helpers.py", "main.py", "test_helpers.py", cache=False) == 3


def test_a_checked_file_kept_for_its_importers_is_stored_for_the_next_process(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "helpers.py").write_text("import numpy as np\n\ndef init(n):\n    return np.zeros((n, 1))\n")
    main = tmp_path / "main.py"
    main.write_text("import numpy as np\nfrom helpers import init\nb = init(3)\n")
    # helpers.py checked first, its tree kept for main.py
    assert _parses_in_one_worker(tmp_path, "helpers.py", "main.py", cache=True) == 2
    main.write_text(main.read_text() + "# edited\n")
    assert _parses_in_one_worker(tmp_path, "main.py", cache=True) == 1  # helpers.py's tree from the store
