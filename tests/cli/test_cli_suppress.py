"""Inline suppressions, skip-file, and the opt-in SL900 (unused suppression)."""

import pytest

from shapelint.analysis import analyze_source
from shapelint.diagnostics import Diagnostic
from shapelint.rules import all_rules
from shapelint.runner import lint_bytes
from shapelint.suppress import apply_suppressions, find_suppressions, skip_file

BROADCAST = "import numpy as np\nx = np.ones((2, 3)) + np.ones((4, 5))"
HAS_SL101 = any(d.code == "SL101" for d in analyze_source(BROADCAST + "\n", "p.py").diagnostics)
needs_sl101 = pytest.mark.skipif(not HAS_SL101, reason="SL101 (broadcast error) is not implemented yet")


def diag(line, code="SL101"):
    return Diagnostic("f.py", line, 1, line, 2, code, "error", "m")


def codes(source, enabled=("SL101", "SL102", "SL900"), diags=None):
    diags = diags if diags is not None else [diag(1), diag(1, "SL102"), diag(2)]
    return sorted((d.line, d.code) for d in apply_suppressions(diags, source, set(enabled), "f.py"))


@pytest.mark.parametrize("comment, left", [
    ("# noqa", [(2, "SL101")]),
    ("# NOQA:SL101", [(1, "SL102"), (2, "SL101")]),
    ("# noqa: SL101, SL102", [(2, "SL101")]),
    ("# noqa: E501 SL102", [(1, "SL101"), (2, "SL101")]),
    ("# shapelint: ignore", [(2, "SL101")]),
    ("# shapelint: ignore[SL102]", [(1, "SL101"), (2, "SL101")]),
    ("# shapelint:ignore[ sl101 , SL102 ]", [(2, "SL101")]),
    ("# type: int  # noqa: SL101", [(1, "SL102"), (2, "SL101")]),
])
def test_directives(comment, left):
    assert codes(f"x = 1  {comment}\ny = 2\n") == left


def test_noqa_inside_a_string_is_not_a_comment():
    assert codes('x = "# noqa"\ny = 2\n') == [(1, "SL101"), (1, "SL102"), (2, "SL101")]


def test_untokenizable_source_falls_back_to_lines():
    src = 'x = """never closed  # noqa\n'
    assert find_suppressions(src)[1][0].codes is None


def test_skip_file_only_on_its_own_line():
    assert skip_file("# shapelint: skip-file\nimport numpy\n")
    assert skip_file("x = 1\n  #shapelint:skip-file\n")
    assert not skip_file("x = 1  # shapelint: skip-file\n")


def test_unused_suppressions_are_sl900():
    src = ("a = 1  # noqa: SL101\n"          # used
           "b = 2  # noqa: SL101, E501\n"    # SL101 unused, E501 is not ours
           "c = 3  # shapelint: ignore\n"    # unused blanket
           "d = 4  # noqa\n"                 # a blanket noqa is never reported
           "e = 5  # noqa: SL999\n"          # unknown code
           "f = 6  # noqa: SL102\n"          # SL102 not enabled: not checked
           "g = 7  # noqa: SL101, SL900\n")  # unused, but SL900 itself is suppressed
    out = apply_suppressions([diag(1)], src, {"SL101", "SL900"}, "f.py", known_codes=set(all_rules()) | {"SL101", "SL102"})
    got = [(d.line, d.column, d.code, d.message) for d in out]
    assert got == [
        (2, 8, "SL900", "Unused `# noqa` directive (unused: SL101)"),
        (3, 8, "SL900", "Unused blanket `# shapelint: ignore` directive"),
        (5, 8, "SL900", "Unused `# noqa` directive (unknown: SL999)"),
    ]
    assert all(d.severity == "warning" and d.source_line for d in out)


def test_sl900_is_off_by_default():
    assert not all_rules()["SL900"].default_enabled
    out = lint_bytes(b"x = 1  # shapelint: ignore\n", "f.py")
    assert out.diagnostics == []


def test_rule_examples_through_the_runner():
    """SL001 and SL900 are reported by the runner, so their examples run through lint_bytes."""
    for code in ("SL001", "SL900"):
        rule = all_rules()[code]
        assert rule.EXAMPLES_VIA == "runner"
        for src in rule.VALID:
            out = lint_bytes(src.encode("utf-8", "surrogateescape"), "ex.py", {code, "SL000"})
            assert code not in [d.code for d in out.diagnostics], (code, src)
        for src in rule.INVALID:
            if "SL101" in src and not HAS_SL101:
                continue
            out = lint_bytes(src.encode("utf-8", "surrogateescape"), "ex.py", {code, "SL101"})
            assert code in [d.code for d in out.diagnostics], (code, src)


@needs_sl101
def test_real_finding_suppressed_end_to_end():
    for comment in ("# noqa", "# noqa: SL101", "# shapelint: ignore[SL101]"):
        out = lint_bytes(f"{BROADCAST}  {comment}\n".encode(), "f.py", {"SL101", "SL900"})
        assert out.diagnostics == [], comment
    out = lint_bytes(f"{BROADCAST}  # noqa: SL102\n".encode(), "f.py", {"SL101", "SL102", "SL900"})
    assert [d.code for d in out.diagnostics] == ["SL101", "SL900"]
    assert lint_bytes(f"# shapelint: skip-file\n{BROADCAST}\n".encode(), "f.py").diagnostics == []


@needs_sl101
def test_multiline_expression_is_suppressed_on_its_first_line():
    src = "import numpy as np\nx = (np.ones((2, 3))  # noqa: SL101\n     + np.ones((4, 5)))\n"
    assert lint_bytes(src.encode(), "f.py", {"SL101"}).diagnostics == []
    src = "import numpy as np\nx = (np.ones((2, 3))\n     + np.ones((4, 5)))  # noqa: SL101\n"
    assert [d.line for d in lint_bytes(src.encode(), "f.py", {"SL101"}).diagnostics] == [2]
