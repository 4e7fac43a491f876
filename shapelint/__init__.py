"""shapelint: catch NumPy array-shape bugs before they run."""

from shapelint.errors import ShapeError

__version__ = "0.1.0"

__all__ = ["ShapeError", "check", "shapes", "__version__"]


def __getattr__(name):
    # shapelint.shapes / shapelint.check load the runtime on first use, so the
    # CLI does not pay for it
    if name in ("shapes", "check"):
        from shapelint.runtime import contracts

        return getattr(contracts, name)
    raise AttributeError(f"module 'shapelint' has no attribute {name!r}")
