"""Function summaries: what the analysis understood of a function, written as a signature.

``shapelint shapes --signatures`` prints, for every function of a file, the
shapes its own analysis gave its parameters (what the code's uses of them
say) and its result, in one consistent notation:

    linear_backward(dZ: (a, m), cache: ((b, m), (a, b), (a, 1))) -> ((b, m), (a, b), (a, 1))

Sizes nobody named are letters (``a``, ``b``, ...), the same letter for the
same size throughout the signature; sizes the code or a docstring named keep
their names; ``?`` is a size nothing is known of, ``array`` an array of
unknown rank.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

from shapelint.algebra.dims import Dim, Sym, fmt_dim
from shapelint.analysis.values import (
    NONE,
    NUM,
    ArrayVal,
    ClassVal,
    DictVal,
    InstanceVal,
    IntVal,
    ParamVal,
    SeqVal,
    StrVal,
    TupleVal,
    Val,
)

_CODE_NAME = re.compile(r"\?([A-Za-z_][A-Za-z0-9_]*)#\d+$")  # a size the code named: `m = X.shape[1]`


class SignatureWriter:
    def __init__(self, env_vars: Dict[str, Val]):
        self.env = env_vars
        self.letters: Dict[str, str] = {}
        self.taken = set()

    def dim(self, d: Dim) -> str:
        if d is None:
            return "?"
        if isinstance(d, Sym) and d.invented:
            if len(d.terms) == 1 and d.terms[0][1] == 1 and len(d.terms[0][0]) == 1:
                name = d.terms[0][0][0]
                code = _CODE_NAME.match(name)
                if code is not None and code.group(1) != "_":
                    return code.group(1)
                return self.letter(name)
            return fmt_dim(d)
        return fmt_dim(d)

    def letter(self, key: str) -> str:
        if key not in self.letters:
            n = len(self.letters)
            while True:
                candidate = "abcdefghijkpqrstuvwxyz"[n % 22] + ("" if n < 22 else str(n // 22))
                n += 1
                if candidate not in self.taken:
                    break
            self.letters[key] = candidate
            self.taken.add(candidate)
        return self.letters[key]

    def value(self, v: Optional[Val], depth: int = 0) -> str:
        if depth > 4:
            return "..."
        if isinstance(v, ArrayVal):
            if v.shape is None:
                return "array"
            dims = [self.dim(d) for d in v.shape]
            return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"
        if isinstance(v, IntVal):
            return "int"
        if v is NUM:
            return "float"
        if v is NONE:
            return "None"
        if isinstance(v, StrVal):
            return "str"
        if isinstance(v, TupleVal):
            inner = ", ".join(self.value(x, depth + 1) for x in v.items)
            return f"[{inner}]" if v.is_list else f"({inner}{',' if len(v.items) == 1 else ''})"
        if isinstance(v, SeqVal):
            return f"[{self.value(v.elem, depth + 1)}, ...]"
        if isinstance(v, DictVal):
            items = list(v.entries.items())[:6]
            body = ", ".join(f"{''.join(str(p) for p in k)}: {self.value(x, depth + 1)}" for k, x in items)
            return "{" + body + (", ..." if len(v.entries) > 6 else "") + "}"
        if isinstance(v, InstanceVal):
            return v.cls.name
        if isinstance(v, ClassVal):
            return f"type[{v.name}]"
        if isinstance(v, ParamVal):
            if v.parts:
                return self.value(TupleVal(tuple(self.env.get(p, ParamVal(p)) for p in v.parts)), depth + 1)
            return "?"
        return "?"


def render_signature(name: str, params: List[str], env_vars: Dict[str, Val], result: Val,
                     skip_first: bool = False) -> Tuple[str, List[Tuple[str, str]], str]:
    """(signature text, [(param, shape text)], result text)."""
    writer = SignatureWriter(env_vars)
    shown = params[1:] if skip_first else params
    rendered = [(p, writer.value(env_vars.get(p))) for p in shown]
    returns = writer.value(result)
    text = f"{name}(" + ", ".join(f"{p}: {t}" for p, t in rendered) + f") -> {returns}"
    return text, rendered, returns
