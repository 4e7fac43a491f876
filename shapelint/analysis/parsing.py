"""Parsing source text into a libcst tree, for the checked file and the modules it imports."""

from __future__ import annotations

from typing import Optional

import libcst as cst


def parse_or_none(source: str) -> Optional[cst.Module]:
    """The tree, or None when the text cannot be parsed (a syntax error, nesting too deep).

    An imported module is measured like a checked file first: libcst's parser
    crashes the process on deep enough nesting (see ``precheck``).
    """
    from shapelint.source.precheck import measure

    if measure(source).excess is not None:
        return None
    try:
        return cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError, MemoryError, ValueError):
        return None
