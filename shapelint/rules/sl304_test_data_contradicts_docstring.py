from shapelint.algebra.dims import fmt_shape
from shapelint.rules.base import Rule
from shapelint.rules.events import RuleContext, TestDataContradictsContractEvent


class CourseTestDataContradictsDocstring(Rule):
    code = "SL304"
    name = "test-data-contradicts-docstring"
    severity = "warning"
    summary = "The course's own test data contradicts a docstring's declared shape"
    default_enabled = False
    doc = """\
## What it does
Reports a call whose arguments contradict the callee's declared shapes when
those arguments are the course's (or project's) own test data: arrays returned
by a test-case function (`forward_propagation_test_case()`, any `*_test_case()`),
by any function of a test-data module (`testCases.py`, `testCases_v4a.py`,
`test_cases.py`, `public_tests.py`, `test_utils.py`), passed on unchanged;
passed by a call made inside such a module; or a test cell's input: a random
array with literal sizes (`np.random.randn(2, 3)`) made at the top level of a
file (a notebook cell, not a function) after a top-level `np.random.seed(...)`.
Every array argument checked up to the contradiction must be test data; one
array of your own makes it SL301.
Opt-in: select it with `--extend-select SL304` (or `extend-select = ["SL304"]`).

## Why is this bad?
It is a documentation finding, not a bug in the code that runs: the course
documents `X` as `(2, number of examples)` and tests the function with a
`(3, 5)` array, and the function works with both.  The docstring is too narrow
(or the test data too free).  It is off by default because a student's
pre-commit hook or CI must not fail on code the course handed them; SL301 still
reports your own calls that break a declaration.

## Example
```python
def forward_propagation_test_case():      # from the course's testCases.py
    return np.random.randn(3, 5)

def forward_propagation(X):
    \"\"\"
    X -- input dataset, of shape (2, number of examples)
    \"\"\"
    return np.tanh(X)

X_assess = forward_propagation_test_case()
A = forward_propagation(X_assess)          # SL304: (3, 5), declared (2, m)
```

## Fix
Write the docstring's size as a name when the function works for any size
(`(n_x, number of examples)`), or leave the course's material as it is and keep
this rule off.
"""
    VALID = [
        # the test data agrees with the declaration
        'import numpy as np\ndef fp_test_case():\n    return np.ones((2, 5))\n'
        'def fp(X):\n    """\n    X -- input dataset, of shape (2, number of examples)\n    """\n    return X\n'
        'X_assess = fp_test_case()\nfp(X_assess)\n',
        # the student's own array: SL301's, not this rule's
        'import numpy as np\n'
        'def fp(X):\n    """\n    X -- input dataset, of shape (2, number of examples)\n    """\n    return X\n'
        'fp(np.ones((3, 5)))\n',
    ]
    INVALID = [
        'import numpy as np\ndef fp_test_case():\n    np.random.seed(1)\n    return np.random.randn(3, 5), {"W1": np.ones((4, 3))}\n'
        'def fp(X, parameters):\n    """\n    X -- input dataset, of shape (2, number of examples)\n    """\n'
        '    return np.dot(parameters["W1"], X)\n'
        'X_assess, parameters = fp_test_case()\nA = fp(X_assess, parameters)\n',
        'import numpy as np\n'
        'def fp(X):\n    """\n    X -- input dataset, of shape (2, number of examples)\n    """\n    return X\n'
        'np.random.seed(1)\nx = np.random.randn(3, 5)\nfp(x)\n',
    ]

    handles = {TestDataContradictsContractEvent: "on_test_data_contradicts_contract"}

    def on_test_data_contradicts_contract(self, ev: TestDataContradictsContractEvent, ctx: RuleContext) -> None:
        ctx.report(ev.node, self.code,
                   f"{ev.what} is the course's test data of shape {fmt_shape(ev.actual)}, but is declared "
                   f"`{ev.declared_text}`: {ev.reason}; the docstring is narrower than the data it is tested with",
                   self.severity)
