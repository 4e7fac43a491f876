from shapelint.rules.base import Rule

# 150 terms: deeper than shapelint's limit (100 levels), well inside CPython's
# (it compiles sums of about 3,000 terms), so the file runs but is not analyzed.
_LONG_SUM = "import numpy as np\nx = np.ones(3)\ny = " + " + ".join(["x"] * 150) + "\n"
_DEEP_LISTS = "import numpy as np\nx = np.array(" + "[" * 120 + "1" + "]" * 120 + ")\n"
_DEEP_CALLS = "import numpy as np\nx = " + "np.abs(" * 60 + "np.ones(3)" + ")" * 60 + "\n"


class TooComplexRule(Rule):
    """Reported by the parse stage (``shapelint.analysis``) before libcst sees the file."""

    code = "SL002"
    name = "too-complex-to-analyze"
    severity = "warning"
    summary = "The file is nested too deeply or is too long to analyze, so nothing in it was checked"
    doc = """\
## What it does
Reports a file that Python can run but that shapelint will not analyze,
because one statement or expression in it is nested more than 100 levels
deep, or the file is longer than 120,000 tokens (10,000,000 characters).
The message gives the measured depth or length, the limit, and the line
where the limit was passed.

Nesting is counted the way a parser builds its tree: each open bracket is a
level, a call or subscript one more, and so is every operator of a chain,
because `a + b + c + d` is `((a + b) + c) + d`: a sum of 150 terms is 150
levels deep.  Each `elif` of an `if` chain, and each indented block, is one
more level for what follows it.

## Why is this bad?
Nothing in the file was checked.  The parser shapelint uses (libcst) needs
time that grows with the square of the nesting, and deep enough nesting
crashes it: a 20,000-term sum would run for minutes and then kill the whole
run.  shapelint measures every file first (one cheap pass over its tokens)
and skips those past the limits; the other files are still checked.  When
CPython cannot compile the file either, the finding is `SL000` instead: the
file cannot run.

## Example
Generated code that adds up many terms in one expression:
```python
import numpy as np

x = np.ones(3)
y = x + x + x + ... + x   # 150 terms
```

## Fix
Split the expression (`y = sum(terms)`, or a loop), or if the file is
generated and not worth checking, exclude it (`extend-exclude`) or put
`# shapelint: skip-file` in it.
"""
    VALID = [
        "import numpy as np\nx = np.ones(3)\ny = " + " + ".join(["x"] * 50) + "\n",
        "import numpy as np\nx = np.array(" + "[" * 30 + "1" + "]" * 30 + ")\n",
    ]
    INVALID = [_LONG_SUM, _DEEP_LISTS, _DEEP_CALLS]
