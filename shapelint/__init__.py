"""shapelint: catch NumPy array-shape bugs before they run."""

from shapelint.errors import ShapeError

__version__ = "0.1.0"

__all__ = ["ShapeError", "check", "shapes", "__version__"]


def load_ipython_extension(shell):
    """``%load_ext shapelint`` in IPython or Jupyter (see ``shapelint.ipython``)."""
    from shapelint.ipython import load_ipython_extension as load

    load(shell)


def unload_ipython_extension(shell):
    """``%unload_ext shapelint``."""
    from shapelint.ipython import unload_ipython_extension as unload

    unload(shell)


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
