"""Import statements: names bound to NumPy (and other libraries) by qualified name."""

from __future__ import annotations

import libcst as cst

from shapelint.algebra import api
from shapelint.analysis.env import Env
from shapelint.analysis.syntax import dotted, name_of
from shapelint.analysis.values import (
    UNKNOWN,
    QualVal,
)


class ImportsMixin:
    def import_from(self, node: cst.ImportFrom, env: Env) -> None:
        if node.relative or node.module is None:
            if not isinstance(node.names, cst.ImportStar):
                for alias in node.names:
                    name = alias.asname.name if alias.asname else alias.name
                    env.vars[name_of(name)] = UNKNOWN
            return
        mod = dotted(node.module)
        if isinstance(node.names, cst.ImportStar):
            if mod == "numpy":
                for q in api.API:
                    if q.count(".") == 1:
                        env.vars[q.split(".")[1]] = QualVal(q)
                env.vars["random"] = QualVal("numpy.random")
                env.vars["newaxis"] = QualVal("numpy.newaxis")
            return
        for alias in node.names:
            local = name_of(alias.asname.name) if alias.asname else dotted(alias.name)
            env.vars[local] = QualVal(f"{mod}.{dotted(alias.name)}")

