"""Every rule's own VALID and INVALID examples, run through the analyzer (Fixit-style)."""

import pytest

from shapelint.analysis import analyze_source
from shapelint.rules import all_rules

RULES = list(all_rules().values())
# Codes whose findings come from outside the analyzer (the file reader, the
# suppression pass): their examples go through the whole per-file pipeline.
NOT_FROM_ANALYZER = {code for code, rule in all_rules().items() if getattr(rule, "EXAMPLES_VIA", "") == "runner"}


def _codes(source: str, code: str):
    if code in NOT_FROM_ANALYZER:
        from shapelint.rules import default_codes
        from shapelint.runner import lint_bytes

        # with the default rules on, as a user would run it: a suppression is
        # judged against the codes that could have fired
        outcome = lint_bytes(source.encode("utf-8", "surrogateescape"), "example.py",
                             codes=default_codes() | {code})
        assert not outcome.internal_error, outcome.message
        return [d.code for d in outcome.diagnostics]
    result = analyze_source(source, "example.py", codes={code})
    assert result.error is None, result.error
    return [d.code for d in result.diagnostics]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_has_examples_and_docs(rule):
    assert rule.VALID and rule.INVALID, f"{rule.code} needs VALID and INVALID examples"
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Fix"):
        assert heading in rule.doc, f"{rule.code} doc lacks {heading!r}"
    assert rule.severity in ("error", "warning")


CASES = [(r.code, "valid", i, src) for r in RULES for i, src in enumerate(r.VALID)]
CASES += [(r.code, "invalid", i, src) for r in RULES for i, src in enumerate(r.INVALID)]


@pytest.mark.parametrize("code,kind,index,source", CASES, ids=[f"{c}-{k}-{i}" for c, k, i, _ in CASES])
def test_rule_example(code, kind, index, source):
    found = _codes(source, code)
    if kind == "valid":
        assert code not in found, f"{code} fired on its VALID example:\n{source}"
    else:
        assert code in found, f"{code} stayed quiet on its INVALID example:\n{source}"


@pytest.mark.parametrize("code,kind,index,source", [c for c in CASES if c[1] == "valid" and c[0].startswith("SL1")],
                         ids=lambda c: str(c))
def test_valid_error_examples_run_clean_under_numpy(code, kind, index, source):
    """The VALID examples of the error rules really run: the analyzer is not alone in saying so."""
    namespace = {}
    exec(compile(source, "example.py", "exec"), namespace)


@pytest.mark.parametrize("code,kind,index,source", [c for c in CASES if c[1] == "invalid" and c[0].startswith("SL1")
                                                    and c[0] != "SL106"], ids=lambda c: str(c))
def test_invalid_error_examples_really_raise(code, kind, index, source):
    """An error means "this line raises": check that NumPy agrees on each INVALID example."""
    with pytest.raises((ValueError, IndexError, TypeError)):
        exec(compile(source, "example.py", "exec"), {})


def test_every_error_kind_of_the_algebra_is_reported_by_one_rule():
    """The algebra says what NumPy would raise about (ErrorKind); the rules say which code reports it."""
    from shapelint.algebra.ops import ErrorKind
    from shapelint.rules import all_rules

    kinds = [rule.kind for rule in all_rules().values() if getattr(rule, "kind", None) is not None]
    assert sorted(kinds) == sorted(ErrorKind)
