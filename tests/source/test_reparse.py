"""The parser that re-parses only the top-level statements an edit touched gives libcst's own tree."""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

import libcst as cst
import pytest

from shapelint.source.precheck import MAX_DEPTH
from shapelint.source.reparse import PIECE_CHARS, Reparser, cut, parse_long_text

REPO = Path(__file__).resolve().parents[2]


def same_as_whole(text: str, reparser: Reparser) -> bool:
    """Reparser.parse gives what parse_module gives (None is allowed: the caller parses whole)."""
    joined = reparser.parse(text)
    if joined is None:
        return False
    whole = cst.parse_module(text)
    assert joined.code == text
    assert joined.deep_equals(whole)
    return True


EDGES = {
    "decorator over lines": "import x\n\n\n@dec(\n    a=1,\n)\ndef f():\n    return 1\n\n\n@a\n@b\nclass C:\n    pass\n",
    "def inside a string": 's = """\ndef not_code():\n    pass\n"""\n\n\ndef f():\n    return s\n',
    "defs inside a string": 'x = 1\ns = """\ndef a():\nclass B:\ndef c():\n"""\n\n\ndef f():\n    pass\n',
    "indented comment ends a body": "def f():\n    x = 1\n    # about x\n\n# a module comment\ndef g():\n    pass\n",
    "indented blank line ends a body": "def f():\n    x = 1\n    \n\ndef g():\n    pass\n",
    "comments before the first def": "# licence\n# more\n\ndef f():\n    pass\n",
    "comment only": "# nothing here\n",
    "no trailing newline": "import numpy as np\n\n\ndef f():\n    return np.zeros(3)",
    "trailing comments": "def f():\n    pass\n\n# the end\n\n",
    "two-space indent after a flat piece": "import a\nX = 1\n\n\ndef f():\n  return 1\n\n\ndef g():\n  return 2\n",
    "one-line defs": "def f(): return 1\ndef g(): return 2\nclass C: pass\n",
    "async def": "import asyncio\n\n\nasync def f():\n    await asyncio.sleep(0)\n",
    "bracket open over a def line": "x = [\n1,\n]\ny = (\n    1\n)\n\ndef f():\n    pass\n",
    "continuation": "x = 1 + \\\n    2\n\n\ndef f():\n    pass\n",
}


@pytest.mark.parametrize("name", sorted(EDGES))
def test_edge_cases_give_the_whole_text_tree(name: str) -> None:
    text = EDGES[name]
    joined = Reparser().parse(text)
    if joined is not None:  # None only where the text cannot be cut (then it is parsed whole)
        assert joined.code == text and joined.deep_equals(cst.parse_module(text))
    assert "".join(cut(text)) == text


def test_the_cuts_fall_where_expected() -> None:
    pieces = cut(EDGES["decorator over lines"])
    assert [p.lstrip("\n").split("\n", 1)[0] for p in pieces] == ["import x", "@dec(", "@a"]
    # libcst gives an indented comment after a body to the body: no cut above it
    assert len(cut(EDGES["indented comment ends a body"])) == 1
    assert len(cut(EDGES["comments before the first def"])) == 1


def test_texts_left_to_the_whole_parse() -> None:
    reparser = Reparser()
    assert reparser.parse("") is None
    assert reparser.parse("x = 1\r\ny = 2\r\n") is None  # line endings: parsed whole
    assert reparser.parse("def f(:\n    pass\n\n\ndef g():\n    pass\n") is None  # a syntax error
    deep = "x = " + "(" * (MAX_DEPTH + 5) + "1" + ")" * (MAX_DEPTH + 5) + "\n\n\ndef f():\n    pass\n"
    assert reparser.parse(deep) is None  # too deep: the whole-text measure reports it
    assert reparser.parsed <= 4  # the deep piece was measured, never given to libcst


def test_an_edit_parses_only_its_piece() -> None:
    functions = "".join(f"\n\ndef f{k}(x):\n    return x + {k}\n" for k in range(30))
    text = "import numpy as np\n" + functions
    reparser = Reparser()
    assert same_as_whole(text, reparser)
    assert reparser.parsed == 31
    edited = text.replace("return x + 17\n", "return x * 17  # changed\n")
    assert same_as_whole(edited, reparser)
    assert reparser.parsed == 32  # the edited function only
    appended = edited + "# a comment at the end\n"
    assert same_as_whole(appended, reparser)
    assert reparser.parsed == 33


def test_the_kept_pieces_are_bounded() -> None:
    reparser = Reparser(max_chars=2_000)
    for k in range(200):
        reparser.parse(f"import numpy as np\n\n\ndef f{k}(x):\n    return x + {k}\n")
    assert reparser._chars <= 2_000


