"""How a finding names a file other than the one it is in: relative to a folder it is below."""

from __future__ import annotations

import os
from typing import Optional


def relative_below(path: str, folder: Optional[str] = None) -> Optional[str]:
    """``path`` relative to ``folder`` (default: the working folder) when it is below it; None
    when it is not (above it, or on another drive)."""
    try:
        rel = os.path.relpath(path, folder) if folder is not None else os.path.relpath(path)
    except ValueError:  # (another drive)
        return None
    return None if rel.startswith(os.pardir) else rel
