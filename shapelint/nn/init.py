"""Parameter initialization: W[l] of shape (n[l], n[l-1]) drawn layer by layer, b[l] zeros.

Methods (std of the normal draw for W[l]):

=========  ===========================  ============================================
"small"    0.01                         the course's 2-layer model
"scaled"   1 / sqrt(n[l-1])             the course's L-layer model
"he"       sqrt(2 / n[l-1])             He et al. 2015, for relu
"xavier"   sqrt(2 / (n[l-1] + n[l]))    Glorot & Bengio 2010 (the course sometimes
                                        calls "scaled" Xavier)
=========  ===========================  ============================================

Draws happen in the order W1, W2, ..., WL, each one
``randn(n[l], n[l-1])`` from the chosen source, and biases draw nothing: with
``seed=1`` the result is exactly ``np.random.seed(1)`` followed by the
course's code.  The draw is done in float64 and then cast, so a float32 model
starts from the rounded float64 values (same seed, same network).
"""

from __future__ import annotations

import math
from typing import Dict, Optional, Sequence, Union

import numpy as np

__all__ = ["initialize_parameters", "INIT_METHODS"]

INIT_METHODS = ("small", "scaled", "he", "xavier")


def _scale(W: np.ndarray, method: str, n: int, n_prev: int) -> np.ndarray:
    # Each line mirrors the course's expression (e.g. a division by sqrt, not
    # a multiplication by its reciprocal) so that float64 results match bit
    # for bit.
    if method == "small":
        return W * 0.01
    if method == "scaled":
        return W / np.sqrt(n_prev)
    if method == "he":
        return W * np.sqrt(2.0 / n_prev)
    return W * math.sqrt(2.0 / (n_prev + n))


def initialize_parameters(
    layer_dims: Sequence[int],
    method: str = "scaled",
    seed: Optional[int] = None,
    rng: Union[None, np.random.Generator, np.random.RandomState] = None,
    dtype=np.float64,
) -> Dict[str, np.ndarray]:
    """Create W1, b1, ..., WL, bL for a network with the given layer sizes.

    Arguments:
    layer_dims -- [n[0], n[1], ..., n[L]]: n[0] = n_x input features, n[L] outputs
    method -- "small", "scaled", "he" or "xavier" (see the module docstring)
    seed -- if given, np.random.seed(seed) is called first (legacy global RNG)
    rng -- a np.random.Generator (draws with standard_normal) or RandomState;
           default: the legacy global np.random
    dtype -- np.float64 or np.float32

    Returns:
    parameters -- dict with
        W[l] -- weights matrix of shape (n[l], n[l-1])
        b[l] -- bias vector of shape (n[l], 1), zeros
    """
    if method not in INIT_METHODS:
        raise ValueError(f"unknown init {method!r}; choose one of {list(INIT_METHODS)}")
    dims = [int(n) for n in layer_dims]
    if len(dims) < 2 or any(n < 1 for n in dims):
        raise ValueError(f"layer_dims needs at least two positive sizes, got {list(layer_dims)}")
    if seed is not None and rng is not None:
        raise ValueError("give either seed (legacy np.random) or rng, not both")
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"dtype must be floating, got {dtype}")

    if seed is not None:
        np.random.seed(seed)
    if isinstance(rng, np.random.Generator):
        def draw(rows: int, cols: int) -> np.ndarray:
            return rng.standard_normal((rows, cols))
    else:
        source = np.random if rng is None else rng

        def draw(rows: int, cols: int) -> np.ndarray:
            return source.randn(rows, cols)

    parameters: Dict[str, np.ndarray] = {}
    for l in range(1, len(dims)):
        n, n_prev = dims[l], dims[l - 1]
        W = _scale(draw(n, n_prev), method, n, n_prev)
        parameters[f"W{l}"] = W.astype(dtype, copy=False)
        parameters[f"b{l}"] = np.zeros((n, 1), dtype=dtype)
    return parameters
