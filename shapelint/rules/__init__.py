"""The rule registry: every code shapelint can report, one module per code."""

from __future__ import annotations

import importlib
from typing import Dict, Iterable, List, Optional, Set, Type

from shapelint.rules.base import Rule

# Listed, not discovered: the order is the order of `shapelint rules`, and an
# explicit list costs nothing at start-up.
_RULE_MODULES = [
    "sl000_syntax_error",
    "sl001_unreadable_file",
    "sl002_too_complex",
    "sl101_broadcast_error",
    "sl102_matmul_mismatch",
    "sl103_reshape_size",
    "sl104_concat_mismatch",
    "sl105_axis_out_of_range",
    "sl106_assert_fails",
    "sl107_scalar_conversion",
    "sl201_rank1_array",
    "sl202_star_vs_dot",
    "sl203_np_matrix",
    "sl204_outer_broadcast",
    "sl205_transpose_rank1",
    "sl206_dot_of_vectors",
    "sl207_reduction_misaligned",
    "sl208_sizes_forced_equal",
    "sl209_likely_shape_error",
    "sl301_declared_shape",
    "sl302_gradient_shape",
    "sl303_unreadable_declaration",
    "sl304_test_data_contradicts_docstring",
    "sl305_caller_docstring_fails_in_callee",
    "sl900_unused_suppression",
]

_registry: Optional[Dict[str, Type[Rule]]] = None


def all_rules() -> Dict[str, Type[Rule]]:
    """code -> rule class, in documentation order."""
    global _registry
    if _registry is None:
        reg: Dict[str, Type[Rule]] = {}
        for mod_name in _RULE_MODULES:
            mod = importlib.import_module(f"shapelint.rules.{mod_name}")
            for obj in vars(mod).values():
                if isinstance(obj, type) and issubclass(obj, Rule) and obj is not Rule and obj.__module__ == mod.__name__:
                    reg[obj.code] = obj
        _registry = reg
    return _registry


def default_codes() -> Set[str]:
    return {code for code, rule in all_rules().items() if rule.default_enabled}


def expand_selectors(selectors: Iterable[str]) -> Set[str]:
    """Codes matched by selectors: full codes, prefixes such as ``SL2``, or ``ALL``."""
    codes = all_rules()
    out: Set[str] = set()
    for sel in selectors:
        sel = sel.strip().upper()
        if not sel:
            continue
        if sel == "ALL":
            out.update(codes)
            continue
        matched = [c for c in codes if c.startswith(sel)]
        if not matched:
            raise ValueError(f"unknown rule selector: {sel!r}")
        out.update(matched)
    return out


def resolve_selection(select: Optional[Iterable[str]] = None, ignore: Iterable[str] = (),
                      extend_select: Iterable[str] = ()) -> Set[str]:
    """The enabled codes, ruff-style: select (default: the default set) + extend-select - ignore."""
    chosen = expand_selectors(select) if select is not None else default_codes()
    chosen |= expand_selectors(extend_select)
    chosen -= expand_selectors(ignore)
    return chosen


def rule_list() -> List[Type[Rule]]:
    return list(all_rules().values())
