from shapelint.rules.base import Rule


class UnusedSuppressionRule(Rule):
    """Reported by ``shapelint.suppress`` after the analyzer has run."""

    code = "SL900"
    name = "unused-suppression"
    severity = "warning"
    summary = "A `# noqa` / `# shapelint: ignore` comment that suppresses nothing"
    default_enabled = False
    doc = """\
## What it does
Reports a suppression comment that no longer suppresses anything: a code in
`# noqa: SL101` or `# shapelint: ignore[SL101]` with no `SL101` finding on
that line, an unknown `SL` code, or a blanket `# shapelint: ignore` on a line
without findings.  Opt-in: select it with `--extend-select SL900` (or
`extend-select = ["SL900"]` in the configuration).

Only codes enabled in the run are checked; other tools' codes (`E501`) and a
blanket `# noqa` (which may be there for another tool) are never reported.

## Why is this bad?
A stale suppression hides the next real bug on that line, and it tells the
reader that something is wrong with a line that is fine.

## Example
```python
import numpy as np

x = np.ones((2, 3)) + np.ones((2, 3))  # noqa: SL101
```

## Fix
Remove the comment, or the codes in it that are no longer needed:
```python
import numpy as np

x = np.ones((2, 3)) + np.ones((2, 3))
```
"""
    # Suppressions are applied after the analyzer: check these examples with
    # ``shapelint.runner.lint_bytes`` (``analyze_source`` does not apply them).
    EXAMPLES_VIA = "runner"
    VALID = [
        "import numpy as np\nx = np.ones((2, 3))  # noqa\n",
        "x = 1  # noqa: E501\n",
    ]
    INVALID = [
        "import numpy as np\nx = np.ones((2, 3)) + np.ones((2, 3))  # noqa: SL101\n",
        "x = 1  # shapelint: ignore\n",
        "x = 1  # shapelint: ignore[SL999]\n",
    ]
