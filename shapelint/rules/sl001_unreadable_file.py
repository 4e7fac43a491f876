from shapelint.rules.base import Rule


class UnreadableFileRule(Rule):
    """Reported by the file runner (``shapelint.runner``), not by the analyzer."""

    code = "SL001"
    name = "unreadable-file"
    severity = "error"
    summary = "The file cannot be read or decoded, so nothing in it was checked"
    doc = """\
## What it does
Reports a file that shapelint was asked to check but could not read: a
permission error, a file that is not valid UTF-8 (or not in the encoding its
`# -*- coding: ... -*-` line declares), a binary file, or a notebook
(`.ipynb`) that is not valid notebook JSON.

## Why is this bad?
Nothing in the file was checked, and Python (or Jupyter) cannot run it
either.  Like ruff's `E902`, it is a finding rather than a crash: the other
files of the run are still checked, and the exit code is 1.

## Example
A file saved as Latin-1 without an encoding declaration:
```python
name = "café"   # the 'é' is the single byte 0xE9, not valid UTF-8
```

## Fix
Save the file as UTF-8 (or declare its encoding), fix the file's
permissions, or repair the notebook's JSON.  To skip such files, exclude
them (`extend-exclude`), or ignore `SL001` to see only a warning on stderr.
"""
    # These examples are file *contents*: encode them with
    # ``str.encode("utf-8", "surrogateescape")`` to get the bytes, and check
    # them with ``shapelint.runner.lint_bytes`` (the analyzer sees decoded text
    # only, so ``analyze_source`` cannot report this code).
    EXAMPLES_VIA = "runner"
    VALID = ["name = 'caf\u00e9'\n", "# -*- coding: latin-1 -*-\nname = 'caf\udce9'\n"]
    INVALID = ["name = 'caf\udce9'\n", "x = 1\n\x00\x00\x00\n"]
