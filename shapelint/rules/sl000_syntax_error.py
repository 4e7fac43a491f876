from shapelint.rules.base import Rule


class SyntaxErrorRule(Rule):
    code = "SL000"
    name = "syntax-error"
    severity = "error"
    summary = "The file cannot be parsed, so nothing in it was checked"
    doc = """\
## What it does
Reports a file that is not valid Python (or a notebook cell that is not).

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
