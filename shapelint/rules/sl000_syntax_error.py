from shapelint.rules.base import Rule


class SyntaxErrorRule(Rule):
    code = "SL000"
    name = "syntax-error"
    severity = "error"
    summary = "The file cannot be parsed, so nothing in it was checked"
    doc = """\
## What it does
Reports a file that is not valid Python (or a notebook cell that is not):
libcst's parser rejects it, or it is nested so deeply that CPython cannot
compile it either (see `SL002`).  The message and position are CPython's.
Syntax newer than the Python that runs shapelint is not an error when libcst
knows it (an f-string that reuses its quotes, valid since Python 3.12).

## Why is this bad?
The file will not run, and shapelint cannot check any shape in it.  The
other files of the run are still checked.

## Example
```python
def f(x:
    return x
```

## Fix
Fix the syntax error; the message gives the line and column.
"""
    VALID = ["x = 1\n"]
    INVALID = ["def f(x:\n    return x\n"]
