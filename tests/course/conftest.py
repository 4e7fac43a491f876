"""Make mutants.py importable as a top-level module for test_course.py, and
shapelint importable from an uninstalled checkout."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

try:
    import shapelint  # noqa: F401
except ImportError:  # pragma: no cover - running from a checkout
    sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))
