from shapelint.algebra.dims import fmt_shape
from shapelint.rules.base import Rule
from shapelint.rules.events import (
    ContractUnreadableEvent,
    DeclaredConflictEvent,
    DocumentedAssertFailsEvent,
    DocumentedMismatchEvent,
    RuleContext,
)


class UnreadableDeclaration(Rule):
    code = "SL303"
    name = "unreadable-shape-declaration"
    severity = "warning"
    summary = "A docstring shape that cannot be read, or that the code contradicts"
    doc = """\
## What it does
Warns when a docstring line looks like a shape declaration but cannot be
parsed, when an `assert` in the function contradicts the shape the
docstring declares for the same parameter, and when an operation fails
only because of sizes that docstrings name (outside the course's notation:
`n_samples`, `n_features`, ...): the code contradicts its documentation.
When the documented sizes are a caller's and the operation that fails is in
a function it calls, the finding is SL305 (opt-in) instead.

## Why is this bad?
shapelint (and its runtime contracts) check code against the shapes that
docstrings declare.  A declaration that cannot be read is silently not
checked, and one that contradicts the code's own assert is wrong in one of
the two places.  An operation that fails with the documented shapes is not
reported as an error: docstrings can be wrong where the code is right.

## Example
```python
def forward(X):
    \"\"\"
    X -- input data of shape (n_x, m
    \"\"\"
```

## Fix
```python
    X -- input data of shape (n_x, m)
```
"""
    VALID = ['def f(X):\n    """\n    Arguments:\n    X -- input data of shape (n_x, m)\n    """\n    return X\nimport numpy as np\n']
    INVALID = [
        'def f(X):\n    """\n    Arguments:\n    X -- input data of shape (n_x, m\n    """\n    return X\nimport numpy as np\n',
        'import numpy as np\ndef f(X, n_x, m):\n    """\n    Arguments:\n    X -- input data of shape (n_x, m)\n    """\n    assert X.shape == (m, n_x)\n    return X\n',
        'import numpy as np\ndef f(a, b):\n    """\n    Parameters\n    ----------\n    a : ndarray of shape (n_features,)\n'
        '    b : ndarray of shape (n_features, n_repeats)\n    """\n    return a - b\n',
    ]

    handles = {
        ContractUnreadableEvent: "on_contract_unreadable",
        DeclaredConflictEvent: "on_declared_conflict",
        DocumentedMismatchEvent: "on_documented_mismatch",
        DocumentedAssertFailsEvent: "on_documented_assert_fails",
    }

    def on_contract_unreadable(self, ev: ContractUnreadableEvent, ctx: RuleContext) -> None:
        ctx.report(ev.node, self.code,
                   f"the docstring of `{ev.func}()` declares a shape that cannot be read: {ev.text!r} "
                   f"({ev.reason}); it is not checked", self.severity)

    def on_declared_conflict(self, ev: DeclaredConflictEvent, ctx: RuleContext) -> None:
        ctx.report(ev.node, self.code,
                   f"this assert says `{ev.name}` has shape {fmt_shape(ev.want)}, but its docstring declares "
                   f"`{ev.declared}` = {fmt_shape(ev.have)}; one of the two is wrong", self.severity)

    def on_documented_mismatch(self, ev: DocumentedMismatchEvent, ctx: RuleContext) -> None:
        ctx.report(ev.node, self.code,
                   f"`{ctx.code_of(ev.node, 50)}`: {ev.error.message}, with the shapes the docstrings declare; "
                   f"the documentation or the code is wrong", self.severity)

    def on_documented_assert_fails(self, ev: DocumentedAssertFailsEvent, ctx: RuleContext) -> None:
        ctx.report(ev.node, self.code,
                   f"this assert fails with the shapes the docstrings declare (`{ev.name}` has shape "
                   f"{fmt_shape(ev.have)}); the documentation or the code is wrong", self.severity)
