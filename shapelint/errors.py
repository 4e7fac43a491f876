"""Exceptions shared by the static and the runtime halves."""


class ShapeError(ValueError):
    """An array arrived with a shape that its contract does not allow.

    A ``ValueError`` so that code which already catches NumPy's own shape
    errors (``ValueError: operands could not be broadcast``) also catches it.
    """
