from shapelint.algebra.ops import ErrorKind
from shapelint.rules._mismatch import MismatchRule


class AxisOutOfRange(MismatchRule):
    code = "SL105"
    kind = ErrorKind.AXIS  # the errors of the algebra it reports
    name = "axis-or-index-out-of-range"
    summary = "An axis, or an index, that the array does not have"
    doc = """\
## What it does
Reports reductions, `transpose`, `swapaxes`, `expand_dims`, `squeeze` and
`concatenate` with an axis outside `[-ndim, ndim)`, and indexing with more
indices than the array has dimensions (or a constant index past a known size).

## Why is this bad?
NumPy raises `AxisError: axis 2 is out of bounds for array of dimension 2`
or `IndexError: too many indices for array`.  A rank-1 array indexed as
`x[:, 0]` is the classic case.

## Example
```python
x = np.zeros(5)
col = x[:, 0]
```

## Fix
```python
x = np.zeros((5, 1))
col = x[:, 0]
```
"""
    VALID = [
        "import numpy as np\nx = np.zeros((5, 3))\ns = x.sum(axis=-1)\n",
        "import numpy as np\nx = np.zeros((5, 1))\nc = x[:, 0]\n",
    ]
    INVALID = [
        "import numpy as np\nx = np.zeros((5, 3))\ns = x.sum(axis=2)\n",
        "import numpy as np\nx = np.zeros(5)\nc = x[:, 0]\n",
    ]