def test_a_documents_replaced_pieces_are_dropped() -> None:
    functions = "".join(f"\n\ndef f{k}(x):\n    return x + {k}\n" for k in range(10))
    text = "import numpy as np\n" + functions
    reparser = Reparser()
    other = reparser.for_document("file:///b.py")
    assert other.parse(text) is not None  # another open document with the same text
    mine = reparser.for_document("file:///a.py")
    assert mine.parse(text) is not None and len(reparser) == 11
    for k in range(50):  # 50 versions, each with its own last piece
        version = text + f"\n\ndef g():\n    return {k}\n"
        assert mine.parse(version).deep_equals(cst.parse_module(version))
        assert len(reparser) == 12  # the shared pieces and this version's own: no older version's
    assert reparser.parse(text + "y = 0\n") is not None  # a parse for no document keeps its pieces
    assert len(reparser) == 13
    typing = text + "\n\ndef g(:\n"  # mid-typing: the last good version's pieces stay
    assert mine.parse(typing) is None
    assert mine.parse(typing + "    pass\n") is None
    parsed = reparser.parsed
    assert mine.parse(text + "\n\ndef g():\n    return 49\n") is not None and reparser.parsed == parsed
    reparser.forget("file:///a.py")
    assert len(reparser) > 12  # dropped at the next parse, in the parsing thread
    other.parse(text)
    assert len(reparser) == 12  # the other document's pieces, and the one of the parse for no document


def _python_files(folder: Path, count: int):
    """``count`` files spread over the folder (deep_equals is slow: the whole set takes a minute)."""
    files = sorted(folder.rglob("*.py"))
    return files[::max(1, len(files) // count)]


@pytest.mark.parametrize("where", ["project", "stdlib"])
def test_real_modules_give_the_whole_text_tree(where: str) -> None:
    if where == "project":
        files = _python_files(REPO / "shapelint", 12) + _python_files(REPO / "fixtures", 12)
    else:
        stdlib = Path(sysconfig.get_paths()["stdlib"])
        files = [stdlib / name for name in ("dataclasses.py", "difflib.py")]
        files = [f for f in files if f.is_file()]
    checked = 0
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
            cst.parse_module(text)
        except (UnicodeDecodeError, cst.ParserSyntaxError):
            continue  # (fixtures of bad input, on purpose)
        reparser = Reparser()
        checked += same_as_whole(text, reparser)
        lines = text.splitlines(keepends=True)
        if len(lines) > 4:  # an edit in the middle, parsed from the kept pieces
            k = len(lines) // 2
            edited = "".join(lines[:k]) + "\n" + "".join(lines[k:])
            try:
                cst.parse_module(edited)
            except cst.ParserSyntaxError:
                continue
            same_as_whole(edited, reparser)
    assert checked >= len(files) * 0.8, (checked, len(files))


def _long_text(functions: int) -> str:
    doc = "doc " * 60
    body = "".join(f'\n\ndef f{k}(x):\n    """{doc}"""\n    return x + {k}\n' for k in range(functions))
    return "import numpy as np\n" + body


def _count_parsed_lengths(monkeypatch: pytest.MonkeyPatch) -> list:
    lengths: list = []
    parse = cst.parse_module
    monkeypatch.setattr(cst, "parse_module", lambda text, *a, **k: lengths.append(len(text)) or parse(text, *a, **k))
    return lengths


def test_pieces_of_at_least_min_chars() -> None:
    text = _long_text(100)
    pieces = cut(text, 2_000)
    assert "".join(pieces) == text
    assert all(len(p) >= 2_000 for p in pieces[:-1])
    assert len(pieces) < len(cut(text)) // 5


def test_a_long_text_is_parsed_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _long_text(200)
    assert len(text) > 2 * PIECE_CHARS
    whole = cst.parse_module(text)
    lengths = _count_parsed_lengths(monkeypatch)
    tree = parse_long_text(text)
    assert tree is not None and tree.code == text and tree.deep_equals(whole)
    assert max(lengths) < 2 * PIECE_CHARS  # libcst never held the whole text
    # short texts, and long ones whose pieces cannot give the tree, are left to the whole parse
    assert parse_long_text(_long_text(3)) is None
    assert parse_long_text(text.replace("def f7(x):", "def f7(x:")) is None
    assert parse_long_text(text.replace("\n", "\r\n")) is None


def test_modules_and_checked_files_are_parsed_in_pieces(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from shapelint.analysis import analyze_source
    from shapelint.analysis.parsing import parse_or_none

    text = _long_text(200) + "\n\ndef g():\n    return np.ones((3, 1)) + np.ones((4, 1))\n"
    whole = cst.parse_module(text)
    lengths = _count_parsed_lengths(monkeypatch)
    assert parse_or_none(text).deep_equals(whole)
    path = tmp_path / "long.py"
    path.write_text(text)
    found = analyze_source(text, str(path)).diagnostics
    assert [(d.code, d.line) for d in found] == [("SL101", text.count("\n"))]
    assert max(lengths) < 2 * PIECE_CHARS
