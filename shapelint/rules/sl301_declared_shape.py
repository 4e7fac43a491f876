from shapelint.algebra.dims import dims_equal, fmt_shape
from shapelint.rules.base import Rule
from shapelint.rules.events import ContractViolationEvent, DeclaredValueEvent, RuleContext


class DeclaredShapeContradicted(Rule):
    code = "SL301"
    name = "contradicts-declared-shape"
    severity = "warning"
    summary = "A value contradicts the shape its docstring or annotation declares"
    doc = """\
## What it does
Reads the shapes that code already states, in docstrings (course style,
numpydoc, Google style), jaxtyping annotations and `shapelint.check` calls, and
warns where a value contradicts them: an argument at a call site, a returned
value, or an annotated assignment.  Sizes named alike are bound across all
the arguments of one call.

## Why is this bad?
Either the code computes the wrong shape, or the declaration is out of date
and misleads every reader; in the column layout a transposed argument usually
crashes a few lines later, far from its cause.

## Example
```python
def linear_forward(A, W, b):
    \"\"\"
    A -- activations: (size of previous layer, number of examples)
    W -- weights matrix of shape (size of current layer, size of previous layer)
    b -- bias vector of shape (size of current layer, 1)
    \"\"\"
    return np.dot(W, A) + b

linear_forward(np.ones((3, 10)), np.ones((3, 4)), np.zeros((4, 1)))
```

## Fix
Pass what the declaration says (here `W` of shape `(4, 3)`), or correct the
declaration.
"""
    VALID = [
        'import numpy as np\ndef f(A, W):\n    """\n    Arguments:\n    A -- input of shape (n_x, m)\n    W -- weights of shape (n_h, n_x)\n    """\n    return np.dot(W, A)\nf(np.ones((3, 10)), np.ones((4, 3)))\n',
    ]
    INVALID = [
        'import numpy as np\ndef f(A, W):\n    """\n    Arguments:\n    A -- input of shape (n_x, m)\n    W -- weights of shape (n_h, n_x)\n    """\n    return A\nf(np.ones((3, 10)), np.ones((3, 4)))\n',
        'import numpy as np\ndef g(n_h, m):\n    """\n    Returns:\n    Z -- output of shape (n_h, m)\n    """\n    return np.zeros((m, n_h))\n',
    ]

    handles = {ContractViolationEvent: "on_contract_violation", DeclaredValueEvent: "on_declared_value"}

    def on_contract_violation(self, ev: ContractViolationEvent, ctx: RuleContext) -> None:
        ctx.report(ev.node, self.code,
                   f"{ev.what} has shape {fmt_shape(ev.actual)} but is declared `{ev.declared_text}`: {ev.reason}",
                   self.severity)

    def on_declared_value(self, ev: DeclaredValueEvent, ctx: RuleContext) -> None:
        declared, actual = ev.declared, ev.value.shape
        if declared is None or actual is None:
            return
        if len(declared) != len(actual) or any(dims_equal(d, a) is False for d, a in zip(declared, actual)):
            ctx.report(ev.node, self.code,
                       f"`{ev.name}` is annotated {fmt_shape(declared)} but is assigned a value of shape "
                       f"{fmt_shape(actual)}", self.severity)
