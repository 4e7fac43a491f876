"""`from module import name`: the project module runs when the name is first read, not at the import.

A file that imports a package's names (`from ..utils import check_array`) runs only the
modules that define the names it uses; the rest of what they import is never run (scikit-learn's
_ridge.py: 59 modules instead of 137).  What a used name is, and the findings through it, are as
when the module ran at the import."""

import textwrap
from pathlib import Path

from shapelint.analysis import analyze_source

HELPER = '''
import numpy as np
from heavy import unused_thing

def linear_forward(A, W, b):
    return np.dot(W, A) + b
'''


def write(root: Path, files: dict) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def analyze(root: Path, name: str):
    path = root / name
    return analyze_source(path.read_text(), str(path), project_root=str(root))


def test_a_name_the_file_never_reads_does_not_run_its_module(tmp_path):
    write(tmp_path, {"helper.py": HELPER, "heavy.py": "import numpy as np\nunused_thing = np.ones((3, 4))\n",
                     "main.py": '''
        import numpy as np
        from helper import linear_forward
        Z = linear_forward(np.ones((4, 5)), np.ones((3, 5)), np.zeros((3, 1)))
    '''})
    result = analyze(tmp_path, "main.py")
    assert [(d.code, d.line) for d in result.diagnostics] == [("SL102", 4)]  # found through the import
    assert str(tmp_path / "helper.py") in result.dependencies
    assert str(tmp_path / "heavy.py") not in result.dependencies  # helper's own import was never read


def test_an_import_nothing_reads_runs_nothing(tmp_path):
    write(tmp_path, {"helper.py": HELPER, "heavy.py": "x = 1\n",
                     "main.py": "from helper import linear_forward\nimport numpy as np\nA = np.ones((2, 3))\n"})
    result = analyze(tmp_path, "main.py")
    assert result.diagnostics == [] and result.dependencies == {}


def test_names_re_exported_by_a_package_resolve_through_it(tmp_path):
    write(tmp_path, {"pkg/__init__.py": "from .layers import dense\nfrom .unused import other\n",
                     "pkg/layers.py": "import numpy as np\ndef dense(X, W):\n    return np.dot(W, X)\n",
                     "pkg/unused.py": "other = 1\n",
                     "main.py": '''
        import numpy as np
        from pkg import dense
        Y = dense(np.ones((4, 5)), np.ones((3, 2)))
    '''})
    result = analyze(tmp_path, "main.py")
    assert [(d.code, d.line) for d in result.diagnostics] == [("SL102", 4)]
    assert str(tmp_path / "pkg" / "unused.py") not in result.dependencies


def test_a_star_import_keeps_the_names_it_copies_unread(tmp_path):
    write(tmp_path, {"helper.py": HELPER, "heavy.py": "x = 1\n", "cases.py": "from helper import *\n",
                     "main.py": '''
        import numpy as np
        from cases import *
        Z = linear_forward(np.ones((4, 5)), np.ones((3, 5)), np.zeros((3, 1)))
    '''})
    result = analyze(tmp_path, "main.py")
    assert [(d.code, d.line) for d in result.diagnostics] == [("SL102", 4)]
    assert str(tmp_path / "heavy.py") not in result.dependencies


def test_names_that_import_each_other_in_a_cycle_are_unknown_not_a_crash(tmp_path):
    write(tmp_path, {"a.py": "from b import f\n", "b.py": "from a import f\n",
                     "main.py": "import numpy as np\nfrom a import f\nY = f(np.ones((2, 3)))\nZ = np.ones((2, 3)) @ Y\n"})
    result = analyze(tmp_path, "main.py")
    assert result.diagnostics == []


def test_a_module_that_cannot_be_read_leaves_the_name_unknown(tmp_path):
    write(tmp_path, {"broken.py": "def f(:\n", "main.py": "from broken import f\nimport numpy as np\nY = f(1) @ np.ones((2, 3))\n"})
    assert analyze(tmp_path, "main.py").diagnostics == []


