from shapelint.algebra.ops import ErrorKind
from shapelint.rules._mismatch import MismatchRule


class ConcatMismatch(MismatchRule):
    code = "SL104"
    kind = ErrorKind.JOIN  # the errors of the algebra it reports
    name = "concatenate-mismatch"
    summary = "Arrays joined by concatenate/stack do not fit together"
    doc = """\
## What it does
Reports `np.concatenate`, `np.stack`, `np.vstack`, `np.hstack` and
`np.column_stack` calls whose inputs differ in rank, or in a size other than
the joining axis (for `stack`: in any size).

## Why is this bad?
NumPy raises `ValueError: all the input array dimensions except for the
concatenation axis must match exactly`.

## Example
```python
a = np.zeros((3, 4))
b = np.zeros((3, 5))
c = np.vstack([a, b])       # joins along axis 0: 4 != 5
```

## Fix
```python
c = np.hstack([a, b])       # (3, 9)
```
"""
    VALID = [
        "import numpy as np\nc = np.hstack([np.zeros((3, 4)), np.zeros((3, 5))])\n",
        "import numpy as np\nc = np.stack([np.zeros(3), np.ones(3)])\n",
    ]
    INVALID = [
        "import numpy as np\nc = np.vstack([np.zeros((3, 4)), np.zeros((3, 5))])\n",
        "import numpy as np\nc = np.concatenate([np.zeros((3, 1)), np.zeros(3)], axis=1)\n",
    ]
