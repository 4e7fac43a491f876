"""Data sets that NumPy tutorials make with other libraries: what shapes they return.

Course and from-scratch code gets its training data from a few generators
(``sklearn.datasets.make_circles(n_samples=300)``, the ``nnfs`` book's
``spiral_data(samples=100, classes=3)``).  Without their shapes, the number
of examples and features of everything downstream is unknown.  Each entry:
qualified name -> (parameters in order with defaults, and a rule from the
sizes passed to the shapes returned, one per returned array).

Pure: sizes are ``dims`` values; nothing here runs the libraries.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Tuple

from shapelint.algebra.dims import Dim, Shape, mul

_Rule = Callable[[Dict[str, Dim]], Tuple[Shape, ...]]


class DataFn:
    __slots__ = ("params", "rule", "positional")

    def __init__(self, params: List[Tuple[str, Optional[int]]], rule: _Rule, positional: bool = True):
        self.params = params  # (name, default or None when required)
        self.rule = rule
        self.positional = positional  # False: keyword-only parameters

    def shapes(self, positional: List[Dim], keywords: Dict[str, Dim]) -> Optional[Tuple[Shape, ...]]:
        """The shapes returned for these sizes (None where a size is not known)."""
        if positional and not self.positional:
            return None
        sizes: Dict[str, Dim] = {}
        for (name, default), value in zip(self.params, positional):
            sizes[name] = value
        for name, default in self.params:
            if name in keywords:
                sizes[name] = keywords[name]
            elif name not in sizes:
                if default is None:
                    return None
                sizes[name] = default
        return self.rule(sizes)


def _samples_features(features_default: int, positional: bool = True) -> DataFn:
    return DataFn([("n_samples", 100), ("n_features", features_default)],
                  lambda a: ((a["n_samples"], a["n_features"]), (a["n_samples"],)), positional)


def _two_features() -> DataFn:
    return DataFn([("n_samples", 100)], lambda a: ((a["n_samples"], 2), (a["n_samples"],)))


def _nnfs_classes() -> DataFn:
    return DataFn([("samples", None), ("classes", None)],
                  lambda a: ((mul(a["samples"], a["classes"]), 2), (mul(a["samples"], a["classes"]),)))


DATA: Dict[str, DataFn] = {
    "sklearn.datasets.make_circles": _two_features(),
    "sklearn.datasets.make_moons": _two_features(),
    # centers given as an array (not a count) set the number of features: not followed
    "sklearn.datasets.make_blobs": DataFn([("n_samples", 100), ("n_features", 2), ("centers", 0)],
                                          lambda a: ((a["n_samples"], a["n_features"] if a["centers"] is not None
                                                      else None), (a["n_samples"],))),
    "sklearn.datasets.make_gaussian_quantiles": _samples_features(2, positional=False),
    "sklearn.datasets.make_classification": _samples_features(20),
    "nnfs.datasets.spiral_data": _nnfs_classes(),
    "nnfs.datasets.vertical_data": _nnfs_classes(),
    "nnfs.datasets.sine_data": DataFn([("samples", 1000)], lambda a: ((a["samples"], 1), (a["samples"], 1))),
}
