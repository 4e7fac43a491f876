from shapelint.algebra.ops import ErrorKind
from shapelint.rules._mismatch import MismatchRule


class ReshapeSize(MismatchRule):
    code = "SL103"
    kind = ErrorKind.RESHAPE  # the errors of the algebra it reports
    name = "reshape-size-mismatch"
    summary = "A reshape to a shape with a different number of elements"
    doc = """\
## What it does
Reports `reshape` (function or method, tuple or varargs, with at most one
`-1`) whose target size differs from the array's size, or whose `-1` cannot
be inferred.

## Why is this bad?
`reshape` never adds or drops elements: it raises `ValueError: cannot reshape
array of size 12 into shape (5, 3)`.

## Example
```python
x = np.arange(12)
y = x.reshape(5, 3)
```

## Fix
```python
y = x.reshape(4, 3)   # or x.reshape(-1, 3)
```
"""
    VALID = [
        "import numpy as np\nx = np.arange(12)\ny = x.reshape(-1, 3)\n",
        "import numpy as np\nx = np.ones((64, 64, 3))\ny = x.reshape(1, -1)\n",
    ]
    INVALID = [
        "import numpy as np\nx = np.arange(12)\ny = x.reshape(5, 3)\n",
        "import numpy as np\nx = np.arange(10)\ny = np.reshape(x, (-1, 3))\n",
    ]
