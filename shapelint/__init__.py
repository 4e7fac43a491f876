"""shapelint: catch NumPy array-shape bugs before they run."""

from shapelint.errors import ShapeError

__version__ = "0.1.0"

__all__ = ["ShapeError", "__version__"]
