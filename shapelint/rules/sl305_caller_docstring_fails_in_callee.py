from shapelint.algebra.dims import fmt_shape
from shapelint.rules.base import Rule
from shapelint.rules.events import (
    CallerDocumentedAssertFailsEvent,
    CallerDocumentedMismatchEvent,
    ContractTheCodeContradictsEvent,
    RuleContext,
)


class CallerDocstringFailsInCallee(Rule):
    code = "SL305"
    name = "caller-docstring-fails-in-callee"
    severity = "warning"
    summary = "A caller's documented shapes fail in a function it calls (a docstring finding)"
    default_enabled = False
    doc = """\
## What it does
Analyzing a function on the shapes its docstring declares, reports an
operation that fails in a function it calls, only because of sizes that
docstrings name (outside the course's notation): the caller's docstring and
the callee disagree.  When the failing operation is in the documented
function itself, that is SL303.  A call whose arguments contradict such a
declaration (`L_layer_model(train_x, train_y, ...)` with the real
`(12288, 209)` data) is reported here as well, not as SL301.
Opt-in: select it with `--extend-select SL305` (or `extend-select = ["SL305"]`).

## Why is this bad?
It is a documentation finding: the sizes come from one docstring and fail in
other code, which runs with the data the program really passes.  The course's
`L_layer_model` documents `X` as `(number of examples, num_px * num_px * 3)`
and passes it on to helpers that take `(num_px * num_px * 3, number of
examples)`: the helpers (and the notebook) are right, the docstring is
transposed.  It is off by default so that code the course handed out passes
the default gate; your own calls that break a declaration are still SL301,
unless that declaration is one the function's own code fails with in the
functions it calls: a call that contradicts it is reported here too.

## Example
```python
def compute_cost(AL, Y):
    \"\"\"
    AL -- predictions, shape (1, number of examples)
    Y -- labels, shape (1, number of examples)
    \"\"\"
    return np.dot(Y, np.log(AL).T)

def model(X, Y):
    \"\"\"
    X -- data of shape (number of examples, num_px * num_px * 3)
    Y -- labels of shape (1, number of examples)
    \"\"\"
    AL = sigmoid(np.sum(X, axis=0, keepdims=True))
    return compute_cost(AL, Y)     # SL305 in compute_cost, with model's sizes
```

## Fix
Correct the docstring that names the sizes
(`X -- data of shape (num_px * num_px * 3, number of examples)`).
"""
    VALID = [
        'import numpy as np\n'
        'def cost(AL, Y):\n    """\n    AL -- predictions, shape (1, number of examples)\n'
        '    Y -- labels, shape (1, number of examples)\n    """\n    return np.dot(Y, np.log(AL).T)\n'
        'def model(X, Y):\n    """\n    X -- data of shape (num_px * num_px * 3, number of examples)\n'
        '    Y -- labels of shape (1, number of examples)\n    """\n'
        '    AL = np.sum(X, axis=0, keepdims=True)\n    return cost(AL, Y)\n',
    ]
    INVALID = [
        'import numpy as np\n'
        'def cost(AL, Y):\n    """\n    AL -- predictions, shape (1, number of examples)\n'
        '    Y -- labels, shape (1, number of examples)\n    """\n    return np.dot(Y, np.log(AL).T)\n'
        'def model(X, Y):\n    """\n    X -- data of shape (number of examples, num_px * num_px * 3)\n'
        '    Y -- labels of shape (1, number of examples)\n    """\n'
        '    AL = np.sum(X, axis=0, keepdims=True)\n    return cost(AL, Y)\n',
    ]

    handles = {
        CallerDocumentedMismatchEvent: "on_documented_mismatch",
        CallerDocumentedAssertFailsEvent: "on_documented_assert_fails",
        ContractTheCodeContradictsEvent: "on_contract_the_code_contradicts",
    }

    def on_documented_mismatch(self, ev: CallerDocumentedMismatchEvent, ctx: RuleContext) -> None:
        ctx.report(ev.node, self.code,
                   f"`{ctx.code_of(ev.node, 50)}`: {ev.error.message}, with the shapes a caller's docstring "
                   f"declares; the caller's documentation or this code is wrong", self.severity)

    def on_documented_assert_fails(self, ev: CallerDocumentedAssertFailsEvent, ctx: RuleContext) -> None:
        ctx.report(ev.node, self.code,
                   f"this assert fails with the shapes a caller's docstring declares (`{ev.name}` has shape "
                   f"{fmt_shape(ev.have)}); the caller's documentation or this code is wrong", self.severity)

    def on_contract_the_code_contradicts(self, ev: ContractTheCodeContradictsEvent, ctx: RuleContext) -> None:
        ctx.report(ev.node, self.code,
                   f"{ev.what} has shape {fmt_shape(ev.actual)} but is declared `{ev.declared_text}`: {ev.reason}; "
                   f"the function's own code fails in the functions it calls with that declaration, so the "
                   f"docstring is what is wrong", self.severity)