def _loaded(monkeypatch):
    """The files the analysis runs (each is loaded first), in the order it loads them."""
    from shapelint.analysis import modules

    seen = []
    original = modules.load
    monkeypatch.setattr(modules, "load", lambda path: seen.append(path) or original(path))
    return seen


LAYERS = '''
__all__ = ["dense"]
import numpy as np

def dense(X, W):
    return np.dot(W, X)

def unlisted(X):
    return X
'''


def test_a_package_s_star_imports_run_only_the_submodules_whose_names_are_read(tmp_path, monkeypatch):
    """scipy's ``interpolate/__init__.py`` gathers fourteen submodules with ``from ._x import *``;
    its test of one of them ran 118 modules of scipy."""
    write(tmp_path, {"pkg/__init__.py": "from .layers import *\nfrom .unused import *\n",
                     "pkg/layers.py": LAYERS,
                     "pkg/unused.py": "import numpy as np\nother = np.ones(3)\n",
                     "main.py": '''
        import numpy as np
        from pkg import dense
        Z = dense(np.ones((4, 5)), np.ones((3, 5)))
    '''})
    loaded = _loaded(monkeypatch)
    result = analyze(tmp_path, "main.py")
    assert [(d.code, d.line) for d in result.diagnostics] == [("SL102", 4)]  # found through both imports
    assert str(tmp_path / "pkg" / "layers.py") in loaded
    assert str(tmp_path / "pkg" / "unused.py") not in loaded
    # its names were read from its text: a result depends on it all the same
    assert str(tmp_path / "pkg" / "unused.py") in result.dependencies


def test_star_names_follow_all_else_every_public_name_on_any_path(tmp_path):
    from shapelint.analysis.modules import star_names

    write(tmp_path, {"pkg/__init__.py": "", "pkg/layers.py": LAYERS,
                     "pkg/chain.py": '''
        import numpy as np
        from .layers import *
        try:
            from .fast import impl
        except ImportError:
            impl = None
        if np.__version__ > "2":
            def new_api(): pass
        _private = 1
        a, (b, c) = 1, (2, 3)
    ''',
                     "pkg/computed.py": "__all__ = [n for n in dir() if not n.startswith('_')]\nx = 1\n",
                     "pkg/extended.py": "__all__ = ['x']\n__all__.extend(['y'])\nx = y = 1\n",
                     "pkg/added.py": "__all__ = ['x']\nif True:\n    __all__ += ['y']\nx = y = 1\n"})
    names = lambda name: star_names(str(tmp_path / "pkg" / name), str(tmp_path))  # noqa: E731
    assert names("layers.py")[0] == ("dense",)
    chain, read = names("chain.py")
    assert set(chain) == {"np", "dense", "impl", "new_api", "a", "b", "c"}
    assert read == (str(tmp_path / "pkg" / "chain.py"), str(tmp_path / "pkg" / "layers.py"))
    assert names("computed.py") is None and names("extended.py") is None  # the module must run to tell
    assert names("added.py")[0] == ("x", "y")


def test_a_star_import_whose_names_cannot_be_read_runs_at_the_import(tmp_path, monkeypatch):
    write(tmp_path, {"pkg/__init__.py": "from .computed import *\n",
                     "pkg/computed.py": "import numpy as np\n__all__ = [n for n in dir() if n[0] != '_']\n"
                                        "def dense(X, W):\n    return np.dot(W, X)\n",
                     "main.py": '''
        import numpy as np
        from pkg import dense
        Z = dense(np.ones((4, 5)), np.ones((3, 5)))
    '''})
    loaded = _loaded(monkeypatch)
    result = analyze(tmp_path, "main.py")
    assert [(d.code, d.line) for d in result.diagnostics] == [("SL102", 4)]
    assert str(tmp_path / "pkg" / "computed.py") in loaded
