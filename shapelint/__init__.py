"""shapelint: catch NumPy array-shape bugs before they run."""

from shapelint.errors import ShapeError

__version__ = "0.1.0"

__all__ = ["ShapeError", "check", "shapes", "__version__"]


def __getattr__(name):
    # shapelint.shapes / shapelint.check load the runtime on first use, so the
    # CLI does not pay for it
    if name == "shapes":
        from shapelint.runtime.decorator import shapes

        return shapes
    if name == "check":
        from shapelint.runtime.contracts import check

        return check
    raise AttributeError(f"module 'shapelint' has no attribute {name!r}")
